"""Trials on a Dask cluster (dask.distributed), imported only when a scheduler is named.

    dask scheduler                                      # on one machine: tcp://HOST:8786
    dask worker tcp://HOST:8786 --nworkers 4 --nthreads 1     # on each machine
    glassnet sweep grid.toml --scheduler tcp://HOST:8786

The scheduler hands each trial to a free worker and, when a worker dies, hands its trials to
another: the sweep loses time, not results. Every worker needs glassnet (the same version) and
the data: a built-in set is generated or downloaded where it runs, a file must exist at the same
path on every machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from glassnet.errors import GlassnetError, ValidationError
from glassnet.parallel.executor import Executor, WorkerLost, in_worker

INSTALL = "pip install 'glassnet[dask]'"
CONNECT_SECONDS = 10  # how long to try reaching the scheduler
REFRESH_SECONDS = 2.0  # how often to ask the scheduler how many worker threads it has


def distributed():
    """The dask.distributed module, or a one-line error saying how to install it."""
    try:
        import distributed as module
    except ImportError:
        raise GlassnetError(
            f"running on a Dask cluster needs dask.distributed: {INSTALL}"
        ) from None
    return module


def check_address(address: str) -> str:
    """A scheduler address as Dask takes it: tcp://HOST:PORT (or tls://, ws://, inproc://)."""
    scheme, _, rest = address.partition("://")
    if scheme not in ("tcp", "tls", "ws", "wss", "inproc") or not rest:
        raise ValidationError(
            f"--scheduler must be a Dask scheduler address like tcp://HOST:8786, got {address!r}"
        )
    return address


class DaskExecutor(Executor):
    """The workers of the Dask cluster whose scheduler listens at `address` (or of a Client
    given as `client`). Each trial is one task; as many are submitted as the cluster has worker
    threads, and as many again queued, so no worker waits for a round trip."""

    def __init__(self, address: str | None = None, *, client=None) -> None:
        self._owns_client = client is None
        if client is None:
            client = _connect(check_address(address))
        self.client = client
        self.where = f"the Dask cluster at {client.scheduler.address}"
        self._fn = None
        self._checked_at = 0.0
        self.capacity()  # asks the scheduler for the worker threads

    def capacity(self) -> int:
        now = time.monotonic()
        if now - self._checked_at > REFRESH_SECONDS:
            self.slots = max(1, sum(self.client.nthreads().values()))
            self._checked_at = now
        return 2 * self.slots

    def workers(self) -> dict[str, int]:
        """Worker address → threads, as the scheduler knows them now."""
        return dict(self.client.nthreads())

    def _start(self, fn: Callable) -> None:
        # The function (with any data bound in it) travels to each worker once, not per trial;
        # a worker that joins later fetches it from another.
        self._fn = self.client.scatter(fn, hash=False, broadcast=True)

    def _submit(self, item):
        return self.client.submit(in_worker, self._fn, item, pure=False)

    def _wait(self, futures: list) -> Iterable:
        next(distributed().as_completed(futures, loop=self.client.loop))  # the first to finish
        return [future for future in futures if future.done()]

    def _result(self, future):
        module = distributed()
        try:
            return future.result()
        except module.client.FutureCancelledError as exc:  # the workers holding `fn` died
            raise WorkerLost(str(exc)) from None
        except module.KilledWorker as exc:
            raise GlassnetError(
                f"Dask gave up on a trial after its workers died while running it ({exc}); "
                "it may need more memory than a worker has"
            ) from None

    def _stop(self, cancel: bool) -> None:
        self._fn = None

    def close(self) -> None:
        if self._owns_client:
            self.client.close()


def _connect(address: str):
    try:
        return distributed().Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise GlassnetError(
            f"cannot reach the Dask scheduler at {address} ({exc}); start one with "
            f"`dask scheduler` and workers with `dask worker {address} --nthreads 1`"
        ) from None
