"""Training progress on the terminal: a rich bar on a terminal, plain epoch lines otherwise.

A callback of gn.run: it receives the run's events (glassnet.train.history) and draws them.
"""

from __future__ import annotations

import sys
import threading
import time

from glassnet.cli.commands import _common as C


class Progress:
    """Training progress: a rich bar on a terminal, plain per-epoch lines otherwise."""

    reads_gradients = False  # costs and epochs only: the compiled step may fuse its updates

    def __init__(self, stream, quiet: bool):
        self.stream, self.quiet = stream, quiet
        self.bar = self.task = None
        self.live = not quiet and C.is_tty(stream)
        self._cost_sum = self._count = 0
        self._last_line = time.perf_counter()
        self._last_epoch = ""  # the finished epoch's costs and accuracies, kept on the bar

    def __call__(self, event) -> None:
        if self.quiet or event["event"] in ("start", "run"):
            return
        if self.live:
            self._live(event)
        elif event["event"] == "epoch" and self._worth_a_line(event):
            line = epoch_line(event["history"], event["epochs"], _units(event))
            self.stream.write(line + "\n")
            self.stream.flush()

    def _worth_a_line(self, event: dict) -> bool:
        """About 25 lines a run: the first and last epochs, every k-th, and every 2 s."""
        epoch, epochs = event["epoch"], event["epochs"]
        every = max(1, epochs // 25)
        now = time.perf_counter()
        if epoch in (1, epochs) or epoch % every == 0 or now - self._last_line > 2:
            self._last_line = now
            return True
        return False

    def _live(self, event: dict) -> None:
        if self.bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self.bar = Bar(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TextColumn("{task.fields[stats]}"),
                console=C.console(stderr=self.stream is sys.stderr), transient=False,
            )  # fmt: skip
            total = event["epochs"] * event["batches"]
            self.task = self.bar.add_task("training", total=total, stats="")
            self.bar.start()
        if event["event"] == "batch":
            self._cost_sum += event["loss"]
            self._count += 1
            if self._count % 8 == 0 or event["batch"] == event["batches"]:
                done = (event["epoch"] - 1) * event["batches"] + event["batch"]
                stats = f"cost {self._cost_sum / self._count:.4f}{self._last_epoch}"
                self.bar.update(
                    self.task,
                    completed=done,
                    stats=stats,
                    description=f"epoch {event['epoch']}/{event['epochs']}",
                )
        else:
            self._cost_sum = self._count = 0
            stats = epoch_stats(event["history"], _units(event))
            self._last_epoch = f"   (epoch {event['epoch']}: {stats})"
            self.bar.update(self.task, stats=stats)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _units(event):
    """cost ↦ RMSE in the target's units, for a one-output regression trained on standardised
    targets y′ = (y − μ) / σ: RMSE = σ · √(k · cost), k = 2 for ½(ŷ − y)², else 1. None
    otherwise (costs are then shown as they are)."""
    import math

    net = event.network if hasattr(event, "network") else None
    card = getattr(net, "card", None)
    scale = getattr(card, "target_scale", None)
    if scale is None or len(scale.std) != 1:
        return None
    k = 2.0 if (card.run or {}).get("loss") == "half_squared_error" else 1.0
    return lambda cost: scale.std[0] * math.sqrt(max(k * cost, 0.0))


def epoch_stats(history, rmse=None) -> str:
    """The finished epoch's costs and accuracies; for a regression (rmse given) the RMSE in the
    target's units instead of the standardised cost and the empty accuracy."""
    i = -1
    if rmse is not None:
        parts = [f"RMSE {rmse(history.train_loss[i]):.4g}"]
        if history.val_loss[i] is not None:
            parts.append(f"val RMSE {rmse(history.val_loss[i]):.4g}")
        return "  ".join(parts)
    parts = [f"cost {history.train_loss[i]:.4f}"]
    if history.train_accuracy[i] is not None:
        parts.append(f"accuracy {C.fmt_pct(history.train_accuracy[i])}")
    if history.val_loss[i] is not None:
        parts.append(f"val cost {history.val_loss[i]:.4f}")
    if history.val_accuracy[i] is not None:
        parts.append(f"val accuracy {C.fmt_pct(history.val_accuracy[i])}")
    return "  ".join(parts)


def epoch_line(history, epochs: int, rmse=None) -> str:
    seconds = history.seconds[-1]
    return f"epoch {history.epoch[-1]}/{epochs}  {epoch_stats(history, rmse)}  {seconds:.2f} s"


class Steps:
    """Progress of an experiment made of steps (seeds, learning rates, forms of descent) on
    stderr: `steps(done, total, what)` after each. A line at most every second (and the last
    one), so a run of a second or two says what it does and a long one how far it is; while
    a step takes longer than `every` seconds (stochastic descent on MNIST, in a worker
    process), a line every `every` seconds says it is still running."""

    def __init__(self, command: str, quiet: bool = False, every: float = 10.0):
        self.command, self.quiet, self.every = command, quiet, every
        self.started = self._last = time.perf_counter()
        self._state: tuple[int, int, str] | None = None
        self._stop = threading.Event()
        self._beating = False

    def __call__(self, done: int, total: int, what: str) -> None:
        self._state = (done, total, what.split(":")[0])
        if done >= total:
            self._stop.set()
        elif not (self.quiet or self._beating):
            self._beating = True
            threading.Thread(target=self._beat, daemon=True).start()
        now = time.perf_counter()
        if self.quiet or (0 < done < total and now - self._last < 1.0):
            return
        self._last = now
        print(f"{self.command}: {done}/{total} {what}  ({now - self.started:.1f} s)",
              file=sys.stderr, flush=True)  # fmt: skip

    def _beat(self) -> None:
        while not self._stop.wait(min(1.0, self.every)):
            now = time.perf_counter()
            if self._state is None or now - self._last < self.every:
                continue
            self._last = now
            done, total, what = self._state
            print(f"{self.command}: {done}/{total} {what}, still running  "
                  f"({now - self.started:.1f} s)", file=sys.stderr, flush=True)  # fmt: skip
