"""The cblas_sgemm (and cblas_dgemm) of the BLAS NumPy itself uses, for the compiled training step.

The compiled step (`glassnet.fast.step`, `_ckernels.step`) runs a whole training step in C,
GEMMs included. It must call the very OpenBLAS library NumPy's wheel loaded (numpy.libs/), so
that it shares NumPy's thread pool: mixing in a second BLAS (SciPy's own OpenBLAS, say) made
training many times slower. This module finds that library's cblas_sgemm with ctypes, checks it
against np.matmul on the update the step does most (W ← W − Gᵀ A: α = −1, β = 1, which
np.matmul cannot do in one call), and hands its address to the C code, or calls it itself for
the NumPy-only route (`update_weights`). If the library or symbol is not there (another BLAS,
another platform), `sgemm` is None and the step runs its GEMMs through np.matmul instead.
`threads` finds the library's thread-count functions, with which the C step runs on a team of
two threads (csrc/team.h). For float64 networks, `gemms(np.float64)` finds and checks
cblas_dgemm and cblas_dgemv the same way (the functions take `letter`: "s" float32, "d" float64).
"""

from __future__ import annotations

import ctypes
import functools
from pathlib import Path

import numpy as np

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
# (symbol, integer type of its sizes): NumPy's 64-bit-integer OpenBLAS first, then the others;
# the float64 symbols are the same with dgemm for sgemm.
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


# (get, set) thread-count functions, in the same order of preference.
_THREAD_SYMBOLS = (
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
)


@functools.cache
def _libraries() -> list:
    """NumPy's bundled BLAS libraries, loaded."""
    loaded = []
    for path in _candidates():
        try:
            loaded.append(ctypes.CDLL(str(path)))
        except OSError:
            continue
    return loaded


def _symbols(letter: str) -> tuple[tuple[str, type], ...]:
    """_SYMBOLS for cblas_{letter}gemm: "s" float32, "d" float64."""
    return tuple((name.replace("sgemm", f"{letter}gemm"), integer) for name, integer in _SYMBOLS)


def _scalar(letter: str):
    """The ctypes type of α and β, and the NumPy dtype of the matrices, of ?gemm and ?gemv."""
    return (ctypes.c_double, np.float64) if letter == "d" else (ctypes.c_float, np.float32)


def _first_gemm(letter: str):
    """(library, symbol, integer type of its sizes) of the first cblas_{letter}gemm found in
    NumPy's BLAS libraries, in _SYMBOLS' order, or None."""
    for lib in _libraries():
        for symbol, integer in _symbols(letter):
            if hasattr(lib, symbol):
                return lib, symbol, integer
    return None


def _bind(letter: str = "s"):
    """(ctypes function, whether its sizes are 64-bit) for the first cblas_{letter}gemm found."""
    found = _first_gemm(letter)
    if found is None:
        return None
    lib, symbol, integer = found
    number = _scalar(letter)[0]
    fn = getattr(lib, symbol)
    fn.restype = None
    fn.argtypes = [
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        integer,
        integer,
        integer,
        number,
        ctypes.c_void_p,
        integer,
        ctypes.c_void_p,
        integer,
        number,
        ctypes.c_void_p,
        integer,
    ]
    return fn, integer is ctypes.c_int64


def _self_test(fn, letter: str = "s") -> bool:
    """Whether fn computes W ← W − Gᵀ A (row-major, G transposed, β = 1) as np.matmul does."""
    rng, dtype = np.random.default_rng(0), _scalar(letter)[1]
    W = rng.standard_normal((37, 53), dtype=dtype)
    G = rng.standard_normal((19, 37), dtype=dtype)
    A = rng.standard_normal((19, 53), dtype=dtype)
    expected = W - G.T @ A
    fn(
        _ROW_MAJOR,
        _TRANS,
        _NO_TRANS,
        37,
        53,
        19,
        -1.0,
        G.ctypes.data,
        37,
        A.ctypes.data,
        53,
        1.0,
        W.ctypes.data,
        53,
    )
    return bool(np.allclose(W, expected, **_TOLERANCE[letter]))


_TOLERANCE = {"s": {"rtol": 1e-5, "atol": 1e-4}, "d": {"rtol": 1e-12, "atol": 1e-12}}


@functools.cache
def _checked(letter: str = "s"):
    """(ctypes function, sizes are 64-bit) of cblas_{letter}gemm in NumPy's own OpenBLAS, bound
    once and checked against np.matmul, or None where it cannot be reached."""
    try:
        bound = _bind(letter)
        return bound if bound is not None and _self_test(bound[0], letter) else None
    except Exception:  # any surprise in a foreign library: use the NumPy path
        return None


