"""Build configuration beyond pyproject.toml: the optional C kernels of the training step.

`glassnet.fast._ckernels` is optional: where no C compiler (or no Python headers) is at hand
the build warns and glassnet installs without it, and training takes the NumPy path. Its
sources are src/glassnet/fast/csrc/ (one file per concern, docs/performance.md); listing the
headers as `depends` rebuilds the extension when one changes and puts them in the sdist.
"""

from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

CSRC = Path("src/glassnet/fast/csrc")

# -O3 lets GCC/Clang vectorise the element-wise loops; -fno-math-errno lets them vectorise
# sqrtf (Adam), -fno-trapping-math the clamps of the softmax's exp, neither changing any result
# (nothing here reads the floating-point exception flags). No -ffast-math and no FMA
# contraction: IEEE arithmetic, as NumPy's, and the same results from every SIMD clone of a loop.
# The sources compile without a warning under -Wall -Wextra: keep it so.
UNIX_FLAGS = [
    "-O3",
    "-fno-math-errno",
    "-fno-trapping-math",
    "-ffp-contract=off",
    "-std=c11",
    "-Wall",
    "-Wextra",
]


class BuildExt(build_ext):
    def build_extensions(self):
        if self.compiler.compiler_type == "unix":
            for ext in self.extensions:
                ext.extra_compile_args = [*ext.extra_compile_args, *UNIX_FLAGS]
        super().build_extensions()


def files(pattern: str) -> list[str]:
    """The files of csrc/ that match pattern, as the relative paths setuptools wants."""
    return sorted(path.as_posix() for path in CSRC.glob(pattern))


setup(
    ext_modules=[
        Extension(
            "glassnet.fast._ckernels",
            sources=files("*.c"),
            depends=files("*.h"),
            optional=True,
        ),
    ],
    cmdclass={"build_ext": BuildExt},
)
