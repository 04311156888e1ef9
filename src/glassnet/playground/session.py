"""One browser's playground: its settings, data, network and Trainer, trained in short chunks.

    session = Session(Settings(data="moons", hidden=(8, 8)))
    session.train(updates=10)          # ten updates by glassnet's Trainer (its BatchEnd events)
    session.step()                     # one update
    session.set_param(1, 0, 2, 0.5)    # W⁽¹⁾ row 0, column 2 (column n_in is the bias b)

Training is glassnet's own: a Trainer over the session's network, asked to stop after a few
updates (its `stop` event), and run again on the next chunk, so Play, Pause and Step are the
Trainer stopping and going on. The session is not thread-safe; the server runs one call of a
session at a time (Session.lock).
"""

from __future__ import annotations

import base64
import secrets
import threading
import time

import numpy as np

from glassnet.card import ModelCard
from glassnet.errors import DivergenceError, ValidationError
from glassnet.models.builders import head
from glassnet.nn import optimizers
from glassnet.nn.layers import ACTIVATIONS, Dense
from glassnet.nn.network import Network
from glassnet.playground import data as play_data
from glassnet.playground.state import Settings
from glassnet.train.history import BatchEnd, EpochEnd
from glassnet.train.trainer import Trainer, gd_form

EPOCHS = 10**9  # a playground trains until paused
HISTORY_ROWS = 4000  # past this, every second of the older epochs' rows is dropped