def sgemm() -> tuple[int, bool] | None:
    """(address, sizes are 64-bit) of the checked cblas_sgemm, for the C step, or None."""
    return _address(_checked("s"))


def dgemm() -> tuple[int, bool] | None:
    """(address, sizes are 64-bit) of the checked cblas_dgemm, for the float64 C step, or None."""
    return _address(_checked("d"))


def _address(checked) -> tuple[int, bool] | None:
    if checked is None:
        return None
    fn, int64 = checked
    return ctypes.cast(fn, ctypes.c_void_p).value, int64


def gemms(dtype=np.float32) -> tuple[int | tuple[int, int], bool] | None:
    """make_plan's first two arguments for a network of this dtype (float32 or float64):
    `sgemm()` (or its dgemm), with the address made a pair (gemm, gemv) where the same library
    has a cblas_?gemv that agrees with np.matmul (the step multiplies one row or one column
    with it)."""
    letter = "d" if np.dtype(dtype) == np.float64 else "s"
    found = dgemm() if letter == "d" else sgemm()
    if found is None:
        return None
    gemv = _gemv(letter)
    return ((found[0], gemv) if gemv else found[0]), found[1]


@functools.cache
def _gemv(letter: str = "s") -> int | None:
    """The address of the cblas_sgemv (dgemv) beside the gemm `_bind` chose (in the same
    library, the same symbol family), if it computes y = A x as np.matmul does; else None."""
    try:
        found = _first_gemm(letter)
        if found is None:
            return None
        lib, symbol, integer = found
        gemv = getattr(lib, symbol.replace("gemm", "gemv"), None)
        return None if gemv is None else _checked_gemv(gemv, integer, letter)
    except Exception:  # any surprise in a foreign library: sgemm alone
        return None


def _checked_gemv(fn, integer, letter: str = "s") -> int | None:
    """fn's address if, as cblas_?gemv, it gives y = A x as np.matmul does; else None."""
    number, dtype = _scalar(letter)
    fn.restype = None
    fn.argtypes = [ctypes.c_int, ctypes.c_int, integer, integer, number,
                   ctypes.c_void_p, integer, ctypes.c_void_p, integer, number,
                   ctypes.c_void_p, integer]  # fmt: skip
    rng = np.random.default_rng(0)
    A = rng.standard_normal((37, 53), dtype=dtype)
    x = rng.standard_normal(53, dtype=dtype)
    y = np.zeros(37, dtype)
    fn(_ROW_MAJOR, _NO_TRANS, 37, 53, 1.0, A.ctypes.data, 53, x.ctypes.data, 1, 0.0,
       y.ctypes.data, 1)  # fmt: skip
    ok = np.allclose(y, A @ x, **_TOLERANCE[letter])
    return ctypes.cast(fn, ctypes.c_void_p).value if ok else None


def sgemm_function():
    """The checked cblas_sgemm as a ctypes function, or None: the NumPy-only route (no C
    extension) calls it for the one GEMM np.matmul cannot do, W ← W − Gᵀ A."""
    checked = _checked()
    return None if checked is None else checked[0]


def update_weights(fn, W: np.ndarray, G: np.ndarray, A: np.ndarray) -> None:
    """W ← W − Gᵀ A in one call of fn (cblas_sgemm: α = −1, β = 1), for C-contiguous float32
    W (m, k), G (n, m) and A (n, k)."""
    n, m = G.shape
    k = A.shape[1]
    fn(_ROW_MAJOR, _TRANS, _NO_TRANS, m, k, n, -1.0, G.ctypes.data, m, A.ctypes.data, k, 1.0,
       W.ctypes.data, k)  # fmt: skip


@functools.cache
def threads() -> tuple[int, int] | None:
    """(address of get, address of set) of the thread-count functions of the OpenBLAS whose
    sgemm `sgemm` found, or None."""
    try:
        for lib in _libraries():
            if not any(hasattr(lib, symbol) for symbol, _ in _SYMBOLS):
                continue
            for get, set_ in _THREAD_SYMBOLS:
                if hasattr(lib, get) and hasattr(lib, set_):
                    return tuple(
                        ctypes.cast(getattr(lib, name), ctypes.c_void_p).value
                        for name in (get, set_)
                    )
        return None
    except Exception:  # any surprise in a foreign library: no team
        return None
