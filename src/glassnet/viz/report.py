"""A run as one self-contained HTML file: a handout a student can hand in.

    build_report("runs/xor")                 # writes runs/xor/report.html
    build_report("runs/xor", "xor.html")

The page holds the learning curves, the decision boundary (2-D data), the confusion matrix
(other classifiers) or predicted against true values (regression), scored on the held-out
test rows unless `split` says otherwise, the hidden feature space where the model has a 2- or
3-unit last hidden layer, the manifest as a table and an explain trace of one training sample.
Figures are embedded as base64 PNG data URIs; there is no external CSS, script or font, so it
opens offline. A part that cannot be drawn (no model file, data that cannot be reloaded, …) is
replaced by a note saying why, never silently dropped.
"""

from __future__ import annotations

import base64
import datetime
import html
import json
from pathlib import Path

from glassnet._files import atomic_write
from glassnet.errors import DataError, GlassnetError
from glassnet.runs import record

MAX_TRACE_CHARS = 60_000


# ---------------------------------------------------------------- sections


class Section:
    """A heading with either a figure (PNG bytes), preformatted text, HTML, or a note."""

    def __init__(self, title, *, png=None, text=None, html_body=None, note=None, caption=""):
        self.title, self.png, self.text, self.html = title, png, text, html_body
        self.note, self.caption = note, caption

    def render(self) -> str:
        parts = [f"<section><h2>{html.escape(self.title)}</h2>"]
        if self.png is not None:
            data = base64.b64encode(self.png).decode("ascii")
            parts.append(f'<figure><img alt="{html.escape(self.title)}" '
                         f'src="data:image/png;base64,{data}">')  # fmt: skip
            if self.caption:
                parts.append(f"<figcaption>{html.escape(self.caption)}</figcaption>")
            parts.append("</figure>")
        elif self.caption:
            parts.append(f"<p>{html.escape(self.caption)}</p>")
        if self.text is not None:
            parts.append(f"<pre>{html.escape(self.text)}</pre>")
        if self.html is not None:
            parts.append(self.html)
        if self.note:
            parts.append(f'<p class="note">{html.escape(self.note)}</p>')
        parts.append("</section>")
        return "\n".join(parts)


def _figure_section(title, make_figure, caption="") -> Section:
    """Render a figure into a section; a GlassnetError becomes a note with its message."""
    from glassnet.viz.style import png_bytes

    try:
        return Section(title, png=png_bytes(make_figure()), caption=caption)
    except GlassnetError as exc:
        return Section(title, note=f"Not drawn: {exc}")


def _reload_data(manifest: dict):
    """The run's data set, reloaded as the manifest records it, or raise DataError."""
    from glassnet.datasets.features import open_dataset

    data = manifest.get("data") or {}
    source = data.get("path") or data.get("name")
    if not source:
        raise DataError("the manifest does not record the data set")
    settings = manifest.get("settings") or {}
    return open_dataset(source, data_dir=settings.get("data_dir"), target=data.get("target"))[0]


def _table(rows) -> str:
    body = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_cell(v))}</td></tr>" for k, v in rows
    )
    return f"<table>{body}</table>"


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return "–" if value is None else str(value)


def _flatten(obj: dict, prefix: str = "") -> list[tuple[str, object]]:
    rows = []
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows += _flatten(value, name + ".")
        else:
            rows.append((name, value))
    return rows


def _summary_rows(summary: dict) -> list[tuple[str, object]]:
    keys = ("dataset", "architecture", "parameters", "epochs", "best_epoch", "train_accuracy",
            "train_loss", "validation_accuracy", "validation_loss", "test_accuracy", "test_loss",
            "seconds")  # fmt: skip
    rows = []
    for key in keys:
        if key in summary:
            value = summary[key]
            if key.endswith("accuracy") and isinstance(value, (int, float)):
                value = f"{100 * value:.2f} %"
            name = "epoch of the lowest validation cost" if key == "best_epoch" else key
            rows.append((name.replace("_", " "), value))
    return rows


