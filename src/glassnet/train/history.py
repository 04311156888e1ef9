"""What a training run records: the per-epoch History, and the events callbacks receive.

Callbacks get one typed event after every batch (`BatchEnd`), after every epoch (`EpochEnd`)
and when the run ends (`RunEnd`). Each event is a frozen dataclass; `event["name"]` reads a
field too, as the dict events of earlier versions did (`event["event"]` is the kind).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from glassnet.nn.network import Network


@dataclass
class History:
    """Per-epoch record of a run. Lists are indexed by epoch (epoch[i] is 1-based)."""

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float | None] = field(default_factory=list)
    val_loss: list[float | None] = field(default_factory=list)
    val_accuracy: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    updates: list[int] = field(default_factory=list)
    samples_seen: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    interrupted: bool = False
    validation: dict | None = None
    config: dict = field(default_factory=dict)

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "updates",
        "samples_seen", "seconds",
    )  # fmt: skip

    def rows(self) -> list[dict]:
        """One dict per epoch with the COLUMNS."""
        return [{c: getattr(self, c)[i] for c in self.COLUMNS} for i in range(len(self.epoch))]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> History:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def __len__(self) -> int:
        return len(self.epoch)


@dataclass(frozen=True)
class Event:
    """Where a run is: epoch (1-based, the one running or just finished) of epochs, batch of
    batches, and the cost of the batch (BatchEnd) or the epoch's training cost (EpochEnd)."""

    kind: ClassVar[str] = ""
    epoch: int
    epochs: int
    batch: int
    batches: int
    loss: float
    history: History
    network: Network
    trainer: Any  # the Trainer, for callbacks that stop or inspect it

    def __getitem__(self, name: str):
        """event["loss"] as event.loss; event["event"] is the kind ("batch", "epoch", "run")."""
        return self.kind if name == "event" else getattr(self, name)


@dataclass(frozen=True)
class BatchEnd(Event):
    """After a batch's update. Every Dense layer's dW and db hold that batch's ∂L/∂W, ∂L/∂b
    (a callback with `reads_gradients = False` declares it does not look, which lets the
    compiled step fuse its updates)."""

    kind: ClassVar[str] = "batch"


@dataclass(frozen=True)
class EpochEnd(Event):
    """After an epoch: its row is the last of `history`."""

    kind: ClassVar[str] = "epoch"


@dataclass(frozen=True)
class RunEnd(Event):
    """The run is over: finished, stopped early, or stopped on request (history.interrupted)."""

    kind: ClassVar[str] = "run"
