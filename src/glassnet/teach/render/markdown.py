"""Markdown for a handout: headings, tables, and matrices in code blocks."""

from __future__ import annotations

from glassnet.teach.document import Table
from glassnet.teach.notation import matrix_lines, num, vector_text
from glassnet.teach.render.text import TextWriter, cell_text
from glassnet.teach.trace import Trace


class MarkdownWriter(TextWriter):
    """Markdown for a handout: headings, tables, and matrices in code blocks."""

    in_title = False

    def heading(self, text, top=False):
        level = "## " if top else "#### " if self.nested and not self.in_title else "### "
        self.lines += [level + text, ""]

    def para(self, text):
        self.lines += [text.replace("\n", "  \n"), ""]

    def title(self, text):
        self.in_title = True
        super().title(text)
        self.in_title = False

    def summary(self, tr: Trace):
        self.lines += [f"`{tr.network}` · loss `{tr.loss}` · float64", ""]

    def items(self, items):
        for it in items:
            if it[0] == "para":
                self.para(it[1])
            elif it[0] == "table":
                self.table(it[1])
            else:
                self.equation(it, 0, 0)

    def equation(self, it, label_w, shape_w):
        _, symbol, formula, shape, value, kind = it
        label = self._label(it)
        if kind == "scalar":
            self.lines += [f"- **{label}** = `{num(value)}`", ""]
            return
        body = [vector_text(value)] if kind == "vector" else matrix_lines(value)
        if len(body) == 1:
            self.lines += [f"- **{label}** ({shape}) = `{body[0]}`", ""]
        else:
            self.lines += [f"- **{label}** ({shape}) =", "", "  ```"]
            self.lines += [f"  {line}" for line in body]
            self.lines += ["  ```", ""]

    def table(self, t: Table):
        if t.title:
            self.lines += [f"**{t.title}**", ""]
        self.lines.append("| " + " | ".join(t.headers) + " |")
        self.lines.append("|" + "|".join("---" for _ in t.headers) + "|")
        for r in t.rows:
            self.lines.append("| " + " | ".join(cell_text(c).replace("|", "\\|") for c in r) + " |")
        self.lines.append("")
        if t.note:
            self.para(t.note)
