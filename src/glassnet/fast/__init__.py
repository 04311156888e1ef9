"""The compiled training step, a plug-in of glassnet.train.

Importing this package offers `compile_step` to every Trainer (train.step.register_compiler).
The step's module, the C extension and NumPy's BLAS load on the first step compiled, not here,
so `import glassnet` stays cheap.
"""

from glassnet.train.step import register_compiler


def compile_step(*args, **kwargs):
    """glassnet.fast.step.compile_step, imported on first use."""
    from glassnet.fast.step import compile_step as compile_now

    return compile_now(*args, **kwargs)


register_compiler(compile_step)

__all__ = ["compile_step"]
