"""The playground's session and state logic, without a browser: settings in the URL, the data
sets and uploads, training by glassnet's Trainer in chunks, the glass box's numbers."""

import json

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import DataError, ValidationError
from glassnet.playground import data as play_data
from glassnet.playground import export, glassbox, pictures, protocol
from glassnet.playground.session import HISTORY_ROWS, Session, thin
from glassnet.playground.state import DATASETS, LIMITS, Settings
from glassnet.teach import trace, worked
from glassnet.train.history import History

# ---------------------------------------------------------------- settings and the URL


def test_settings_travel_through_the_url_and_back():
    s = Settings(data="moons", hidden=(3, 2), act="relu", lr=0.03, gd="stochastic",
                 hide=("data",))  # fmt: skip
    query = s.to_query()
    assert query == {"data": "moons", "hidden": "3,2", "act": "relu", "lr": "0.03",
                     "gd": "stochastic", "hide": "data"}  # fmt: skip
    assert Settings.from_query(query) == s
    assert Settings.from_query({"token": "abc", "weights": "xyz"}) == Settings()


@pytest.mark.parametrize(
    "query, message",
    [
        ({"hidden": "8,8,8,8,8,8,8"}, "at most 6 hidden layers"),
        ({"hidden": "17"}, "1 to 16 units"),
        ({"hidden": "a,b"}, "hidden must be whole numbers"),
        ({"act": "swish"}, "unknown act 'swish'; valid: sigmoid, tanh, relu"),
        ({"lr": "0"}, r"lr must be a number in \(0, 10\]"),
        ({"lr": "nan"}, "lr must be float"),
        ({"points": "5000"}, "points must be between 4 and 1000"),
        ({"train": "95"}, "train must be between 10 and 90"),
        ({"example": "2-2-2"}, "unknown example '2-2-2'"),
        ({"hide": "everything"}, "unknown hide 'everything'"),
    ],
)
def test_a_bad_url_parameter_is_named(query, message):
    with pytest.raises(ValidationError, match=message):
        Settings.from_query(query)


# ---------------------------------------------------------------- data


@pytest.mark.parametrize("name", [d for d in DATASETS if d != "upload"])
def test_every_built_in_data_set_builds_and_trains(name):
    cost = {"blobs": "cross_entropy", "regression-1d": "mse", "regression-2d": "mse"}
    session = Session(Settings(data=name, cost=cost.get(name, "binary_cross_entropy")))
    assert session.train(5, seconds=10) == 5
    frame = pictures.frame(session)
    json.dumps(frame, allow_nan=False)
    assert frame["updates"] == 5


def test_split_follows_the_training_share_and_the_seed():
    a = play_data.make(Settings(data="moons", points=200, train=70))
    b = play_data.make(Settings(data="moons", points=200, train=70))
    assert (len(a.X_train), len(a.X_test)) == (140, 60)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    c = play_data.make(Settings(data="moons", points=200, train=70, dataseed=1))
    assert not np.array_equal(a.X_train, c.X_train)


def test_a_good_csv_makes_a_classification_set():
    rows = "\n".join(f"{i / 10},{(i % 7) / 3},{'cat' if i % 2 else 'dog'}" for i in range(40))
    d = play_data.from_csv("a,b,animal\n" + rows, Settings(), "pets.csv")
    assert d.task == "binary" and d.classes == ["cat", "dog"]
    assert d.feature_names == ("a", "b")
    assert len(d.X_train) + len(d.X_test) == 40


def test_a_csv_with_many_numeric_values_is_a_regression_set():
    rows = "\n".join(f"{i},{i * 2},{i * 0.37}" for i in range(20))
    assert play_data.from_csv(rows, Settings(), "r.csv").task == "regression"


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "is empty"),
        ("x1,x2,y\n1,2,0\n", "has 1 data rows; give at least 4"),
        ("x1,x2,y\n1,2,0\n1,2\n3,4,1\n5,6,0\n", "line 3 has 2 columns; every row needs 3"),
        ("x1,x2,y\n1,2,0\n1,two,1\n3,4,1\n5,6,0\n", "line 3, column 2: 'two' is not a finite"),
        ("x1,x2,y\n1,2,a\n1,2,a\n3,4,a\n5,6,a\n", "one class only"),
        ("x1,x2,y\n1,2,a\n1,2,\n3,4,a\n5,6,b\n", "line 3 has no label"),
        ("x1,x2,y\n" + "1,2,0\n" * 1001, "has 1001 rows; the playground takes 1000"),
        ("x,y,z\n" + "".join(f"1,2,c{i}\n" for i in range(7)), "7 classes; the playground draws"),
        ("x1,x2,y\n1,2,1\n3,4,nan\n5,6,2\n7,8,1\n", "line 3: the label 'nan' is not a finite"),
        ("1,2,1e400\n3,4,1\n5,6,2\n7,8,1\n", "line 1: the label '1e400' is not a finite"),
        ("1,2," + "a" * 140_000 + "\n", "is not a CSV file of x1,x2,label rows \\(field larger"),
    ],
)
def test_a_bad_csv_is_a_one_line_message(text, message):
    with pytest.raises(DataError, match=message):
        play_data.from_csv(text, Settings(), "bad.csv")