def _explain_section(net, X, y) -> Section:
    title = "Forward and backward pass for one sample"
    try:
        from glassnet import teach as explain
    except ImportError:
        explain = None
    if not (hasattr(explain, "trace") and hasattr(explain, "render")):
        return Section(title, note="Not included: this glassnet's explain module does not "
                       "offer trace() and render() yet.")  # fmt: skip
    training = net.card.training
    loss = training.get("loss") or "squared_error"
    lr = (training.get("optimizer") or {}).get("lr", 0.1)
    try:
        trace = explain.trace(net, X[0], y[0], loss, lr)
        text = explain.render(trace, fmt="text")
    except GlassnetError as exc:
        return Section(title, note=f"Not included: {exc}")
    note = None
    if len(text) > MAX_TRACE_CHARS:
        text = text[:MAX_TRACE_CHARS]
        note = (f"The trace is cut after {MAX_TRACE_CHARS:,} characters; run 'glassnet explain' "
                "for all of it.")  # fmt: skip
    caption = (f"The first training sample, x = {_short(X[0])}, target {_short(y[0])}: every "
               f"pre-activation, activation, Jacobian and gradient, and one update with "
               f"learning rate {lr:g}.")  # fmt: skip
    return Section(title, text=text, note=note, caption=caption)


def _short(value) -> str:
    import numpy as np

    a = np.asarray(value)
    if a.size > 8:
        return f"({a.size} values)"
    return np.array2string(a, precision=3, separator=", ")


def _scored(net, data, manifest: dict, split: str):
    """The rows the report scores the model on (glassnet.runs.rows), by split."""
    from glassnet.runs import rows

    path = (manifest.get("data") or {}).get("path")
    if path:
        return rows.select_file(net, data.X_train, data.y_train, path, split)
    return rows.select_builtin(data, split)


def _regression_section(net, scored) -> Section:
    from glassnet.viz.regression import predicted_vs_true_figure

    name = net.card.target or "y"
    X = scored.X.reshape(len(scored.X), -1)
    return _figure_section(
        "Predicted against true values",
        lambda: predicted_vs_true_figure(scored.y, net.predict(X), name=name),
        caption=f"Scored on {scored.description}, in the target's own units: the closer the "
        "points lie to the dotted diagonal, the better.",
    )


def sections(run: dict, split: str = "test") -> list[Section]:
    """Every section of the report for a run read by glassnet.runs.record.read; the confusion
    matrix and the predicted-against-true figure score the rows `split` names."""
    from glassnet.viz.boundary import boundary_figure
    from glassnet.viz.confusion import confusion_figure
    from glassnet.viz.curves import curves_figure
    from glassnet.viz.features import features_figure

    history, manifest, summary = run.history, run.manifest, run.summary
    out = []
    if summary:
        out.append(Section("Results", html_body=_table(_summary_rows(summary))))
    if any(v is not None for v in history.get("val_loss") or []):
        caption = ("Cost and accuracy after each epoch on the training data (blue) and the "
                   "validation data (vermilion, dashed); the star marks the best epoch. Where "
                   "the validation curve turns up while the training curve keeps falling, the "
                   "network is overfitting.")  # fmt: skip
    else:
        caption = ("Cost and accuracy after each epoch on the training data. The run kept no "
                   "validation data, so overfitting cannot be seen here: train with "
                   "--validation 0.2 to see it.")  # fmt: skip
    out.append(_figure_section("Learning curves", lambda: curves_figure(history),
                               caption=caption))  # fmt: skip
    net = data = None
    problems = []
    if run.model is None:
        problems.append("the run folder has no model.glassnet")
    else:
        from glassnet.models.files import load as load_model

        try:
            net = load_model(run.model)
        except GlassnetError as exc:
            problems.append(str(exc))
    if net is not None:
        try:
            data = _reload_data(manifest)
        except GlassnetError as exc:
            problems.append(f"the data could not be reloaded ({exc})")
    if net is None or data is None:
        reason = "; ".join(problems)
        out.append(Section("What the model learned", note=f"Not drawn: {reason}."))
        out.append(_manifest_section(manifest))
        return out
    classes = net.card.classes or data.classes
    X, y = data.X_train, data.y_train
    try:
        scored = _scored(net, data, manifest, split)
    except GlassnetError as exc:
        scored = None
        out.append(Section("Scored rows", note=f"Not scored: {exc}"))
    if net.task == "regression" and scored is not None:
        out.append(_regression_section(net, scored))
    elif net.task == "regression":
        pass
    elif net.n_in == 2:
        out.append(_figure_section(
            "Decision boundary", lambda: boundary_figure(net, X, y, classes=classes),
            caption="Each point of the plane tinted by the class the network predicts there, "
            "with the training data on top.",
        ))  # fmt: skip
        if _has_feature_space(net):
            out.append(_figure_section(
                "The hidden feature space",
                lambda: features_figure(net, X, y, classes=classes),
                caption="Left, the input plane with a square grid; right, the data and that "
                "grid mapped through the network to its last hidden layer, where the output "
                "layer separates the classes with a line (2 units) or a plane (3 units).",
            ))  # fmt: skip
    elif scored is not None:
        Xs, ys = scored.X, scored.y
        shape = _image_shape(data, net.n_in)
        out.append(_figure_section(
            "Confusion matrix",
            lambda: confusion_figure(ys, net.predict_proba(Xs.reshape(len(Xs), -1)),
                                     Xs, shape, classes=classes),
            caption=f"Scored on {scored.description}, by true class (rows) and predicted "
            "class (columns).",
        ))  # fmt: skip
    out.append(_explain_section(net, X, y))
    out.append(_manifest_section(manifest))
    return out


