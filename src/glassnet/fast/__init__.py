"""The compiled training step, a plug-in of glassnet.train.

Importing this package offers `compile_step` to every Trainer (train.step.register_compiler)
and `compiled_forward` to `Network.predict` (nn.network.PREDICTION_FORWARDS).
The step's module, the C extension and NumPy's BLAS load on the first step compiled, not here,
so `import glassnet` stays cheap.
"""

from collections.abc import Callable
from typing import Any

from glassnet.nn import network
from glassnet.train.step import register_compiler


def compile_step(*args, **kwargs):
    """glassnet.fast.step.compile_step, imported on first use."""
    from glassnet.fast.step import compile_step as compile_now

    return compile_now(*args, **kwargs)


_forward: Callable[..., Any] | None = None  # glassnet.fast.predict.compiled_forward, once imported


def compiled_forward(net, X):
    """glassnet.fast.predict.compiled_forward, imported on first use (not on every call: the
    import statement took a tenth of one sample's predict)."""
    global _forward
    if _forward is None:
        from glassnet.fast.predict import compiled_forward as _forward
    return _forward(net, X)


register_compiler(compile_step)
if compiled_forward not in network.PREDICTION_FORWARDS:
    network.PREDICTION_FORWARDS.append(compiled_forward)

__all__ = ["compile_step", "compiled_forward"]