def test_a_spreadsheets_byte_order_mark_is_not_part_of_a_name():
    data = play_data.from_csv("\ufeffwidth,height,kind\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n", Settings())
    assert data.feature_names == ("width", "height")


def test_an_oversized_upload_is_refused_before_parsing():
    text = "1,2,0\n" * (LIMITS.upload_bytes // 6 + 10)
    with pytest.raises(DataError, match="larger than 256 KB"):
        play_data.from_csv(text, Settings(), "big.csv")


def test_a_bad_upload_leaves_the_session_as_it_was():
    session = Session(Settings(data="moons"))
    replies = protocol.handle(session, {"type": "upload", "name": "x.csv", "text": "a,b\n"})
    assert replies[0]["type"] == "error" and "x.csv" in replies[0]["message"]
    assert session.settings.data == "moons"


def test_an_upload_trains_on_its_rows():
    rows = "\n".join(f"{np.cos(i)},{np.sin(i)},{i % 3}" for i in range(60))
    session = Session(Settings(cost="cross_entropy"))
    replies = protocol.handle(session, {"type": "upload", "name": "three.csv", "text": rows})
    assert [r["type"] for r in replies] == ["state", "data", "frame"]
    assert session.settings.data == "upload" and session.net.n_out == 3
    assert session.train(3, seconds=10) == 3


def test_the_cost_follows_a_new_data_set_from_the_default_settings():
    """From the page's defaults (binary cross-entropy), choosing blobs or a regression set
    gives a network, not a refusal: the cost changes to one that fits the new data."""
    session = Session()
    assert session.settings.cost == "binary_cross_entropy"
    for name, cost, n_out in (("blobs", "cross_entropy", 3), ("regression-1d", "squared_error", 1),
                              ("regression-2d", "squared_error", 1),
                              ("moons", "binary_cross_entropy", 1)):  # fmt: skip
        query = {**session.settings.to_query(), "data": name}
        replies = protocol.handle(session, {"type": "configure", "settings": query})
        assert [r["type"] for r in replies] == ["state", "data", "frame"], replies[0]
        assert session.settings.cost == cost and replies[0]["settings"]["cost"] == cost
        assert session.net.n_out == n_out
    assert Session(Settings(data="blobs")).settings.cost == "cross_entropy"  # a link's data
    rows = "\n".join(f"{np.cos(i)},{np.sin(i)},{np.sin(3 * i):.4f}" for i in range(60))
    protocol.handle(session, {"type": "upload", "name": "numbers.csv", "text": rows})
    assert session.data.task == "regression" and session.settings.cost == "squared_error"


def test_a_cost_that_does_not_fit_the_same_data_is_refused_in_the_pages_words():
    session = Session(Settings(data="blobs", cost="cross_entropy"))
    query = {**session.settings.to_query(), "cost": "binary_cross_entropy"}
    reply = protocol.handle(session, {"type": "configure", "settings": query})[0]
    assert reply["type"] == "error" and "--" not in reply["message"]
    assert reply["message"].startswith("the cost binary_cross_entropy needs two classes and "
                                       "blobs has 3; choose cross_entropy")  # fmt: skip
    assert session.settings.cost == "cross_entropy"
    query = {"data": "regression-1d", "cost": "squared_error"}
    session = Session(Settings.from_query(query))
    message = {"type": "configure", "settings": {**query, "cost": "cross_entropy"}}
    reply = protocol.handle(session, message)[0]
    assert reply["type"] == "error" and "needs classes" in reply["message"]


# ---------------------------------------------------------------- training


def test_play_is_the_trainer_stopped_and_continued():
    session = Session(Settings(hidden=(8, 8), gd="mini-batch", batch=10))
    first = pictures.status(session)["train_cost"]
    assert session.train(10, seconds=10) == 10
    assert session.trainer.epoch == 1  # 100 training points, batches of 10
    assert session.train(290, seconds=60) == 290
    assert session.updates == 300 and session.trainer.epoch == 30
    assert pictures.status(session)["train_cost"] < first


def test_step_is_one_update_of_the_gradient_descent_form():
    session = Session(Settings(gd="batch", opt="sgd", lr=0.5))
    before = session.snapshot()
    X, y = session.data.X_train, session.data.y_train
    net = session.net.copy()
    from glassnet.nn import losses
    from glassnet.train.targets import prepare_targets

    loss = losses.get(session.loss)
    net.loss_and_backward(loss, X, prepare_targets(net, loss, y).values)
    assert session.step() == 1
    for layer, (old, new, d) in enumerate(zip(before, session.snapshot(), net.dense_layers,
                                              strict=True)):  # fmt: skip
        expected = old - 0.5 * np.hstack([d.dW, d.db[:, None]])
        np.testing.assert_allclose(new, expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(session.last_update(layer + 1), new - old, atol=1e-15)
    assert session.gd_name == "batch"


def test_zero_initialisation_keeps_the_hidden_units_identical():
    session = Session(Settings(init="zeros", hidden=(4,), act="tanh", lr=0.5))
    session.train(50, seconds=10)
    W1 = session.dense[0].W
    assert np.all(W1 == W1[0])  # symmetry is never broken: every unit learns the same


def test_a_diverging_run_stops_with_glassnets_advice():
    session = Session(Settings(data="regression-2d", cost="squared_error", act="relu", lr=10,
                               hidden=(16, 16), gd="batch"))  # fmt: skip
    session.playing = True
    session.train(500, seconds=30)
    assert session.diverged and "Lower the learning rate (it is 10; try 1)" in session.diverged
    assert not session.playing
    assert protocol.handle(session, {"type": "play"})[0]["type"] == "error"
    json.dumps(pictures.frame(session), allow_nan=True)


def test_history_stays_short_in_a_long_run():
    history = History()
    for e in range(1, HISTORY_ROWS + 2):
        for name in history.COLUMNS:
            getattr(history, name).append(e)
        thin(history)
    assert len(history) <= HISTORY_ROWS
    assert history.epoch[0] == 1 and history.epoch[-1] == HISTORY_ROWS + 1
    assert history.epoch == sorted(history.epoch)


# ---------------------------------------------------------------- the glass box


def test_a_units_numbers_are_the_traces():
    session = Session(Settings(hidden=(3,), act="sigmoid", cost="half_squared_error"))
    session.train(20, seconds=10)
    x, target = session.sample("train", 5)
    session.selected = 5
    tr = trace(session.net, x, target, session.loss)
    info = glassbox.unit_info(session, 1, 2)
    assert info["z"] == pytest.approx(tr.value("z⁽¹⁾")[2], rel=1e-12)
    assert info["a"] == pytest.approx(tr.value("a⁽¹⁾")[2], rel=1e-12)
    hidden = [lg for lg in tr.layers if lg.layer == 0][0]
    assert info["delta"] == pytest.approx(hidden.grad["backprop"][2, -1], rel=1e-9)
    assert info["lines"][1].startswith("z = Σ wᵢxᵢ + b = ")


def test_a_weights_numbers_are_the_sample_and_batch_gradients():
    session = Session(Settings(hidden=(3,), gd="batch"))
    assert glassbox.weight_info(session, 1, 0, 1)["batch_grad"] is None
    from glassnet.nn import losses
    from glassnet.train.targets import prepare_targets

    work, loss = session.net.copy(dtype="float64"), losses.get(session.loss)  # the full batch's
    targets = prepare_targets(work, loss, session.data.y_train).values  # gradient, on its own
    work.loss_and_backward(loss, session.data.X_train, targets, training=True)
    bias_before, bias_grad = float(session.dense[0].b[2]), float(work.layers[0].db[2])
    session.step()
    x, target = session.sample("train", 0)
    tr = trace(session.net, x, target, session.loss)
    first = [lg for lg in tr.layers if lg.layer == 0][0]
    info = glassbox.weight_info(session, 1, 0, 1)
    assert info["sample_grad"] == pytest.approx(first.grad["backprop"][0, 1], rel=1e-9)
    assert info["batch_grad"] == pytest.approx(float(work.layers[0].dW[0, 1]), rel=1e-9)
    assert info["update"] == pytest.approx(-0.1 * info["batch_grad"])
    bias = glassbox.weight_info(session, 1, 2, 2)
    assert bias["bias"] and bias["name"] == "b⁽¹⁾[3]"
    assert bias["batch_grad"] == pytest.approx(bias_grad, rel=1e-9)
    assert bias["value"] == pytest.approx(bias_before - 0.1 * bias_grad, rel=1e-9)
    assert [line.split(" =")[0] for line in bias["lines"][1:]] == [
        "∂L/∂b for sample train #0",
        "∂L/∂b for the last batch",
        "last update Δb",
    ]


def test_typing_a_weight_changes_the_output():
    session = Session(Settings(hidden=(2,)))
    before = pictures.frame(session)["output"]["surface"]
    replies = protocol.handle(session, {"type": "set", "layer": 1, "row": 0, "col": 0,
                                        "value": "5"})  # fmt: skip
    assert session.dense[0].W[0, 0] == 5
    assert replies[1]["value"] == 5 and replies[0]["output"]["surface"] != before
    for bad in ({"row": 9}, {"col": 3}, {"value": "nan"}, {"value": "1e9"}, {"layer": 4}):
        message = {"type": "set", "layer": 1, "row": 0, "col": 0, "value": 1, **bad}
        assert protocol.handle(session, message)[0]["type"] == "error"


def test_a_link_carries_the_weights():
    session = Session(Settings(hidden=(3,)))
    session.train(30, seconds=10)
    copy = Session(Settings(hidden=(3,)), weights=session.weights_text())
    for a, b in zip(session.snapshot(), copy.snapshot(), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValidationError, match="do not fit this network"):
        Session(Settings(hidden=(4,)), weights=session.weights_text())


@pytest.mark.parametrize("name", worked.names())
def test_a_worked_examples_step_is_the_documents_update(name):
    session = Session(Settings(example=name))
    shown = glassbox.sample_trace(session, "train", 0)
    ex = worked.get(name)
    tr = ex.trace()
    from glassnet.teach import render

    assert shown["text"].split("\n", 3)[3] == render(tr).split("\n", 3)[3]  # past the title
    session.step()
    for lg in tr.layers:
        dense = session.net.layers[lg.layer]
        got = np.hstack([dense.W, lg.bias_sign * dense.b[:, None]])
        np.testing.assert_allclose(got, lg.new_Wb, rtol=1e-12, atol=1e-12)


def test_unknown_messages_are_named():
    session = Session()
    assert "unknown message type 'fly'" in protocol.handle(session, {"type": "fly"})[0]["message"]
    assert protocol.handle(session, {"type": "unit", "layer": "1", "unit": 0})[0]["type"] == "error"


@pytest.mark.parametrize("unit", [4, 99, -1])
def test_a_unit_that_is_not_there_is_an_error_reply_not_a_closed_socket(unit):
    session = Session(Settings(hidden=(4,)))
    reply = protocol.handle(session, {"type": "unit", "layer": 1, "unit": unit})[0]
    assert reply == {"type": "error", "about": "unit",
                     "message": f"unit must be 0 to 3 in layer 1, got {unit}"}  # fmt: skip


def test_the_downloads_are_a_model_file_and_a_report(tmp_path):
    session = Session(Settings(data="moons", hidden=(3,)))
    session.train(50, seconds=10)
    path = tmp_path / "m.glassnet"
    path.write_bytes(export.model_bytes(session))
    net = gn.load(path)
    np.testing.assert_allclose(net.forward(session.data.X_test),
                               session.net.forward(session.data.X_test))  # fmt: skip
    page = export.report_html(session)
    assert "Decision boundary" in page and "data:image/png;base64" in page
    assert "Not drawn" not in page


def test_a_weighted_sum_writes_each_sign_once():
    assert glassbox.weighted_sum([0.5, -0.25], [1.0, -2.0], -0.1) == "0.5·1 − 0.25·(-2) − 0.1"
    assert glassbox.weighted_sum([], [], 0.3) == "0.3"


def test_a_worked_example_says_what_it_trains_with():
    note = protocol.state(Session(Settings(example="xor-2-2-1")))["example"]
    assert note.startswith("xor-2-2-1: cost half_squared_error, η = 1, one sample x = (1, 0)")
    assert protocol.state(Session())["example"] is None