def _has_feature_space(net) -> bool:
    from glassnet.lab.features import feature_layer

    try:
        feature_layer(net)
    except GlassnetError:
        return False
    return True


def _image_shape(data, n: int):
    if data.image_shape:
        return tuple(data.image_shape)
    side = int(round(n**0.5))
    return (side, side) if side * side == n and side > 4 else None


def _manifest_section(manifest: dict) -> Section:
    if not manifest:
        return Section("Manifest", note="The run folder has no manifest.json.")
    return Section("Manifest", html_body=_table(_flatten(manifest)),
                   caption="Everything needed to repeat the run.")  # fmt: skip


# ---------------------------------------------------------------- the page

STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; margin-top: 2rem; }
.meta { color: #666; margin-top: 0; }
figure { margin: 0.8rem 0; }
img { max-width: 100%; height: auto; }
figcaption, .note { color: #555; font-size: 0.95rem; }
.note { font-style: italic; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; font-weight: normal; white-space: nowrap; }
td { font-family: Menlo, Consolas, monospace; word-break: break-all; }
pre { background: #f7f7f7; border: 1px solid #e2e2e2; padding: 0.8rem; overflow-x: auto;
      font-size: 0.8rem; line-height: 1.3; }
@media print { pre { white-space: pre-wrap; } h2 { page-break-after: avoid; } }
"""


def render_html(run: dict, split: str = "test") -> str:
    """The report page for a run read by glassnet.runs.record.read, as one HTML string."""
    from glassnet._version import __version__

    summary, manifest = run.summary, run.manifest
    name = summary.get("dataset") or (manifest.get("data") or {}).get("name") or run.dir.name
    arch = summary.get("architecture") or ""
    command = " ".join(manifest.get("command") or [])
    created = manifest.get("created") or ""
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    body = "\n".join(s.render() for s in sections(run, split))
    meta = [f"Run folder {run.dir}"]
    if created:
        meta.append(f"trained {created}")
    meta.append(f"report written {now} by glassnet {__version__}")
    command_html = f"<p><code>{html.escape(command)}</code></p>" if command else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>glassnet report: {html.escape(str(name))}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Training report: {html.escape(str(name))}</h1>
<p class="meta">{html.escape(arch)}</p>
<p class="meta">{html.escape(" · ".join(meta))}</p>
{command_html}
{body}
</body>
</html>
"""


def build_report(run_dir, out=None, split: str = "test") -> Path:
    """Write the report of a run folder to `out` (default RUN_DIR/report.html) atomically;
    `split` (test, train or all) chooses the rows the model is scored on."""
    run = record.read(run_dir)
    out = Path(out) if out is not None else run.dir / "report.html"
    if str(out.parent) and not out.parent.is_dir():
        raise DataError(f"cannot write {out}: folder {out.parent} does not exist; create it")
    atomic_write(out, render_html(run, split))
    return out
