"""Property-based tests (hypothesis) of the table readers and the IDX reader.

Two properties for each reader: whatever the bytes, it returns a correct array or raises one
GlassnetError (never another exception: no traceback reaches the user); and what glassnet or
NumPy wrote comes back exactly.  Example counts are bounded so `make test` stays fast.
"""

import gzip
import io
import zipfile

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from glassnet.datasets import load_csv, load_npy, load_npz, read_idx, write_idx
from glassnet.datasets.idx import IDX_TYPES
from glassnet.errors import GlassnetError

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
CSV_CHARS = st.sampled_from(list("0123456789.,;-+eE \t\n\"'abnNiIfF?") + ["\r\n", "\ufeff"])


def read_or_refuse(reader, path):
    """reader(path), or None when it raised a GlassnetError (any other exception fails)."""
    try:
        return reader(path)
    except GlassnetError as error:
        assert str(error) and "\n" not in str(error).strip()  # one line
        return None


@SETTINGS
@given(text=st.lists(CSV_CHARS, max_size=200).map("".join))
@example(text="x,x,label\n1,2,a\n3,4,b\n")
@example(text="a,label\n1,nan\n2,1\n3,0\n")
@example(text='a,label\n"1,0\n')
def test_any_text_is_read_or_refused_with_one_message(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    data = read_or_refuse(load_csv, path)
    if data is not None:
        assert len(data.X_train) == len(data.y_train) > 0
        assert np.all(np.isfinite(data.X_train))
        if data.task == "regression":
            assert np.all(np.isfinite(data.y_train))
        else:
            assert len(data.classes) >= 2 and "nan" not in map(str, data.classes)


finite = st.floats(-1e6, 1e6, allow_nan=False, width=32)


@SETTINGS
@given(
    rows=st.lists(st.tuples(finite, finite, st.sampled_from(["cat", "dog", "emu"])),
                  min_size=2, max_size=30),
)  # fmt: skip
def test_a_written_table_reads_back(tmp_path, rows):
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n" + "".join(f"{a!r},{b!r},{c}\n" for a, b, c in rows))
    labels = [c for _, _, c in rows]
    if len(set(labels)) < 2:
        assert read_or_refuse(load_csv, path) is None
        return
    data = load_csv(path)
    assert data.X_train.tolist() == [[a, b] for a, b, _ in rows]
    assert [data.classes[i] for i in data.y_train] == labels


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


tables = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64, np.int64, np.uint8]),
    shape=hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=8),
    elements={"allow_nan": False, "allow_infinity": False, "min_value": 0, "max_value": 9},
)


@SETTINGS
@given(table=tables, cut=st.integers(0, 400), flip=st.integers(0, 400))
def test_damaged_npy_files_are_refused_or_read_exactly(tmp_path, table, cut, flip):
    data = bytearray(npy_bytes(table))
    for variant in (data[:cut], data[:flip] + bytes([data[flip] ^ 0xFF]) + data[flip + 1 :]
                    if flip < len(data) else data):  # fmt: skip
        path = tmp_path / "a.npy"
        path.write_bytes(bytes(variant))
        read = read_or_refuse(load_npy, path)
        if read is not None:
            assert len(read.X_train) == len(read.y_train) >= 1
            assert read.X_train.shape[1] >= 1


@SETTINGS
@given(table=tables)
def test_a_saved_table_reads_back(tmp_path, table):
    path = tmp_path / "a.npy"
    np.save(path, table)
    read = read_or_refuse(load_npy, path)
    if table.shape[1] < 2 or len(np.unique(table[:, -1])) < 2:
        return  # too narrow, or a single class: refused, and that is right
    assert read is not None
    assert np.array_equal(read.X_train, table[:, :-1].astype(read.X_train.dtype))


@SETTINGS
@given(n=st.integers(1, 20), cut=st.integers(0, 2000), junk=st.binary(max_size=64))
def test_damaged_npz_files_are_refused_or_read(tmp_path, n, cut, junk):
    buffer = io.BytesIO()
    np.savez_compressed(buffer, X=np.arange(2.0 * n).reshape(n, 2), y=np.arange(n) % 2)
    whole = buffer.getvalue()
    for variant in (whole[:cut], whole[:cut] + junk + whole[cut + len(junk) :]):
        path = tmp_path / "a.npz"
        path.write_bytes(variant)
        read_or_refuse(load_npz, path)


def idx_arrays():
    dtype = st.sampled_from(sorted({d.newbyteorder("=") for d in IDX_TYPES.values()}, key=str))
    return dtype.flatmap(
        lambda d: hnp.arrays(d, hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5))
    )


@SETTINGS
@given(array=idx_arrays(), gz=st.booleans())
def test_written_idx_files_read_back_exactly(tmp_path, array, gz):
    path = tmp_path / ("a.idx.gz" if gz else "a.idx")
    write_idx(path, array)
    read = read_idx(path, ndim=array.ndim)
    assert read.shape == array.shape and read.dtype.kind == array.dtype.kind
    assert np.array_equal(read, array, equal_nan=array.dtype.kind == "f")


@SETTINGS
@given(array=idx_arrays(), cut=st.integers(0, 300), flip=st.integers(0, 300), gz=st.booleans())
def test_damaged_idx_files_are_refused_or_match_their_header(tmp_path, array, cut, flip, gz):
    raw = io.BytesIO()
    write_idx(tmp_path / "w.idx", array)
    raw = (tmp_path / "w.idx").read_bytes()
    variants = [raw[:cut]]
    if flip < len(raw):
        variants.append(raw[:flip] + bytes([raw[flip] ^ 0x5A]) + raw[flip + 1 :])
    for variant in variants:
        path = tmp_path / "a.idx"
        path.write_bytes(gzip.compress(variant) if gz else variant)
        read = read_or_refuse(read_idx, path)
        if read is not None:  # what was read is exactly what the header promised
            assert read.nbytes + 4 + 4 * read.ndim == len(variant)


@SETTINGS
@given(data=st.binary(max_size=300))
@example(data=b"\x1f\x8b")
@example(data=b"\x00\x00\x08\x03" + b"\xff" * 12)
def test_any_bytes_as_an_idx_file(tmp_path, data):
    path = tmp_path / "a.idx"
    path.write_bytes(data)
    read_or_refuse(read_idx, path)


def test_zip_bomb_members_in_an_npz_are_refused_unread(tmp_path):
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("X.npy", npy_bytes(np.zeros((20_000, 1000))))  # 160 MB of zeros
        zf.writestr("y.npy", npy_bytes(np.zeros(20_000)))
    assert read_or_refuse(load_npz, path) is None or path.stat().st_size * 1032 > 160e6


@SETTINGS
@given(text=st.lists(CSV_CHARS, max_size=200).map("".join))
@example(text="a,b\n1,2\n3\n")
@example(text="a,b\n1,inf\n")
def test_predict_reads_any_text_by_the_rules_of_train(tmp_path, text):
    import glassnet as gn
    from glassnet.datasets.features import unlabelled_data

    net = gn.Network([gn.Dense(2, 2), gn.Softmax()])
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    read = read_or_refuse(lambda p: unlabelled_data(net, [p]), path)
    if read is not None:
        X, names = read
        assert X.shape == (len(names), 2) and len(names) > 0 and np.all(np.isfinite(X))
