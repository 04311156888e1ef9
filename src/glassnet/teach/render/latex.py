"""A LaTeX fragment for a handout (needs amsmath): align* environments with bmatrix.

latex_math turns a symbol or formula in glassnet's Unicode notation into LaTeX math
(σ → \\sigma, z⁽¹⁾ → z^{(1)}, ∂L/∂ŷ → \\frac{\\partial L}{\\partial \\hat{y}}); latex_text
does the same inside prose, escaping LaTeX's special characters.
"""

from __future__ import annotations

import re

import numpy as np

from glassnet.teach.document import Table
from glassnet.teach.notation import as_matrix, matrix_cells, num
from glassnet.teach.render.text import TextWriter, cell_text
from glassnet.teach.trace import Trace


class LatexWriter(TextWriter):
    """A LaTeX fragment (needs amsmath): align* environments with bmatrix."""

    def part(self, obj):
        if not self.lines:
            self.lines += ["% glassnet explain: paste into a document that loads amsmath", ""]
        super().part(obj)

    def heading(self, text, top=False):
        cmd = "section*" if top else "subsection*"
        self.lines += [f"\\{cmd}{{{latex_text(text)}}}", ""]

    def para(self, text):
        self.lines += [latex_text(text).replace("\n", "\\\\\n"), ""]

    def summary(self, tr: Trace):
        self.para(f"{tr.network}, loss {tr.loss}, computed in float64.")

    def items(self, items):
        block = []
        for it in items + [("end",)]:
            if it[0] == "eq":
                block.append(it)
                continue
            if block:
                self.lines.append("\\begin{align*}")
                self.lines += [self.equation_line(e) for e in block]
                self.lines[-1] = self.lines[-1].removesuffix(" \\\\")
                self.lines += ["\\end{align*}", ""]
                block = []
            if it[0] == "para":
                self.para(it[1])
            elif it[0] == "table":
                self.table(it[1])

    def equation_line(self, it) -> str:
        _, symbol, formula, shape, value, kind = it
        left = latex_math(symbol)
        mid = f" = {latex_math(formula)}" if formula else ""
        if kind == "scalar":
            body = num(value)
        elif kind == "vector":
            body = bmatrix(np.ravel(value)[:, None])
        else:
            body = bmatrix(value)
        return f"{left} &{mid} = {body} \\\\"

    def table(self, t: Table):
        if t.title:
            self.lines += [f"\\paragraph{{{latex_text(t.title)}}}", ""]
        cols = "l" + "r" * (len(t.headers) - 1)
        self.lines += [f"\\begin{{tabular}}{{{cols}}}", "\\hline"]
        self.lines.append(" & ".join(latex_text(h) for h in t.headers) + " \\\\ \\hline")
        for r in t.rows:
            self.lines.append(" & ".join(latex_text(cell_text(c)) for c in r) + " \\\\")
        self.lines += ["\\hline", "\\end{tabular}", ""]
        if t.note:
            self.para(t.note)


def bmatrix(M) -> str:
    """A matrix as \\begin{bmatrix} … \\end{bmatrix}, elided like the text form."""
    cells = matrix_cells(as_matrix(M))
    swap = {"…": r"\cdots", "⋮": r"\vdots", "⋱": r"\ddots"}
    rows = [" & ".join(swap.get(c, c) for c in row) for row in cells]
    return "\\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}"


_SUPERS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾ᵀ", "0123456789()T", strict=True))
_SUBS = dict(zip("₀₁₂₃₄₅₆₇₈₉ₖᵧₕₓᵢⱼ", "0123456789kyhxij", strict=True))
_MATH = {
    "σ": r"\sigma",
    "δ": r"\delta",
    "∂": r"\partial",
    "∇": r"\nabla",
    "Σ": r"\sum",
    "⊗": r"\otimes",
    "·": r"\cdot",
    "−": "-",
    "×": r"\times",
    "½": r"\tfrac{1}{2}",
    "′": "'",
    "≈": r"\approx",
    "→": r"\to",
    "←": r"\leftarrow",
    "ε": r"\varepsilon",
    "η": r"\eta",
    "…": r"\ldots",
    "‖": r"\|",
    "⋮": r"\vdots",
    "ŷ": r"\hat{y}",
    "ỹ": r"\tilde{y}",
    "⟨": r"\langle",
    "⟩": r"\rangle",
    "±": r"\pm",
}
_WORDS = re.compile(r"\b(diag|softmax|tanh|log|id)\b")
_ACCENT = re.compile(r"(\w)([\u0303\u0304])")


def latex_math(s: str) -> str:
    """A symbol or formula in glassnet's Unicode notation as LaTeX math (no $ signs)."""
    s = _ACCENT.sub(lambda m: ("\\tilde{" if m[2] == "\u0303" else "\\bar{") + m[1] + "}", s)
    s = _WORDS.sub(
        lambda m: (
            r"\tanh "
            if m[1] == "tanh"
            else r"\log "
            if m[1] == "log"
            else f"\\operatorname{{{m[1]}}}"
        ),
        s,
    )
    words = re.search(r"(, \d+ per row| before| after)$", s)
    if words:
        return latex_math(s[: words.start()]) + f"\\text{{{words[1]}}}"
    s = s.replace(" | ", r" \mid ").replace("|", r"\mid ")
    out, i = [], 0
    while i < len(s):
        ch = s[i]
        for table, mark in ((_SUPERS, "^"), (_SUBS, "_")):
            if ch in table:
                j = i
                while j < len(s) and s[j] in table:
                    j += 1
                out.append(mark + "{" + "".join(table[c] for c in s[i:j]) + "}")
                i = j
                break
        else:
            if ch in _MATH:
                rep = _MATH[ch]
                out.append(rep + (" " if rep[-1].isalpha() else ""))
            elif ch == "∂":
                out.append(r"\partial ")
            else:
                out.append(ch)
            i += 1
    text = "".join(out)
    return _fractions(text)


def _fractions(text: str) -> str:
    r"""\partial A/\partial B → \frac{\partial A}{\partial B} (the derivatives glassnet writes)."""
    pattern = re.compile(r"\\partial ([^\s/]+?)\s*/\\partial ((?:\[[^\]]*\]|[^\s=,\[])+)")

    def frac(m):
        den, rest = m[2], ""
        while den.count(")") > den.count("(") and den.endswith(")"):
            den, rest = den[:-1], ")" + rest
        return f"\\frac{{\\partial {m[1]}}}{{\\partial {den}}}{rest}"

    return pattern.sub(frac, text)


_TEXT_ESCAPES = {
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
}


def latex_text(s: str) -> str:
    """Prose with Unicode math as LaTeX text: specials escaped, math symbols in $…$."""
    out = []
    for ch in s:
        if ch in _TEXT_ESCAPES:
            out.append(_TEXT_ESCAPES[ch])
        elif ch in _SUPERS or ch in _SUBS or ch in _MATH or ch in "\u0303\u0304":
            out.append(ch)  # marked below
        else:
            out.append(ch)
    text = "".join(out)
    math_chars = "".join(_SUPERS) + "".join(_SUBS) + "".join(_MATH) + "\u0303\u0304"
    run = re.compile(f"\\w?[{re.escape(math_chars)}]+")
    text = run.sub(lambda m: "$" + latex_math(m[0]) + "$", text)
    return text.replace("$$", "").replace("–", "--")
