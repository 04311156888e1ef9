"""One BLAS call NumPy does not expose: W ← W − Gᵀ A in a single GEMM (β = 1).

np.matmul cannot accumulate into its output, so a plain-SGD step would write ∂L/∂W to a buffer
and then subtract it from W: one more pass over every weight. cblas_sgemm with α = −1, β = 1 does
the update inside the multiplication. The function is taken, through ctypes, from the very
OpenBLAS library NumPy's wheel loaded (numpy.libs/), so it shares NumPy's thread pool: mixing in
a second BLAS (SciPy's own OpenBLAS, say) made training 13–22× slower in the issue's measurements.
If that library or symbol is not there (another BLAS, another platform), `sgemm_update` is None
and training uses np.matmul and a subtraction instead. A self-test against np.matmul guards the
binding before it is used.
"""

from __future__ import annotations

import ctypes
import functools
from pathlib import Path

import numpy as np

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
# (symbol, integer type of its sizes): NumPy's 64-bit-integer OpenBLAS first, then the others.
_SYMBOLS = (
    ("scipy_cblas_sgemm64_", ctypes.c_int64),
    ("scipy_cblas_sgemm", ctypes.c_int),
    ("cblas_sgemm64_", ctypes.c_int64),
    ("cblas_sgemm", ctypes.c_int),
)


def _candidates() -> list[Path]:
    """NumPy's bundled BLAS libraries (Linux/Windows wheels: numpy.libs, macOS: numpy/.dylibs)."""
    root = Path(np.__file__).resolve().parent
    found = []
    for folder in (root.parent / "numpy.libs", root / ".dylibs"):
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if "openblas" in p.name.lower())
    return found


def _bind():
    for path in _candidates():
        try:
            lib = ctypes.CDLL(str(path))
        except OSError:
            continue
        for symbol, integer in _SYMBOLS:
            fn = getattr(lib, symbol, None)
            if fn is None:
                continue
            fn.restype = None
            fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, integer, integer, integer,
                           ctypes.c_float, ctypes.c_void_p, integer, ctypes.c_void_p, integer,
                           ctypes.c_float, ctypes.c_void_p, integer]
            return fn
    return None


def _make_update(fn):
    def sgemm_update(m: int, k: int, n: int, w: int, g: int, a: int) -> None:
        """W ← W − Gᵀ A for C-contiguous float32 W (m, k), G (n, m), A (n, k), given by the
        addresses of their data (callers cache them: `ndarray.ctypes` costs a microsecond)."""
        fn(_ROW_MAJOR, _TRANS, _NO_TRANS, m, k, n, -1.0, g, m, a, k, 1.0, w, k)

    return sgemm_update


def address(a: np.ndarray) -> int:
    """The address of an array's first element."""
    return a.__array_interface__["data"][0]


def _self_test(update) -> bool:
    rng = np.random.default_rng(0)
    W = rng.standard_normal((37, 53), dtype=np.float32)
    G = rng.standard_normal((19, 37), dtype=np.float32)
    A = rng.standard_normal((19, 53), dtype=np.float32)
    expected = W - G.T @ A
    update(37, 53, 19, address(W), address(G), address(A))
    return bool(np.allclose(W, expected, rtol=1e-5, atol=1e-4))


@functools.cache
def sgemm_update_fn():
    """The fused update W ← W − Gᵀ A (see `_make_update`), or None where NumPy's OpenBLAS
    cannot be reached."""
    try:
        fn = _bind()
        if fn is None:
            return None
        update = _make_update(fn)
        return update if _self_test(update) else None
    except Exception:  # any surprise in a foreign library: use the NumPy path
        return None
