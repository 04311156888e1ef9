"""LaTeX for a handout: align* environments with bmatrix, as a fragment or a whole document.

The fragment needs amsmath (bmatrix, align*) and graphicx (\\resizebox, which narrows a table
wider than the line); its first lines say so. `standalone(fragment)` wraps it in a complete
article that pdflatex compiles (T1 fonts, so that | and < > print as themselves).

latex_math turns a symbol or formula in glassnet's Unicode notation into LaTeX math
(σ → \\sigma, z⁽¹⁾ → z^{(1)}, ∂L/∂ŷ → \\frac{\\partial L}{\\partial \\hat{y}}); latex_text
does the same inside prose, escaping LaTeX's special characters.
"""

from __future__ import annotations

import re

import numpy as np

from glassnet.teach.document import Table
from glassnet.teach.notation import MAX_COLS, as_matrix, matrix_cells, num
from glassnet.teach.render.text import TextWriter, cell_text
from glassnet.teach.trace import Trace

PACKAGES = ("amsmath", "graphicx")
WIDE = 6  # a matrix with more columns gets a line of its own, narrowed to fit
PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage[a4paper,margin=2cm]{geometry}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5\baselineskip}
\allowdisplaybreaks
\emergencystretch=2em
\begin{document}
"""


class LatexWriter(TextWriter):
    """A LaTeX fragment (needs amsmath and graphicx): align* environments with bmatrix."""

    def part(self, obj):
        if not self.lines:
            self.lines += [
                f"% glassnet explain: needs \\usepackage{{{','.join(PACKAGES)}}} in the preamble",
                "% (T1 fonts print | < > as themselves); matrices have up to "
                f"{MAX_COLS} columns, so:",
                f"\\setcounter{{MaxMatrixCols}}{{{MAX_COLS}}}",
                "% and a long trace's displays may break across pages:",
                "\\allowdisplaybreaks",
                "",
            ]
        super().part(obj)

    def heading(self, text, top=False):
        cmd = "section*" if top else "subsection*"
        self.lines += [f"\\{cmd}{{{latex_text(text)}}}", ""]

    def para(self, text):
        self.lines += [latex_text(text).replace("\n", "\\\\\n{}"), ""]

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
            if as_matrix(value).shape[1] > WIDE or _wide(value):  # its own line, narrowed
                return f"{{}}{left} &{mid} \\\\\n&\\qquad = {fit(body, 0.7)} \\\\"
        return f"{{}}{left} &{mid} = {body} \\\\"

    def table(self, t: Table):
        if t.title:
            self.lines += [f"\\subsubsection*{{{latex_text(t.title)}}}", ""]
        cols = "l" + "r" * (len(t.headers) - 1)
        # \\resizebox narrows a table wider than the line (and leaves a narrow one alone)
        fit = r"\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{%"
        self.lines += [fit, f"\\begin{{tabular}}{{{cols}}}", "\\hline"]
        self.lines.append(" & ".join(latex_text(h) for h in t.headers) + " \\\\ \\hline")
        for r in t.rows:
            # {} first: a row that begins with [ would otherwise read as \\[length]
            self.lines.append("{}" + " & ".join(latex_text(cell_text(c)) for c in r) + " \\\\")
        self.lines += ["\\hline", "\\end{tabular}}", ""]
        if t.note:
            self.para(t.note)


def bmatrix(M) -> str:
    """A matrix as \\begin{bmatrix} … \\end{bmatrix}, elided like the text form."""
    cells = matrix_cells(as_matrix(M))
    swap = {"…": r"\cdots", "⋮": r"\vdots", "⋱": r"\ddots"}
    rows = [" & ".join(swap.get(c, c) for c in row) for row in cells]
    return "\\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}"


def _wide(M) -> bool:
    """A matrix whose printed cells would fill more than about half the line (11 pt on an
    A4 page with 2 cm margins, 483 pt: about 5.5 pt a character and 10 pt between columns)."""
    cells = matrix_cells(as_matrix(M))
    widths = [max(len(row[j]) for row in cells) for j in range(len(cells[0]))]
    return 5.5 * sum(widths) + 10 * len(widths) > 240


def fit(math: str, share: float) -> str:
    """Math in a box no wider than `share` of the line (narrow content keeps its size)."""
    limit = f"{share}\\linewidth"
    return (f"\\resizebox{{\\ifdim\\width>{limit} {limit}\\else\\width\\fi}}{{!}}"
            f"{{$\\displaystyle {math}$}}")  # fmt: skip


def standalone(fragment: str) -> str:
    """A complete LaTeX document around a fragment of LatexWriter: pdflatex compiles it."""
    return PREAMBLE + "\n" + fragment.rstrip() + "\n\n\\end{document}\n"


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
_WORDS = re.compile(r"\b(diag|softmax|tanh|log|id|mean|std)\b")
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
    """Prose with Unicode math as LaTeX text: specials escaped, math in $…$ (symbols such as
    z⁽¹⁾ or ∂L/∂b₁, augmented matrices [W | b], and lone variables W, b, x, y, z, L, C, ŷ)."""
    parts = _AUGMENTED.split(s)  # odd parts are [W | b]-like: one piece of mathematics
    return "".join(
        f"${latex_math(part)}$" if k % 2 else _prose(part) for k, part in enumerate(parts)
    )


_AUGMENTED = re.compile(r"(\[[^\[\]|]*\|[^\[\]]*\])")
_VARIABLE = re.compile(r"(?<![\w$\\{-])([WbxyzLCpqwX])(?![\w$}\-'’])")
_MATH_CHARS = "".join(_SUPERS) + "".join(_SUBS) + "".join(_MATH) + "\u0303\u0304"
# a number on either side joins the run whole: 784→256 is $784\to 256$, not 78$4\to $256
# and a lone letter right after an operator is its operand: ∂w, ∇p, η∇C
_MATH_RUN = re.compile(
    f"(?:\\d+|\\w)?[{re.escape(_MATH_CHARS)}]+(?:\\d+(?![.\\d])|[A-Za-z](?![\\w'\u0303\u0304]))?"
)
# the variables whose letter is also an English word, where the prose means the variable
_WORDS_AS_VARIABLES = {"weights A,": "weights $A$,", ", a ending": ", $a$ ending"}
_PROSE_ESCAPES = {"|": r"\textbar{}", "<": r"\textless{}", ">": r"\textgreater{}"}


def _prose(s: str) -> str:
    text = "".join(_TEXT_ESCAPES.get(ch, _PROSE_ESCAPES.get(ch, ch)) for ch in s)
    text = _MATH_RUN.sub(lambda m: "$" + latex_math(m[0]) + "$", text)
    for words, math in _WORDS_AS_VARIABLES.items():
        text = text.replace(words, math)
    text = text.replace("$$", "").replace("–", "--")
    pieces = re.split(r"(\$[^$]*\$)", text)  # italicise lone variables outside $…$ only
    return "".join(p if p.startswith("$") else _plain_words(p) for p in pieces)


def _plain_words(text: str) -> str:
    """Lone variables in italics; a long path may break after each /."""
    return _VARIABLE.sub(r"$\1$", text).replace("/", "/\\allowbreak{}")
