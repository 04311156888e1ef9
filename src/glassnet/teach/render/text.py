"""Plain Unicode for a terminal: aligned columns, matrices with ⎡ ⎤ brackets.

TextWriter walks a Document, Trace, Table or paragraph and collects lines; MarkdownWriter
and LatexWriter (in the sibling modules) change how each piece is written.
"""

from __future__ import annotations

import numpy as np

from glassnet.errors import ValidationError
from glassnet.teach.document import Document, Table
from glassnet.teach.notation import matrix_lines, num, vector_text, width
from glassnet.teach.render.sections import sections
from glassnet.teach.trace import Trace


def ljust(text: str, n: int) -> str:
    return text + " " * max(0, n - width(text))


def rjust(text: str, n: int) -> str:
    return " " * max(0, n - width(text)) + text


class TextWriter:
    """Plain Unicode for a terminal: aligned columns, matrices with ⎡ ⎤ brackets."""

    def __init__(self):
        self.lines: list[str] = []
        self.nested = False  # inside a Document: a trace's title is a section, not a title

    def part(self, obj):
        if isinstance(obj, Document):
            self.heading(obj.title, top=True)
            self.nested = True
            for p in obj.parts:
                self.part(p)
            self.nested = False
        elif isinstance(obj, Trace):
            self.trace(obj)
        elif isinstance(obj, Table):
            self.table(obj)
        elif isinstance(obj, str):
            self.para(obj)
        else:
            raise ValidationError(f"cannot render {type(obj).__name__}")

    def heading(self, text, top=False):
        if top:
            self.lines += ["═" * min(len(text), 100), text, "═" * min(len(text), 100), ""]
        else:
            self.lines += [text, "─" * min(len(text), 100)]

    def para(self, text):
        import textwrap

        if self.lines and self.lines[-1]:
            self.lines.append("")
        for paragraph in text.split("\n"):
            self.lines += textwrap.wrap(paragraph, 100, break_on_hyphens=False) or [""]
        self.lines.append("")

    def trace(self, tr: Trace):
        if tr.title:
            self.title(tr.title)
        self.summary(tr)
        for note in tr.notes:
            self.para(note)
        for heading, items in sections(tr):
            self.heading(heading)
            self.items(items)

    def title(self, text):
        self.heading(text, top=not self.nested)

    def summary(self, tr: Trace):
        self.lines += [f"{tr.network}   loss: {tr.loss}   computed in float64", ""]

    def items(self, items):
        eqs = [it for it in items if it[0] == "eq"]
        label_w = max((width(self._label(it)) for it in eqs), default=0)
        shape_w = max((len(it[3]) for it in eqs), default=0)
        for it in items:
            if it[0] == "para":
                self.para(it[1])
            elif it[0] == "table":
                self.table(it[1])
            else:
                self.equation(it, label_w, shape_w)
        self.lines.append("")

    @staticmethod
    def _label(it) -> str:
        _, symbol, formula, *_ = it
        return f"{symbol} = {formula}" if formula else symbol

    def equation(self, it, label_w, shape_w):
        _, symbol, formula, shape, value, kind = it
        label = ljust(self._label(it), label_w)
        if kind == "scalar":
            self.lines.append(f"  {label}  {'':{shape_w}}  = {num(value)}")
            return
        if kind == "vector":
            body = [vector_text(value)]
        else:
            body = matrix_lines(value)
        pad = " " * (label_w + shape_w + 6)
        self.lines.append(f"  {label}  {shape:>{shape_w}}  {body[0]}")
        self.lines += [f"{pad}{line}" for line in body[1:]]

    def table(self, t: Table):
        if t.title:
            self.lines += [t.title]
        cells = [[str(h) for h in t.headers]] + [[cell_text(c) for c in r] for r in t.rows]
        widths = [max(width(r[c]) for r in cells) for c in range(len(t.headers))]

        def line(r):
            return "  " + "  ".join(
                ljust(c, w) if k == 0 else rjust(c, w)
                for k, (c, w) in enumerate(zip(r, widths, strict=True))
            )

        self.lines.append(line(cells[0]))
        self.lines.append("  " + "  ".join("─" * w for w in widths))
        self.lines += [line(r) for r in cells[1:]]
        self.lines.append("")
        if t.note:
            self.para(t.note)


def cell_text(c) -> str:
    if isinstance(c, (float, np.floating, int, np.integer)) and not isinstance(c, bool):
        return num(c)
    return str(c)
