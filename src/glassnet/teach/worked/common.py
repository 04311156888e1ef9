"""What every worked example is: its network and sample (Built), and how it is shown (Example).

An Example's build() gives what glassnet.teach.trace needs; worked() gives the whole Document:
the notes, the trace and the comparison with the reference document's printed figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from glassnet.nn.network import Network
from glassnet.teach.document import Document
from glassnet.teach.trace import trace

XOR_INPUTS = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # document 002's order
XOR_TARGETS = np.array([1.0, 0.0, 1.0, 0.0])


@dataclass
class Built:
    """What glassnet.teach.trace needs for an example, plus the data gradcheck uses."""

    net: Network
    x: np.ndarray
    y: np.ndarray
    loss: str
    lr: float | None
    notes: list[str] = field(default_factory=list)
    notation: dict | None = None
    form: str = "plain"
    data: tuple[np.ndarray, np.ndarray] | None = None  # (X, y) for gradcheck


@dataclass
class Example:
    """A worked example: its name, one-line description, source document and how to build it."""

    name: str
    description: str  # one line
    source: str  # the reference document
    build: Callable[[], Built]
    extra: Callable[[Built], list] | None = None  # parts shown after the trace (tables, notes)
    title: str = ""
    # the whole Document when the example is more than notes, trace and extra parts
    compose: Callable[[Example, float | None, object, object], Document] | None = None

    def trace(self, lr=None, x=None, y=None):
        """The trace of the example (its own sample and learning rate unless given)."""
        b = self.build()
        return trace(
            b.net,
            b.x if x is None else x,
            b.y if y is None else y,
            b.loss,
            b.lr if lr is None else lr,
            form=b.form,
            notation=b.notation,
            title=self.title or self.description,
        )

    def worked(self, lr=None, x=None, y=None) -> Document:
        """The whole worked example: notes, the trace, and the comparison with the document."""
        if self.compose is not None:
            return self.compose(self, lr, x, y)
        b = self.build()
        parts: list = [f"Source: {self.source}."] + b.notes
        parts.append(self.trace(lr, x, y))
        if self.extra is not None and x is None and y is None:
            parts += self.extra(b)
        elif self.extra is not None:  # its figures are of its own sample, not of this one
            parts.append("The document's own figures, for its own sample, are left out: this "
                         "trace is of another input or target.")  # fmt: skip
        return Document(f"{self.name}: {self.description}", parts)


def sigma(z: float) -> float:
    """σ(z) = 1 / (1 + e⁻ᶻ) of one number."""
    return 1.0 / (1.0 + math.exp(-z))
