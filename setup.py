"""Build configuration beyond pyproject.toml: the optional C kernels of the training step.

`glassnet._ckernels` is optional: where no C compiler (or no Python headers) is at hand the
build warns and glassnet installs without it, and training takes the NumPy path.
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# -O3 lets GCC/Clang vectorise the element-wise loops; -fno-math-errno lets them vectorise
# sqrtf (Adam), -fno-trapping-math the clamps of the softmax's exp, neither changing any result
# (nothing here reads the floating-point exception flags). No -ffast-math and no FMA
# contraction: IEEE arithmetic, as NumPy's, and the same results from every SIMD clone of a loop.
UNIX_FLAGS = ["-O3", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-std=c11"]


class BuildExt(build_ext):
    def build_extensions(self):
        if self.compiler.compiler_type == "unix":
            for ext in self.extensions:
                ext.extra_compile_args = [*ext.extra_compile_args, *UNIX_FLAGS]
        super().build_extensions()


setup(
    ext_modules=[
        Extension("glassnet.fast._ckernels", ["src/glassnet/fast/_ckernels.c"], optional=True),
    ],
    cmdclass={"build_ext": BuildExt},
)
