"""`make sanitize` runs this beside tests/fast: the kernels under test are the instrumented ones.

(Not collected by a plain `pytest`, whose files are test_*.py; skipped without the runtimes.)"""

import os

import pytest

pytestmark = pytest.mark.skipif(
    "libasan" not in os.environ.get("LD_PRELOAD", ""), reason="only under make sanitize"
)


def test_the_instrumented_kernels_are_the_ones_loaded():
    from glassnet.fast import _ckernels

    assert os.path.join("build", "sanitize") in _ckernels.__file__
    with open(_ckernels.__file__, "rb") as library:
        code = library.read()
    assert b"__asan_init" in code and b"__ubsan_handle" in code
