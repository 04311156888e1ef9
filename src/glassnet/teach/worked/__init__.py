"""The worked examples of the reference documents, computed as their equations define them.

    from glassnet.teach import render, worked
    ex = worked.get("1-1-1")
    built = ex.build()                 # net, x, y, loss, lr, notes, … for glassnet.teach.trace
    print(render(ex.worked()))         # the trace plus the document's printed figures beside ours

One module per reference document (../reference/NNN_….txt beside the repository):

    doc000_xor_231       "But How Do Neural Networks Work?": the 2-3-1 XOR network, extra 1
    doc001_one_one_one   "How Neural Networks Work": the 1-1-1 network, one update step
    doc002_xor_221       chapter 1, "Introduction": the 2-2-1 XOR network and its weights

Where a document's printed figure differs from what its equations give, the example shows both
and says where the document slipped. The networks are float64 and the weights exact.
"""

from __future__ import annotations

from glassnet.errors import ValidationError
from glassnet.teach.worked import doc000_xor_231, doc001_one_one_one, doc002_xor_221
from glassnet.teach.worked.common import XOR_INPUTS, XOR_TARGETS, Built, Example, sigma
from glassnet.teach.worked.doc000_xor_231 import (
    WB1_231,
    WB2_231,
    initial_weights_231,
    train_231,
    trained_231,
)
from glassnet.teach.worked.doc001_one_one_one import correct_111, document_111, slips_111
from glassnet.teach.worked.doc002_xor_221 import U_221, U_CONVERGED, W_221, W_CONVERGED, xor_table

__all__ = [
    "EXAMPLES",
    "U_221",
    "U_CONVERGED",
    "WB1_231",
    "WB2_231",
    "W_221",
    "W_CONVERGED",
    "XOR_INPUTS",
    "XOR_TARGETS",
    "Built",
    "Example",
    "correct_111",
    "document_111",
    "get",
    "initial_weights_231",
    "names",
    "sigma",
    "slips_111",
    "train_231",
    "trained_231",
    "xor_table",
]

EXAMPLES: dict[str, Example] = {
    ex.name: ex
    for module in (doc001_one_one_one, doc002_xor_221, doc000_xor_231)
    for ex in module.EXAMPLES
}


def names() -> list[str]:
    """The examples' names, in the order `glassnet explain --list` shows them."""
    return list(EXAMPLES)


def get(name: str) -> Example:
    """The example called `name`; an unknown name lists the valid ones."""
    if name not in EXAMPLES:
        raise ValidationError(f"unknown example {name!r}; valid examples: {', '.join(EXAMPLES)}")
    return EXAMPLES[name]
