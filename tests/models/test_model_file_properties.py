"""Properties of the model-file reader, tried on generated files (hypothesis, bounded counts):
whatever happens to a file, loading it either gives back exactly what was saved or raises one
ModelFileError, never another exception and never a silently different model."""

import json
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet as gn
import hostile_model_corpus as hc
from glassnet.errors import ModelFileError

BOUNDED = settings(max_examples=120, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A saved classifier: (its bytes, inputs, its predictions)."""
    net, X = hc.classifier()
    path = net.save(tmp_path_factory.mktemp("good") / "m.glassnet")
    return path.read_bytes(), X, net.predict(X)


def load_bytes(tmp_path, data: bytes):
    path = tmp_path / "case.glassnet"
    path.write_bytes(data)
    return gn.load(path)


@BOUNDED
@given(st.data())
def test_any_changed_byte_is_refused(good, tmp_path_factory, data):
    """The header checksum and the tensor checksum together cover every byte."""
    original, _, _ = good
    at = data.draw(st.integers(0, len(original) - 1), label="position")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != original[at]), label="byte")
    changed = original[:at] + bytes([new]) + original[at + 1 :]
    with pytest.raises(ModelFileError):
        load_bytes(tmp_path_factory.mktemp("flip"), changed)


@BOUNDED
@given(cut=st.integers(0, 10_000))
def test_any_truncation_is_refused(good, tmp_path_factory, cut):
    original, _, _ = good
    with pytest.raises(ModelFileError):
        load_bytes(tmp_path_factory.mktemp("cut"), original[: cut % len(original)])


@settings(max_examples=60, deadline=None, derandomize=True)
@given(junk=st.binary(max_size=2_000), header_length=st.none() | st.integers(0, 2**64 - 1))
def test_random_bytes_are_refused(tmp_path_factory, junk, header_length):
    data = junk if header_length is None else struct.pack("<Q", header_length) + junk
    with pytest.raises(ModelFileError):
        load_bytes(tmp_path_factory.mktemp("junk"), data)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                               max_size=4),
    max_leaves=12,
)  # fmt: skip

PLACES = [
    ("network", ("card", "classes")),
    ("network", ("card", "feature_names")),
    ("network", ("card", "target_scale")),
    ("network", ("card", "image_shape")),
    ("network", ("card", "outputs")),
    ("network", ("card",)),
    ("network", ("dtype",)),
    ("network", ("seed",)),
    ("architecture", (1, "config", "n_in")),
    ("architecture", (1, "config")),
    ("architecture", (2, "config", "alpha")),
    ("architecture", (3,)),
    ("architecture", ()),
]


def put(document, where: tuple, value):
    if not where:
        return value
    document[where[0]] = put(document[where[0]], where[1:], value)
    return document


@settings(max_examples=150, deadline=None, derandomize=True)
@given(place=st.sampled_from(PLACES), value=JSON)
def test_any_json_in_any_entry_loads_exactly_or_is_one_clear_error(good, tmp_path_factory,
                                                                   place, value):  # fmt: skip
    """A writer with a bug (the checksums recomputed): the schema still decides."""
    original, X, predictions = good
    folder = tmp_path_factory.mktemp("json")
    (folder / "m.glassnet").write_bytes(original)
    metadata, tensors = hc.parts(folder / "m.glassnet")
    key, where = place
    metadata[key] = json.dumps(put(json.loads(metadata[key]), where, value))
    path = hc.write(folder / "m.glassnet", metadata, tensors)
    try:
        net = gn.load(path)
    except ModelFileError as exc:
        assert "\n" not in str(exc)
        return
    assert net.predict(X).shape == predictions.shape  # loaded: a working network


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    widths=st.lists(st.integers(1, 6), min_size=2, max_size=4),
    activation=st.sampled_from([gn.ReLU, gn.Tanh, gn.Sigmoid, gn.Identity]),
    dtype=st.sampled_from(["float32", "float64"]),
    standardize=st.booleans(),
)
def test_any_network_round_trips_bit_exactly(tmp_path_factory, widths, activation, dtype,
                                             standardize):  # fmt: skip
    layers = [gn.Standardize(np.arange(widths[0]) * 1.0, np.arange(widths[0]) + 1.0)] * standardize
    for n_in, n_out in zip(widths, widths[1:], strict=False):
        layers += [gn.Dense(n_in, n_out), activation()]
    net = gn.Network(layers, seed=len(widths), dtype=dtype)
    back = gn.load(net.save(tmp_path_factory.mktemp("trip") / "m.glassnet"))
    X = np.random.default_rng(0).normal(size=(5, widths[0]))
    np.testing.assert_array_equal(back.forward(X), net.forward(X))
    assert repr(back) == repr(net)