class Session:
    """A network training on a data set, stopped and started by the page (module docstring)."""

    def __init__(self, settings: Settings | None = None, weights: str | None = None):
        self.id = secrets.token_urlsafe(12)
        self.lock = threading.Lock()
        self.last_active = time.monotonic()
        self.playing = False
        self.uploaded: play_data.PlayData | None = None
        self.configure(settings or Settings())
        if weights:
            self.set_weights(weights)

    # ------------------------------------------------------------ building

    def configure(self, settings: Settings) -> None:
        """Data, network and Trainer for new settings; on a bad combination the old ones stay
        and the ValidationError says why."""
        example = None
        if settings.example:
            from glassnet.teach.worked import get

            example = get(settings.example).build()
            data, net, loss, lr = _example_parts(example)
        else:
            data = self._data(settings)
            previous = getattr(self, "data", None)
            if previous is None or previous.name != data.name or previous.task != data.task:
                was = None if previous is None else previous.task
                settings = settings.replace(cost=fitting_cost(settings.cost, data, was))
            net, loss = build_network(settings, data)
            lr = settings.lr
        trainer = self._trainer(settings, data, net, loss, lr, example)
        self.settings, self.data, self.net, self.loss = settings, data, net, loss
        self.example, self.trainer = example, trainer
        self.updates, self.diverged = 0, None
        self.selected_split, self.selected = "train", 0  # the sample the glass box shows
        self._deadline = 0.0
        self._after = self.snapshot()
        self._before = self.snapshot()

    def _data(self, settings: Settings) -> play_data.PlayData:
        if settings.data == "upload":
            if self.uploaded is None:
                raise ValidationError("no file was uploaded yet: choose a CSV file first")
            return play_data.split(self.uploaded.name, self.uploaded.task,
                                   *_whole(self.uploaded), self.uploaded.classes, settings,
                                   self.uploaded.feature_names)  # fmt: skip
        return play_data.make(settings)

    def _trainer(self, settings, data, net, loss, lr, example) -> Trainer:
        if example is not None:
            optimizer, batch = optimizers.SGD(lr=lr), 1
        else:
            optimizer, batch = make_optimizer(settings), settings.batch_size
        self._stop = threading.Event()
        return Trainer(
            net, data.X_train, data.y_train, loss=loss, optimizer=optimizer, epochs=EPOCHS,
            batch_size=batch, validation_data=(data.X_test, data.y_test),
            callbacks=[self._on_event], stop=self._stop,
        )  # fmt: skip

    def reset(self) -> None:
        """New weights from the settings' seed (the same data), counters at 0."""
        self.playing = False
        self.configure(self.settings)

    def upload(self, text: str, filename: str) -> None:
        """Train on a CSV file's rows from now on (a bad file raises DataError, changing
        nothing)."""
        uploaded = play_data.from_csv(text, self.settings, filename)
        previous, self.uploaded = self.uploaded, uploaded
        settings = self.settings.replace(data="upload", example="")
        try:
            self.configure(settings)
        except Exception:
            self.uploaded = previous
            raise
        self.playing = False

    # ------------------------------------------------------------ training

    def train(self, updates: int, seconds: float = 0.02) -> int:
        """At most `updates` updates (fewer when `seconds` run out); the number made. A diverging
        run stops and keeps glassnet's message in `diverged`."""
        if self.diverged:
            return 0
        self._budget, self._deadline = updates, time.perf_counter() + seconds
        start = self.updates
        self._stop.clear()
        self.trainer.history.interrupted = False
        try:
            self.trainer.run()
        except DivergenceError as exc:
            self.diverged = str(exc)
            self.playing = False
        return self.updates - start

    def yield_soon(self) -> None:
        """End the chunk being trained after its current update (from another thread): the
        page asked for something, and the session's lock should be free for it."""
        self._deadline = 0.0

    def step(self) -> int:
        """One update (stochastic: one sample; mini-batch: n; batch: all of them)."""
        self.playing = False
        return self.train(1, seconds=60.0)

    def _on_event(self, event) -> None:
        """The Trainer's events: count updates, remember the weights around the last one, stop
        when this chunk's budget or time is spent."""
        if isinstance(event, BatchEnd):
            self.updates += 1
            self._before, self._after = self._after, self._before
            self.snapshot(into=self._after)  # reuses the arrays: this runs after every update
            self._budget -= 1
            if self._budget <= 0 or time.perf_counter() > self._deadline:
                self.trainer.request_stop()
        elif isinstance(event, EpochEnd):
            thin(self.trainer.history)

    # ------------------------------------------------------------ the weights

    @property
    def dense(self) -> list[Dense]:
        return [layer for layer in self.net.layers if isinstance(layer, Dense)]

    def snapshot(self, into: list[np.ndarray] | None = None) -> list[np.ndarray]:
        """[W | b] of every Dense layer, copied (into the given arrays, when given)."""
        if into is None:
            return [np.hstack([d.W, d.b[:, None]]) for d in self.dense]
        for Wb, d in zip(into, self.dense, strict=True):
            Wb[:, :-1] = d.W
            Wb[:, -1] = d.b
        return into

    def last_update(self, layer: int) -> np.ndarray:
        """Δ[W | b] of Dense layer `layer` (1-based) in the last update."""
        return self._after[layer - 1] - self._before[layer - 1]

    def set_param(self, layer: int, row: int, col: int, value: float) -> None:
        """W⁽ˡ⁾[row, col] = value, or b⁽ˡ⁾[row] for col = n_in (the bias column of [W | b])."""
        dense = self._dense_layer(layer)
        if not (isinstance(row, int) and 0 <= row < dense.n_out):
            raise ValidationError(f"row must be 0 to {dense.n_out - 1}, got {row!r}")
        if not (isinstance(col, int) and 0 <= col <= dense.n_in):
            raise ValidationError(f"column must be 0 to {dense.n_in} (the bias), got {col!r}")
        value = float(value)
        if not np.isfinite(value) or abs(value) > 1e6:
            raise ValidationError(f"a weight must be a finite number within ±1e6, got {value}")
        if col == dense.n_in:
            dense.b[row] = value  # in place: the Trainer's optimizer holds these arrays
        else:
            dense.W[row, col] = value
        self.snapshot(into=self._after)
        self.diverged = None

    def _dense_layer(self, layer) -> Dense:
        if not (isinstance(layer, int) and 1 <= layer <= len(self.dense)):
            raise ValidationError(f"layer must be 1 to {len(self.dense)}, got {layer!r}")
        return self.dense[layer - 1]

    def weights_text(self) -> str:
        """Every W and b, float64, as URL-safe base64: the link with these weights."""
        flat = np.concatenate([p.ravel() for p, _ in self.net.parameters()]).astype("<f8")
        return base64.urlsafe_b64encode(flat.tobytes()).decode("ascii").rstrip("=")

    def set_weights(self, text: str) -> None:
        """The weights of `weights_text` (a link's), checked against this network's size."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (ValueError, TypeError):
            raise ValidationError(
                "the link's weights are not valid base64; copy it again"
            ) from None
        params = [p for p, _ in self.net.parameters()]
        n = sum(p.size for p in params)
        flat = np.frombuffer(raw, dtype="<f8") if len(raw) % 8 == 0 else np.empty(0)
        if flat.size != n or not np.all(np.isfinite(flat)):
            raise ValidationError(
                f"the link's weights do not fit this network ({n} parameters); "
                "the link was made for other settings"
            )
        offset = 0
        for p in params:
            p[...] = flat[offset : offset + p.size].reshape(p.shape)
            offset += p.size
        self.snapshot(into=self._after)
        self.snapshot(into=self._before)

    # ------------------------------------------------------------ facts for the page

    @property
    def gd_name(self) -> str:
        return gd_form(self.trainer.batch_size, len(self.data.X_train))

    def sample(self, split: str, index: int) -> tuple[np.ndarray, object]:
        """(x, target) of a training or test sample."""
        X, y = (self.data.X_train, self.data.y_train) if split == "train" else (
            self.data.X_test, self.data.y_test)  # fmt: skip
        if not (isinstance(index, int) and 0 <= index < len(X)):
            raise ValidationError(f"sample index must be 0 to {len(X) - 1}, got {index!r}")
        target = y[index]
        return X[index], (int(target) if y.dtype.kind in "iu" else float(target))


CLASS_COSTS = ("binary_cross_entropy", "cross_entropy")


def fitting_cost(cost: str, data: play_data.PlayData, was: str | None = None) -> str:
    """The cost kept when the data set changes, or one that fits the new data: a class cost on
    numbers becomes the squared error; classes after numbers (`was` "regression"), or binary
    cross-entropy on K > 2 classes, a cross-entropy. So choosing blobs or a regression set just
    works; a cost chosen on the same data that does not fit is refused (build_network)."""
    if data.task == "regression":
        return "squared_error" if cost in CLASS_COSTS else cost
    two = (data.n_classes or 2) == 2
    if (was == "regression" and cost not in CLASS_COSTS) or (
        not two and cost != "cross_entropy" and cost in CLASS_COSTS
    ):
        return "binary_cross_entropy" if two else "cross_entropy"
    return cost


def build_network(settings: Settings, data: play_data.PlayData) -> tuple[Network, str]:
    """(network, cost) for the settings and the data: the hidden layers chosen, then the output
    the cost calls for (glassnet.models.builders.head), in float64."""
    if data.task == "regression" and settings.cost in CLASS_COSTS:
        raise ValidationError(
            f"the cost {settings.cost} needs classes and {data.name} is a regression set; choose "
            "squared_error, half_squared_error or mse"
        )
    if settings.cost == "binary_cross_entropy" and (data.n_classes or 2) > 2:
        raise ValidationError(
            f"the cost binary_cross_entropy needs two classes and {data.name} has "
            f"{data.n_classes}; choose cross_entropy (softmax) or a squared error"
        )
    n_out, output, loss = head(data.task, data.n_classes, 1, settings.cost)
    layers: list = []
    width = data.n_in
    for h in settings.hidden:
        layers += [Dense(width, h, init=settings.init), ACTIVATIONS[settings.act]()]
        width = h
    layers.append(Dense(width, n_out, init=settings.init))
    if output != "none":
        from glassnet.nn.layers import Sigmoid, Softmax

        layers.append(Sigmoid() if output == "sigmoid" else Softmax())
    net = Network(layers, seed=settings.seed, dtype="float64")
    net.card = ModelCard(task=data.task, classes=data.classes,
                         feature_names=list(data.feature_names))  # fmt: skip
    return net, loss


def make_optimizer(settings: Settings):
    """SGD, SGD with momentum μ = 0.9, or Adam, with the settings' η and L2 decay λ."""
    kwargs = {"weight_decay": settings.l2} if settings.l2 else {}
    return optimizers.get(settings.opt, lr=settings.lr, **kwargs)


