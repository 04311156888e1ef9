"""The compiled training step, a plug-in of glassnet.train.

Importing this package offers `compile_step` to every Trainer (train.step.register_compiler);
the C extension and NumPy's BLAS are looked up on the first step compiled, not here.
"""

from glassnet.fast.step import CompiledStep, compile_step, kernels
from glassnet.train.step import register_compiler

register_compiler(compile_step)

__all__ = ["CompiledStep", "compile_step", "kernels"]
