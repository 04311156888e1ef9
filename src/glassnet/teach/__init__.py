"""Glass-box tools: every number of one forward and backward pass, worked examples, gradcheck.

    from glassnet.teach import render, trace, worked
    print(render(trace(net, x, y, lr=0.1)))              # or render(…, "markdown"), "latex"
    print(render(worked.get("xor-2-3-1").worked()))      # a reference document's example

    trace.py      the numbers of one sample: forward values, local Jacobians and chain
                  products (chain.py), the gradient three ways, one update
    notation.py   the symbols of a trace, and numbers and matrices as text
    render/       the text, Markdown and LaTeX writers
    worked/       the reference documents' worked examples, one module per document
    gradcheck.py  backpropagation against central differences

`import glassnet` runs this file (glassnet.gradcheck comes from here), so it loads only
gradcheck, trace and render's dispatch; the writers, the worked examples and the names below
marked lazy load on first use. glassnet.teach.trace and glassnet.teach.render are the
functions, not the modules of the same name: reach the modules' other names with
`from glassnet.teach.trace import …`. (Loading those two modules here, before binding the
names, is what keeps it so: a module imported later would replace the function.)
"""

from glassnet.teach.gradcheck import GradcheckResult, gradcheck
from glassnet.teach.notation import num
from glassnet.teach.render import render
from glassnet.teach.trace import Trace, trace

_LAZY = {  # name: (module, attribute in it; None for the module itself)
    "Document": ("glassnet.teach.document", "Document"),
    "Table": ("glassnet.teach.document", "Table"),
    "latex_math": ("glassnet.teach.render.latex", "latex_math"),
    "worked": ("glassnet.teach.worked", None),
    "Example": ("glassnet.teach.worked", "Example"),
    "example": ("glassnet.teach.worked", "get"),
    "example_names": ("glassnet.teach.worked", "names"),
}

__all__ = ["GradcheckResult", "Trace", "gradcheck", "num", "render", "trace", *_LAZY]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'glassnet.teach' has no attribute {name!r}")
    import importlib

    module, attribute = _LAZY[name]
    value = importlib.import_module(module)
    if attribute is not None:
        value = getattr(value, attribute)
    globals()[name] = value
    return value