def _example_parts(built):
    """(data, network, cost, η) of a worked example: it trains on its one traced sample, so
    Step makes the update the document derives; the XOR examples show the four points too."""
    x, y = np.asarray(built.x, dtype=float)[None, :], np.asarray(built.y, dtype=float)
    if built.data is not None:
        X_all, y_all = built.data
        task, classes = "binary", [0, 1]
        y_train, y_test = y.astype(np.int64), np.asarray(y_all).astype(np.int64)
        data = play_data.PlayData("worked example", task, x, y_train, np.asarray(X_all, float),
                                  y_test, classes)  # fmt: skip
    else:
        data = play_data.PlayData("worked example", "regression", x, y, x.copy(), y.copy(), None,
                                  ("x",))  # fmt: skip
    net = built.net
    net.card = ModelCard(task=data.task, classes=data.classes)
    return data, net, built.loss, float(built.lr or 1.0)


def _whole(data: play_data.PlayData):
    return data.all_X(), np.concatenate([data.y_train, data.y_test])


def thin(history) -> None:
    """Keep a long run's history short: past HISTORY_ROWS epochs, drop every second row of the
    older half (the curves keep their shape; the latest rows stay)."""
    if len(history) <= HISTORY_ROWS:
        return
    half = len(history) // 2
    for name in history.COLUMNS:
        column = getattr(history, name)
        column[:half] = column[:half:2]
