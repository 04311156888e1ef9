"""A Trace, Table or Document as text for a terminal, Markdown or LaTeX for a handout.

    from glassnet.teach.render import render
    print(render(trace, "text"))        # or "markdown", "latex"

The writers share one walk over the parts (render.text.TextWriter) and the same sections of a
trace (render.sections); each writes headings, paragraphs, equations and tables its own way.
"""

from __future__ import annotations

from glassnet.errors import ValidationError

FORMATS = ("text", "markdown", "latex")


def render(obj, fmt: str = "text") -> str:
    """A Trace, Table or Document as text (terminal), Markdown or LaTeX (bmatrix)."""
    if fmt not in FORMATS:
        raise ValidationError(f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")
    writer = writer_class(fmt)()
    writer.part(obj)
    return "\n".join(writer.lines).rstrip() + "\n"


def writer_class(fmt: str) -> type:
    """The writer of one format, imported on first use: `import glassnet` loads this package
    (glassnet.teach.render is re-exported by glassnet.teach) but none of the writers."""
    if fmt == "markdown":
        from glassnet.teach.render.markdown import MarkdownWriter

        return MarkdownWriter
    if fmt == "latex":
        from glassnet.teach.render.latex import LatexWriter

        return LatexWriter
    from glassnet.teach.render.text import TextWriter

    return TextWriter
