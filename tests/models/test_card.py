"""The model card: labels and units travel with the model, in its file, old files included."""

import json

import numpy as np
import pytest
from safetensors.numpy import save_file

import glassnet as gn
from glassnet.card import ModelCard, TargetScale
from glassnet.models.files import FORMAT, FORMAT_VERSION, architecture, checksum


def xor_net(**kwargs):
    return gn.Network([gn.Dense(2, 8), gn.Tanh(), gn.Dense(8, 2)], seed=0, **kwargs)


X4 = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)


def test_fit_takes_text_labels_and_predict_gives_them_back():
    net = xor_net()
    net.fit(X4, ["no", "yes", "yes", "no"], optimizer=gn.Adam(0.05), epochs=300,
            batch_size="full")  # fmt: skip
    assert net.card.classes == ["no", "yes"]
    assert list(net.predict(X4)) == ["no", "yes", "yes", "no"]
    assert net.evaluate(X4, ["no", "yes", "yes", "no"])["accuracy"] == 1.0


def test_fit_takes_pandas_objects():
    import pandas as pd

    frame = pd.DataFrame(X4, columns=["a", "b"])
    labels = pd.Series(pd.Categorical(["off", "on", "on", "off"]))
    net = xor_net()
    net.fit(frame, labels, optimizer=gn.Adam(0.05), epochs=300, batch_size="full")
    assert list(net.predict(frame)) == ["off", "on", "on", "off"]


def test_card_and_target_scale_survive_the_file(tmp_path):
    net = gn.Network([gn.Dense(2, 1)], seed=0)
    net.card = ModelCard(task="regression", target_scale=TargetScale((250_000.0,), (8_000.0,)),
                         feature_names=["rooms", "age"], target="price")  # fmt: skip
    raw = net.forward(X4)[:, 0]
    back = gn.load(net.save(tmp_path / "m.glassnet"))
    assert back.card == net.card
    np.testing.assert_allclose(back.predict(X4)[:, 0], raw * 8_000 + 250_000, rtol=1e-6)
    assert repr(back).endswith("; y = ŷ · 8000 + 250000)")


def test_files_written_before_cards_still_load(tmp_path):
    """A model file of the format before cards: the card's fields under "metadata"."""
    net = xor_net()
    arrays = [(i, k, v) for i, layer in enumerate(net.layers) for k, v in layer.arrays().items()]
    tensors = {f"layers.{i}.{k}": np.ascontiguousarray(v) for i, k, v in arrays}
    old = {"classes": ["cat", "dog"], "feature_names": ["x", "y"], "target": "pet",
           "dataset": "pets", "target_scale": None, "training": {"loss": "cross_entropy"},
           "run": {"recipe": "tabular", "seed": 0}}  # fmt: skip
    network = {"dtype": "float32", "seed": 0, "task": "multiclass", "metadata": old}
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "architecture": json.dumps(architecture(net)), "network": json.dumps(network),
                "checksum": checksum(tensors)}  # fmt: skip
    save_file(tensors, str(tmp_path / "old.glassnet"), metadata=metadata)
    back = gn.load(tmp_path / "old.glassnet")
    assert back.card.classes == ["cat", "dog"] and back.card.training["loss"] == "cross_entropy"
    assert set(back.predict(X4)) <= {"cat", "dog"}


@pytest.mark.parametrize("field, value, message", [
    ("classes", "cat,dog", "classes must be a list"),
    ("task", "ranking", "task must be one of"),
    ("target_scale", {"mean": [1.0]}, "target_scale must be an object"),
    ("image_shape", ["28", "28"], "image_shape must be a list of integers"),
])  # fmt: skip
def test_a_card_of_the_wrong_type_is_one_clear_error(tmp_path, field, value, message):
    net = xor_net()
    path = net.save(tmp_path / "m.glassnet")
    card = net.card.to_dict()
    card[field] = value
    with pytest.raises(gn.ValidationError, match=message):
        ModelCard.from_dict(card)
    assert gn.load(path).card.to_dict() == {**net.card.to_dict(), "task": net.task}


def test_copy_is_independent_and_keeps_the_card():
    net = xor_net()
    net.card.classes = ["a", "b"]
    twin = net.copy(dtype="float64")
    twin.layers[0].W[...] = 0
    twin.card.classes.append("c")
    assert net.layers[0].W.any() and net.card.classes == ["a", "b"]
    assert twin.dtype == np.float64 and twin.rng.bit_generator.state == net.rng.bit_generator.state
