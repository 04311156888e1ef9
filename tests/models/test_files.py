"""Model files: bit-exact round trips, safety (no pickle), corrupt files, atomic writes."""

import json
import struct

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ModelFileError
from glassnet.models import files
from glassnet.models.files import load_checkpoint, read_model_file
from glassnet.train.trainer import Trainer


def trained(dtype="float32"):
    net = gn.Network(
        [
            gn.Standardize([1.0, 2.0], [3.0, 4.0]),
            gn.Dense(2, 5),
            gn.LeakyReLU(0.1),
            gn.Dropout(0.2),
            gn.Dense(5, 3),
        ],
        seed=0,
        dtype=dtype,
    )
    X = np.random.default_rng(0).normal(size=(30, 2))
    net.fit(X, np.arange(30) % 3, epochs=2)
    net.card.classes = ["cat", "dog", "eel"]
    return net, X


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_is_bit_exact(tmp_path, dtype):
    net, X = trained(dtype)
    path = net.save(tmp_path / "model.glassnet")
    back = gn.load(path)
    assert repr(back) == repr(net)
    assert back.dtype == net.dtype and back.task == net.task == "multiclass"
    for a, b in zip(net.layers, back.layers, strict=True):
        for name, array in a.arrays().items():
            assert array.dtype == b.arrays()[name].dtype
            np.testing.assert_array_equal(array, b.arrays()[name])
    np.testing.assert_array_equal(back.forward(X), net.forward(X))
    assert back.card.classes == ["cat", "dog", "eel"]
    assert back.card.training["loss"] == "cross_entropy"


def test_file_is_safetensors_with_json_architecture_and_no_pickle(tmp_path):
    net, _ = trained()
    path = net.save(tmp_path / "m.glassnet")
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    meta = header["__metadata__"]
    assert meta["format"] == "glassnet"
    assert [layer["type"] for layer in json.loads(meta["architecture"])] == [
        "Standardize",
        "Dense",
        "LeakyReLU",
        "Dropout",
        "Dense",
    ]
    assert "layers.1.W" in header and header["layers.1.W"]["shape"] == [5, 2]
    assert b"pickle" not in data and not data.startswith(b"\x80")


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    net, _ = trained()
    target = tmp_path / "m.glassnet"
    target.write_bytes(b"old contents")
    net.save(target)
    assert [p.name for p in tmp_path.iterdir()] == ["m.glassnet"]
    assert gn.load(target).n_params == net.n_params


def test_save_into_a_missing_folder_says_so(tmp_path):
    net, _ = trained()
    with pytest.raises(ModelFileError, match="folder .* does not exist; create it"):
        net.save(tmp_path / "nowhere" / "m.glassnet")


def corrupt(tmp_path, change):
    net, _ = trained()
    path = net.save(tmp_path / "m.glassnet")
    data = bytearray(path.read_bytes())
    path.write_bytes(bytes(change(data)))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d[: len(d) // 2], "damaged|truncated"),
        (lambda d: d[:20], "truncated|not a glassnet"),
        (lambda d: d[:5], "only 5 bytes"),
        (lambda d: d[:-1] + bytes([d[-1] ^ 0xFF]), "failed its checksum"),
        (lambda d: b"PK\x03\x04" + bytes(100), "not a glassnet model file"),
        (lambda d: d.replace(b'"format":"glassnet"', b'"format":"othernet"'), "another program"),
        (lambda d: d.replace(b'"Dense', b'"Dunse'), "unknown layer type 'Dunse'"),
    ],
)
def test_corrupt_files_give_clear_errors(tmp_path, change, message):
    path = corrupt(tmp_path, change)
    with pytest.raises(ModelFileError, match=message):
        gn.load(path)


def test_foreign_safetensors_file_is_rejected(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / "other.safetensors"
    save_file({"weight": np.zeros((2, 2), dtype=np.float32)}, str(path))
    with pytest.raises(ModelFileError, match="from another program"):
        gn.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist; check the path"):
        gn.load(tmp_path / "absent.glassnet")


def test_checkpoint_carries_the_trainer_state(tmp_path):
    net = gn.Network([gn.Dense(2, 4), gn.Tanh(), gn.Dense(4, 1), gn.Sigmoid()], seed=0)
    X = np.random.default_rng(1).normal(size=(20, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    trainer = Trainer(net, X, y, optimizer=gn.Adam(0.01), epochs=3, batch_size=4)
    trainer.callbacks.append(lambda e: trainer.request_stop() if e["batch"] == 2 else None)
    trainer.run()
    path = files.save(net, tmp_path / "ckpt.glassnet", trainer=trainer)
    back, info, arrays = load_checkpoint(path)
    assert info["epoch"] == 0 and info["batch"] == 2 and info["optimizer_t"] == 2
    assert {"optimizer.0.m", "optimizer.0.v"} <= set(arrays)
    np.testing.assert_array_equal(arrays["optimizer.0.m"], trainer.optimizer.state[0]["m"])
    metadata, _ = read_model_file(path)
    assert "trainer" in metadata


def test_saved_files_get_normal_permissions(tmp_path):
    import os

    net, _ = trained()
    mask = os.umask(0o022)
    try:
        path = net.save(tmp_path / "m.glassnet")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_scalar_buffers_keep_their_shape(tmp_path):
    net = gn.Network([gn.Standardize(0, 255), gn.Dense(3, 2)], seed=0)
    back = gn.load(net.save(tmp_path / "m.glassnet"))
    assert back.layers[0].mean.shape == () and repr(back) == repr(net)
    assert repr(back.layers[0]) == "Standardize(0, 255)"
