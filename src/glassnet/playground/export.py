"""What a page downloads: the trained model (a .glassnet file, glassnet.models.files) and the
run's HTML report (glassnet.viz.report over a run folder written as `glassnet train --run-dir`
writes one, with the session's data as a CSV file beside it)."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import numpy as np

from glassnet.models.files import save
from glassnet.runs import record
from glassnet.runs.config import RunConfig
from glassnet.train.evaluate import evaluate


def model_bytes(session) -> bytes:
    """The session's network as a .glassnet file (safetensors and JSON, never a pickle)."""
    with tempfile.TemporaryDirectory(prefix="glassnet-playground-") as folder:
        path = Path(folder) / "playground.glassnet"
        session.net.card.training = session.trainer.config()
        save(session.net, path)
        return path.read_bytes()


def report_html(session) -> str:
    """The HTML report of the session's run so far (glassnet report's page)."""
    from glassnet.viz.report import build_report

    with tempfile.TemporaryDirectory(prefix="glassnet-playground-") as folder:
        run_dir = Path(folder) / "run"
        run_dir.mkdir()
        data_path = write_csv(session, run_dir / "data.csv")
        session.net.card.training = session.trainer.config()
        save(session.net, run_dir / "model.glassnet")
        config = run_config(session, data_path)
        data = {"name": session.data.name, "path": str(data_path), "target": "label",
                "sha256": None}  # fmt: skip
        manifest = record.manifest(config, data)
        manifest["command"] = ["glassnet", "playground"]
        manifest["playground"] = session.settings.to_query()
        record.write(run_dir, session.trainer.history, manifest, summary(session))
        return build_report(run_dir).read_text(encoding="utf-8")


def write_csv(session, path: Path) -> Path:
    """Every sample (train, then test) as x1,x2,…,label."""
    d = session.data
    X = d.all_X()
    y = np.concatenate([d.y_train, d.y_test])
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([f"x{i + 1}" for i in range(X.shape[1])] + ["label"])
        for row, target in zip(X.tolist(), y.tolist(), strict=True):
            writer.writerow([*row, target])
    return path


def run_config(session, data_path: Path) -> RunConfig:
    """The session's settings as the RunConfig fields `glassnet train` has."""
    s, trainer = session.settings, session.trainer
    optimizer = trainer.optimizer.config()
    name = "momentum" if optimizer.get("momentum") else s.opt
    return RunConfig(
        data=str(data_path), target="label", hidden=[d.n_out for d in session.dense[:-1]],
        activation=s.act,
        loss=trainer.loss.name, optimizer=name if not s.example else "sgd",
        lr=float(trainer.base_lr), batch_size=trainer.batch_size,
        weight_decay=s.l2 or None, epochs=max(1, trainer.epoch), seed=s.seed,
        dtype="float64",
    )  # fmt: skip


def summary(session) -> dict:
    """Cost and accuracy on the train and test sets now, and the run's counters."""
    d, net = session.data, session.net
    out = {}
    for name, X, y in (("train", d.X_train, d.y_train), ("test", d.X_test, d.y_test)):
        scores = evaluate(net, X, y, session.loss)
        out[f"{name}_loss"], out[f"{name}_accuracy"] = scores["loss"], scores["accuracy"]
        out[f"n_{name}"] = scores["n"]
    out.update(epochs=session.trainer.epoch, updates=session.updates, dataset=d.name,
               task=d.task, parameters=net.n_params, architecture=repr(net))  # fmt: skip
    return out
