"""A training run as a library call: exactly what `glassnet train` does, without printing.

    result = gn.run(gn.RunConfig(data="moons", epochs=50), callbacks=[print])
    result.network, result.history, result.summary        # summary = `glassnet train --json`

prepare (load, choose the recipe, split) → build (network and model card) → train → summarize
(evaluate every split, write --out and --run-dir). Progress reaches `callbacks` as typed events:
RunStart, then the trainer's BatchEnd, EpochEnd and RunEnd. `stop` (a threading.Event) set from
any thread ends the run after the current batch; its checkpoint is saved and `Run.interrupted`
is True; `checkpoint_every` N saves one every N epochs too (atomically: kill -9 loses at most
N epochs). A cost that explodes without NaN stops the run (glassnet.runs.guard) and a save that
fails for want of room is rescued elsewhere (glassnet.runs.rescue); neither leaves a model at
the output path. A run installs no signal handler and prints nothing, so it can run in any
thread.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glassnet.card import ModelCard, TargetScale
from glassnet.errors import ModelFileError, ValidationError
from glassnet.models import builders
from glassnet.models.files import load_checkpoint
from glassnet.nn import optimizers
from glassnet.nn.network import Network
from glassnet.runs import crossval, record, tables
from glassnet.runs import data as run_data
from glassnet.runs.config import RunConfig
from glassnet.runs.guard import DivergenceGuard, PeriodicCheckpoint
from glassnet.runs.rescue import save_or_rescue
from glassnet.train import metrics as metrics_of
from glassnet.train.evaluate import evaluate
from glassnet.train.history import History
from glassnet.train.trainer import Trainer


@dataclass(frozen=True)
class RunStart:
    """Before the first batch: the resolved config and the sizes of the splits."""

    kind = "start"
    config: RunConfig
    dataset: str
    n_train: int
    n_val: int
    n_test: int
    resumed: dict | None  # {"epoch", "batch"} when continuing a checkpoint

    def __getitem__(self, name: str):
        return self.kind if name == "event" else getattr(self, name)


@dataclass
class Run:
    """The result of gn.run: the trained network, its history, the summary, and the config
    with every recipe value filled in. An interrupted run has `checkpoint` set."""

    network: Network
    history: History
    summary: dict
    config: RunConfig
    interrupted: bool = False
    checkpoint: Path | None = None


def run(config: RunConfig | None = None, callbacks=(), *, stop: threading.Event | None = None,
        download_progress=None, dataset=None, sample_weight=None, **fields) -> Run:  # fmt: skip
    """Train as `glassnet train` does (see the module docstring). `fields` build a RunConfig
    when none is given: gn.run(data="moons", epochs=50). `dataset` (a glassnet Dataset) is
    trained on as a user's file would be, in place of `config.data` (which then only names
    it); `sample_weight` gives a weight per row of the data (glassnet.train.trainer.fit)."""
    if config is None:
        config = RunConfig(**fields)
    elif fields:
        config = config.replace(**fields)
    config.check()
    if config.folds and config.early_stopping is False:  # the user's, not the recipe's folds
        raise ValidationError(
            f"folds {config.folds} chooses the epochs by cross-validated early stopping, and "
            "early_stopping is False (a fixed number of epochs); give one"
        )
    started = time.perf_counter()
    record.check_outputs(config)
    resume = None
    if config.resume:
        config, net, resume = _from_checkpoint(config)
    in_memory = dataset is not None
    if not in_memory:
        dataset, is_file = run_data.load(config, download_progress)
    else:
        is_file = True  # arrays from the API: trained as a user's table
    if resume is None:
        resolved = run_data.resolve(config, dataset, is_file)
        config = resolved.replace(data=config.data) if in_memory else resolved
    weights = tables.row_weights(config, dataset, sample_weight)
    prepared = run_data.split(dataset, is_file, config)
    folds = None
    if resume is None and config.folds and config.early_stopping:
        folds = cross_validate(config, prepared, weights, stop)
        # the final network learns every row for the chosen epochs (a resume continues it)
        config = config.replace(epochs=folds.epochs, early_stopping=False)
    if resume is None:
        net = build(config, prepared, prepared.X_train, prepared.y_train)
        if folds is not None:  # on the card now, so that a checkpoint of this run keeps it
            net.card.training = _fold_record(net, folds, prepared)
    elif prepared.digest != net.card.data.get("sha256"):
        raise ValidationError(
            f"the data {config.data} changed since the checkpoint was written (SHA-256 differs); "
            "resume with the same data file"
        )
    checkpoint = record.checkpoint_path(config)
    periodic = PeriodicCheckpoint(config.checkpoint_every or 0, checkpoint, save_or_rescue)
    watchers = [DivergenceGuard(), *([periodic] if config.checkpoint_every else [])]
    folds_record = {k: net.card.training[k] for k in FOLD_KEYS if k in net.card.training}
    trainer = _trainer(net, config, prepared, [*callbacks, *watchers], stop, weights)
    if resume is not None:
        _restore(trainer, config.resume, *resume)
    resumed = None if resume is None else {"epoch": resume[0]["epoch"], "batch": resume[0]["batch"]}
    sizes = (len(prepared.X_train), _rows(prepared.X_val), _rows(prepared.X_test))
    start = RunStart(config, dataset.name, *sizes, resumed)
    for callback in callbacks:
        callback(start)
    trainer.run()
    net.card.training.update(folds_record)  # the trainer wrote its own record over it
    if trainer.history.interrupted:
        path = save_or_rescue(net, checkpoint, trainer=trainer)
        stopped = {"epoch": trainer.epoch, "batch": trainer.batch, "checkpoint": str(path)}
        return Run(net, trainer.history, stopped, config, interrupted=True, checkpoint=path)
    summary = summarize(net, trainer, prepared, config)
    if folds_record:  # this run's cross-validation, or that of the run it resumes
        _report_folds(folds_record, summary)
    elif config.refit and config.early_stopping and prepared.X_val is not None:
        net = refit(config, prepared, trainer, weights, summary)
    result = Run(net, trainer.history, summary, config)
    result.summary["wall_seconds"] = round(time.perf_counter() - started, 3)
    _write_outputs(result, prepared)
    resumed_here = config.resume and Path(config.resume).resolve() == checkpoint.resolve()
    if periodic.written or resumed_here:
        checkpoint.unlink(missing_ok=True)  # the run it saved is finished now
    return result


def build(config: RunConfig, prepared: run_data.Prepared, X, y) -> Network:
    """The network for a resolved config, with its model card; the input scaling and the
    target scale are those of the rows (X, y) it will be trained on."""
    dataset = prepared.dataset
    n_targets = 1 if y.ndim == 1 else y.shape[1]
    net, loss = builders.for_task(
        int(X[0].size), config.hidden, config.activation, task=dataset.task,
        n_classes=dataset.n_classes, n_targets=n_targets, loss=config.loss,
        scale=builders.input_scaling(X, dataset, prepared.is_file),
        dropout=config.dropout, seed=config.seed, dtype=config.dtype, init=config.init or "auto",
    )  # fmt: skip
    net.card = ModelCard(
        task=dataset.task,
        classes=dataset.classes,
        target_scale=TargetScale.fit(y) if dataset.task == "regression" else None,
        feature_names=dataset.feature_names,
        target=(dataset.provenance or {}).get("target", config.target),
        image_shape=tuple(dataset.image_shape) if dataset.image_shape else None,
        data=_data_card(config, prepared),
        learnt_from=_learnt_from(config, prepared),
        run={**config.to_dict(), "loss": loss},
        outputs={"out": config.out, "run_dir": config.run_dir},
        columns=getattr(dataset, "columns", None),
    )
    return net


def refit(config: RunConfig, prepared, trainer: Trainer, weights, summary: dict) -> Network:
    """The recipe's last step: a fresh network (same seed) trained on every row the run was
    given, validation (and a file's test split) included, for the early-stopped run's best
    number of epochs. The summary keeps the early-stopped network's held-out figures."""
    X, y, rows = prepared.all_rows()
    epochs = max(trainer.history.best_epoch or len(trainer.history), 1)
    net = build(config, prepared, X, y)
    row_weights = None if weights is None else weights[rows]
    again = Trainer(
        net, X, y, loss=net.card.run["loss"], optimizer=optimizer_for(config), epochs=epochs,
        batch_size=config.batch_size, schedule=config.schedule, sample_weight=row_weights,
    )  # fmt: skip
    again.run()
    estimate = "test" if prepared.X_test is not None and len(prepared.X_test) else "validation"
    summary["refit"] = {"rows": len(X), "epochs": epochs, "estimate_from": estimate}
    net.card.training["refit"] = {"rows": len(X), "epochs": epochs,
                                  "early_stopped_run": trainer.config()}  # fmt: skip
    summary["final_train_loss"] = again.history.train_loss[-1]
    return net


def cross_validate(config: RunConfig, prepared, weights, stop=None) -> crossval.CrossValidation:
    """The epoch count of the final network, chosen by k-fold cross-validation over every
    row the run learns from (glassnet.runs.crossval); `stop` set ends it at the best epoch
    so far."""
    X, y, rows = prepared.all_rows()
    row_weights = None if weights is None else weights[rows]
    classify = prepared.dataset.task != "regression"
    return crossval.choose_epochs(
        config, X, y, row_weights, lambda X_, y_: build(config, prepared, X_, y_),
        lambda: optimizer_for(config), classify, stop,
    )  # fmt: skip


FOLD_KEYS = ("cross_validation", "cross_validation_estimate")


def _fold_record(net: Network, folds: crossval.CrossValidation, prepared) -> dict:
    """What the cross-validation found, for the model card: `cross_validation` (k, t*, how far
    the folds trained, L̄(t*)) and `cross_validation_estimate`, the figures of every row
    predicted by the fold network that did not learn it, at t*."""
    X, y, _ = prepared.all_rows()
    if net.task == "regression":
        scores = metrics_of.regression(y, folds.outputs)
    else:
        scores = metrics(net, folds.outputs, y)
    estimate = {"validation_accuracy": scores.get("accuracy"), "validation_loss": folds.loss,
                "n_validation": len(y), "validation_metrics": scores}  # fmt: skip
    return {"cross_validation": folds.summary(), "cross_validation_estimate": estimate}


def _report_folds(record_: dict, summary: dict) -> None:
    """The cross-validation's estimate as the summary's validation figures, what it was in
    `cross_validation`, and the final network's epochs in `refit`."""
    folds = record_["cross_validation"]
    summary.update(record_["cross_validation_estimate"], cross_validation=folds)
    estimate = f"{folds['folds']}-fold cross-validation"
    summary["refit"] = {"rows": summary["n_validation"], "epochs": folds["epochs"],
                        "estimate_from": estimate}  # fmt: skip


def _data_card(config: RunConfig, prepared: run_data.Prepared) -> dict:
    dataset = prepared.dataset
    return {
        "name": dataset.name,
        "path": config.data if prepared.is_file else None,
        "sha256": prepared.digest,
        "provenance": dataset.provenance,
    }


def _learnt_from(config: RunConfig, prepared: run_data.Prepared) -> dict:
    """Which rows the model learnt from (glassnet.runs.rows)."""
    from glassnet.runs import rows

    digest = prepared.digest
    return rows.record(digest, prepared.is_file, prepared.dataset.name, prepared.n_rows,
                       prepared.test_rows, config.test_fraction)  # fmt: skip


def optimizer_for(config: RunConfig):
    """A fresh optimizer of a resolved config (momentum and weight decay where it has them)."""
    kwargs = {}
    if config.optimizer in ("sgd", "momentum", "nesterov") and config.momentum:
        kwargs["momentum"] = config.momentum
    if config.weight_decay:
        kwargs["weight_decay"] = config.weight_decay
    return optimizers.get(config.optimizer, lr=config.lr, **kwargs)


def _trainer(net, config: RunConfig, prepared, callbacks, stop, weights=None) -> Trainer:
    """The Trainer for a resolved config (also when resuming: the same arguments)."""
    validation = None
    if prepared.X_val is not None:
        validation = (prepared.X_val, prepared.y_val, prepared.weights("validation", weights))
    return Trainer(
        net, prepared.X_train, prepared.y_train, loss=net.card.run["loss"],
        optimizer=optimizer_for(config), epochs=config.epochs, batch_size=config.batch_size,
        validation_data=validation, early_stopping=config.early_stopping,
        patience=config.patience, smoothing=config.smoothing or 1, schedule=config.schedule,
        callbacks=list(callbacks), stop=stop,
        sample_weight=prepared.weights("train", weights),
    )  # fmt: skip


def _from_checkpoint(config: RunConfig):
    """(resolved config, network, (trainer state, arrays)) of an interrupted run."""
    given = [name for name, value in config.hyperparameters().items() if value is not None]
    if given or config.data != RunConfig.data or config.target:
        flags = ", ".join("--" + n.replace("_", "-") for n in given) or "DATA/--target"
        raise ValidationError(
            f"--resume continues the checkpoint's run with its own data and settings; drop {flags}"
        )
    if Path(config.resume).is_dir():  # a run folder: its checkpoint
        config = config.replace(resume=str(Path(config.resume) / "checkpoint.glassnet"))
    net, info, arrays = load_checkpoint(config.resume)
    if info is None or not net.card.run:
        raise ValidationError(
            f"{config.resume} is a finished model, not a checkpoint of an interrupted run; "
            "give the .checkpoint file written when training was interrupted"
        )
    outputs = net.card.outputs or {}
    try:
        settings = RunConfig.from_dict(net.card.run)
    except ValidationError as exc:
        raise ModelFileError(
            f"{config.resume} holds damaged run settings ({exc}); start the run again without "
            "--resume"
        ) from None
    resumed = settings.replace(
        out=config.out or outputs.get("out"),
        run_dir=config.run_dir or outputs.get("run_dir"),
        data_dir=config.data_dir or settings.data_dir,
        checkpoint_every=config.checkpoint_every or settings.checkpoint_every,
        resume=config.resume, json=config.json, quiet=config.quiet,
    )  # fmt: skip
    return resumed, net, (info, arrays)


def _restore(trainer: Trainer, path, info: dict, arrays: dict) -> None:
    """Continue the checkpoint's run; a trainer state that does not fit is a ModelFileError."""
    try:
        trainer.restore(info, arrays)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ModelFileError(
            f"{path} is not a valid glassnet checkpoint: its trainer state does not fit the run "
            f"({type(exc).__name__}: {exc}); start the run again without --resume"
        ) from None


def summarize(net: Network, trainer: Trainer, prepared, config: RunConfig) -> dict:
    """Final cost and accuracy on the training, validation and test data, and the run's facts."""
    summary = {}
    for name, X, y in prepared.splits():
        scores = evaluate(net, X, y, loss=trainer.loss, keep_outputs=True)
        summary[f"{name}_accuracy"] = scores["accuracy"]
        summary[f"{name}_loss"] = scores["loss"]
        summary[f"n_{name}"] = scores["n"]
        summary[f"{name}_metrics"] = metrics(net, scores["outputs"], y)
    history = trainer.history
    summary.update(
        epochs=len(history),
        seconds=round(history.seconds[-1], 4) if history.seconds else 0.0,
        best_epoch=history.best_epoch,
        stopped_early=history.stopped_early,
        dataset=prepared.dataset.name,
        task=net.task,
        recipe=config.recipe,
        parameters=net.n_params,
        architecture=repr(net),
    )
    return summary


def metrics(net: Network, outputs: np.ndarray, y) -> dict:
    """glassnet.train.metrics of the network's outputs (forward(X), from the evaluation's
    pass) against y: classifiers' accuracy, balanced accuracy, per-class precision/recall/F1,
    confusion matrix (ROC-AUC for two classes); regression's RMSE, MAE and R² in the target's
    units."""
    if net.task == "regression":
        return metrics_of.regression(y, net.card.decode(outputs))
    proba = net.proba_of(outputs)
    classes = net.card.classes or list(range(proba.shape[1]))
    return metrics_of.classification(y, proba.argmax(axis=1), proba.shape[1], proba, classes)


def _write_outputs(result: Run, prepared) -> None:
    config, net, summary = result.config, result.network, result.summary
    if config.out:
        save_or_rescue(net, config.out)
        summary["model"] = str(config.out)
    if config.run_dir:
        run_dir = Path(config.run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        save_or_rescue(net, run_dir / "model.glassnet")
        summary.setdefault("model", str(run_dir / "model.glassnet"))
        summary["run_dir"] = str(run_dir)
        manifest = record.manifest(config.replace(resume=None), _data_manifest(config, prepared))
        record.write(run_dir, result.history, manifest, summary)


def _data_manifest(config: RunConfig, prepared) -> dict:
    return {
        "name": prepared.dataset.name,
        "path": config.data,
        "target": config.target,
        "sha256": prepared.digest,
    }


def _rows(X) -> int:
    return 0 if X is None else len(X)
