"""What a worked example is made of besides traces: tables and the document that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Table:
    """A small table of numbers or text, rendered with the trace (e.g. a document's figures)."""

    title: str
    headers: list[str]
    rows: list[list]
    note: str = ""


@dataclass
class Document:
    """A worked example: a title and parts (paragraphs, tables and traces) in reading order."""

    title: str
    parts: list = field(default_factory=list)
