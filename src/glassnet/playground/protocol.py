"""The messages between the page and its session, over one WebSocket, as JSON objects.

The page sends {"type": …, …}; `handle(session, message)` applies it and returns the replies.

    configure {settings}        new settings (the URL's parameters): new data, network, Trainer
    play, pause, step, reset    Play and Pause the training, one update, new weights
    regenerate                  the data set drawn again with the next seed
    speed {value}               updates per frame (one of state.SPEEDS)
    example {name}              a worked example of the documents (glassnet explain --list)
    upload {name, text}         a CSV file's text
    unit {layer, unit}          a unit's equation for the selected sample → {"type": "unit"}
    weight {layer, row, col}    a connection's numbers (col = n_in: the bias) → {"type": "weight"}
    set {layer, row, col, value}   type a weight or bias
    select {split, index}       choose a data point → its trace {"type": "trace"}
    weights                     the link's weights → {"type": "weights", "text"}

The session answers with "session" (once), "data" (when the data change), "frame" (a picture,
glassnet.playground.pictures), the replies above, and "error" {message} naming the problem.
"""

from __future__ import annotations

from glassnet.errors import GlassnetError, ValidationError
from glassnet.nn.layers import ACTIVATIONS, INITIALISERS
from glassnet.nn.losses import NAMES as COSTS
from glassnet.playground import glassbox, pictures
from glassnet.playground.state import (
    DATASETS,
    GD_FORMS,
    LIMITS,
    OPTIMIZERS,
    PANELS,
    SPEEDS,
    Settings,
)

MAX_MESSAGE = LIMITS.upload_bytes + 4096  # the largest message a page may send


def hello(session) -> list[dict]:
    """The first replies: the session, the choices the page offers, the data and a frame."""
    from glassnet.teach.worked import EXAMPLES

    return [
        {
            "type": "session",
            "id": session.id,
            "choices": {
                "data": DATASETS,
                "act": list(ACTIVATIONS),
                "cost": list(COSTS),
                "init": list(INITIALISERS),
                "opt": list(OPTIMIZERS),
                "gd": list(GD_FORMS),
                "speed": list(SPEEDS),
                "panels": list(PANELS),
                "examples": {name: ex.description for name, ex in EXAMPLES.items()},
            },  # fmt: skip
            "limits": {
                "layers": LIMITS.layers,
                "units": LIMITS.units,
                "points": LIMITS.points,
                "upload_bytes": LIMITS.upload_bytes,
            },  # fmt: skip
        },
        state(session),
        pictures.points(session),
        pictures.frame(session),
    ]


def state(session) -> dict:
    """The settings as the URL's query parameters, and as values; for a worked example, what
    it trains with instead of the controls' values."""
    example = None
    if session.example is not None:
        from glassnet.teach.notation import num

        x, y = session.sample("train", 0)
        example = (f"{session.settings.example}: cost {session.loss}, η = "
                   f"{num(session.trainer.base_lr)}, one sample x = "
                   f"({', '.join(num(v) for v in x)}) with target {num(y)}. Step makes the "
                   "document's update; change any setting to leave the example.")  # fmt: skip
    return {"type": "state", "query": session.settings.to_query(),
            "settings": session.settings.to_dict(), "example": example}  # fmt: skip


def handle(session, message) -> list[dict]:
    """Apply one message; the replies, or one "error" reply naming what was wrong."""
    if not isinstance(message, dict) or message.get("type") not in HANDLERS:
        return [error(f"unknown message type {_type(message)!r}; valid: {', '.join(HANDLERS)}")]
    try:
        return HANDLERS[message["type"]](session, message)
    except GlassnetError as exc:
        return [error(str(exc), message["type"])]


def error(text: str, about: str = "") -> dict:
    return {"type": "error", "message": text, "about": about}


def _type(message):
    return message.get("type") if isinstance(message, dict) else type(message).__name__


def _int(message: dict, name: str) -> int:
    value = message.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} must be a whole number, got {value!r}")
    return value


# ---------------------------------------------------------------- handlers


def _configure(session, message):
    given = message.get("settings")
    if not isinstance(given, dict):
        raise ValidationError("configure needs settings: an object of the URL's parameters")
    session.playing = False
    old_data = session.data
    session.configure(Settings.from_query(given))
    replies = [state(session)]
    if session.data is not old_data:
        replies.append(pictures.points(session))
    return replies + [pictures.frame(session)]


def _play(session, message):
    if session.diverged:
        raise ValidationError(f"{session.diverged}. Press Reset (or set a weight) to go on")
    session.playing = True
    return [pictures.frame(session)]


def _pause(session, message):
    session.playing = False
    return [pictures.frame(session)]


def _step(session, message):
    session.step()
    return [pictures.frame(session)]


def _reset(session, message):
    session.reset()
    return [state(session), pictures.frame(session)]


def _regenerate(session, message):
    settings = session.settings
    if settings.example or settings.data in ("upload", "xor"):
        raise ValidationError("only a generated data set can be drawn again: choose one first")
    return _configure(session, {"settings": {**settings.to_query(),
                                             "dataseed": settings.dataseed + 1}})  # fmt: skip


def _speed(session, message):
    value = _int(message, "value")
    session.settings = session.settings.replace(speed=value)
    return [state(session)]


def _example(session, message):
    name = message.get("name")
    return _configure(session, {"settings": {"example": name}})


def _upload(session, message):
    text, name = message.get("text"), message.get("name") or "upload.csv"
    if not isinstance(text, str) or not isinstance(name, str):
        raise ValidationError("upload needs the file's name and its text")
    session.upload(text, name[:80])
    return [state(session), pictures.points(session), pictures.frame(session)]


def _unit(session, message):
    split, index = session.selected_split, session.selected
    reply = glassbox.unit_info(session, _int(message, "layer"), _int(message, "unit"), split,
                               index)  # fmt: skip
    return [{"type": "unit", **reply}]


def _weight(session, message):
    reply = glassbox.weight_info(session, _int(message, "layer"), _int(message, "row"),
                                 _int(message, "col"))  # fmt: skip
    return [{"type": "weight", **reply}]


def _set(session, message):
    value = message.get("value")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValidationError(f"a weight must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"a weight must be a number, got {value!r}")
    layer, row, col = _int(message, "layer"), _int(message, "row"), _int(message, "col")
    session.set_param(layer, row, col, value)
    info = glassbox.weight_info(session, layer, row, col)
    return [pictures.frame(session), {"type": "weight", **info}]


def _select(session, message):
    split = message.get("split", "train")
    if split not in ("train", "test"):
        raise ValidationError(f'split must be "train" or "test", got {split!r}')
    index = _int(message, "index")
    session.sample(split, index)  # checks the index
    session.selected_split, session.selected = split, index
    return [{"type": "trace", **glassbox.sample_trace(session, split, index)}]


def _weights(session, message):
    return [{"type": "weights", "text": session.weights_text()}]


HANDLERS = {
    "configure": _configure, "play": _play, "pause": _pause, "step": _step, "reset": _reset,
    "regenerate": _regenerate, "speed": _speed, "example": _example, "upload": _upload,
    "unit": _unit, "weight": _weight, "set": _set, "select": _select, "weights": _weights,
}  # fmt: skip
