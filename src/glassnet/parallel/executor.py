"""Where trials run: `SerialExecutor` (this process, one after another), `LocalExecutor`
(N worker processes on this machine) and `DaskExecutor` (glassnet.parallel.cluster, the workers
of a Dask cluster). All three answer `map_unordered(fn, items)`: the pairs (i, fn(items[i])) in
the order the trials finish.

A worker process that dies (killed, out of memory) takes its trials with it: they are started
again, each at most MAX_ATTEMPTS times, so a lost worker costs time, never results.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from glassnet import cores
from glassnet.errors import GlassnetError, ValidationError

MAX_ATTEMPTS = 3  # starts of one trial whose worker keeps dying before the sweep gives up

_blas_is_limited = False
_installed: Callable | None = None  # the function a local worker applies to each item


def single_threaded_blas() -> None:
    """Limit this process's BLAS (NumPy's OpenBLAS or MKL) to one thread, once: N workers
    then use N cores, not N², and a matrix product sums in the same order everywhere."""
    global _blas_is_limited
    if not _blas_is_limited:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
        _blas_is_limited = True


def available_cores(cgroup: Path = cores.CGROUP, proc_self: Path = cores.PROC_SELF) -> int:
    """The cores this process may use, the default number of workers: its CPU affinity
    (taskset, a cpuset), capped by a cgroup v2 CPU quota rounded up, at least 1, as the C
    step's team is sized (glassnet.cores); the quota read afresh from these paths."""
    return cores.within_quota(cores.cgroup_quota(cgroup, proc_self))


def in_worker(fn: Callable, item):
    """fn(item) with one BLAS thread: what a worker process runs for each trial."""
    single_threaded_blas()
    return fn(item)


class WorkerLost(Exception):
    """The process running a trial died before it answered."""


class Executor:
    """Runs fn(item) for many items. Subclasses say where, through _start, _submit, _wait,
    _result and _stop; this class keeps `capacity()` trials in flight and restarts lost ones."""

    where = ""  # for messages: "2 local worker processes", "the Dask cluster at tcp://…"
    slots = 1  # trials that run at the same time

    def capacity(self) -> int:
        """Trials kept submitted at once: one per slot (more where a round trip is slow)."""
        return self.slots

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[tuple[int, object]]:
        """(i, fn(items[i])) for every item, as each finishes. An exception raised by fn
        propagates; a lost worker's trials are started again."""
        items = list(items)
        if not items:
            return
        waiting = list(range(len(items)))[::-1]  # popped from the end: item 0 first
        attempts = [0] * len(items)
        started: dict = {}  # future → index
        self._start(fn)
        try:
            while waiting or started:
                while waiting and len(started) < self.capacity():
                    i = waiting.pop()
                    attempts[i] += 1
                    started[self._submit(items[i])] = i
                for future in self._wait(list(started)):
                    i = started.pop(future)
                    try:
                        result = self._result(future)
                    except WorkerLost as exc:
                        lost = [i, *started.values()]
                        self._check_attempts(lost, attempts, exc)
                        started.clear()
                        waiting.extend(sorted(lost, reverse=True))
                        self._restart(fn)
                        break
                    yield i, result
        finally:
            self._stop(cancel=bool(waiting or started))

    def map(self, fn: Callable, items: Iterable, progress: Callable | None = None) -> list:
        """[fn(item) for item in items], computed as this executor runs trials;
        progress(done, total), when given, is called as each trial finishes."""
        items = list(items)
        results: list = [None] * len(items)
        for done, (i, result) in enumerate(self.map_unordered(fn, items), 1):
            results[i] = result
            if progress is not None:
                progress(done, len(items))
        return results

    def _check_attempts(self, lost: list[int], attempts: list[int], exc: Exception) -> None:
        worst = max(lost, key=lambda i: attempts[i])
        if attempts[worst] >= MAX_ATTEMPTS:
            raise GlassnetError(
                f"a worker died {attempts[worst]} times while running trial {worst + 1} ({exc}); "
                "it may need more memory than a worker has: run it alone with --jobs 1"
            )

    # what subclasses provide
    def _start(self, fn: Callable) -> None: ...

    def _restart(self, fn: Callable) -> None:
        self._stop(cancel=True)
        self._start(fn)

    def _submit(self, item): ...

    def _wait(self, futures: list) -> Iterable: ...

    def _result(self, future): ...

    def _stop(self, cancel: bool) -> None: ...

    def close(self) -> None:
        """Release the workers (or the connection to the cluster)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SerialExecutor(Executor):
    """Every trial in this process, one after another, with the process's own BLAS threads:
    what the library functions do when no executor is given."""

    where = "this process"

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[tuple[int, object]]:
        for i, item in enumerate(items):
            yield i, fn(item)


class LocalExecutor(Executor):
    """`jobs` worker processes on this machine, started fresh, one BLAS thread each.
    The function is sent to each worker once, when it starts; each trial sends only its item."""

    def __init__(self, jobs: int) -> None:
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
            raise ValidationError(f"jobs must be a positive integer, got {jobs!r}")
        self.slots = jobs
        self.where = f"{jobs} local worker process" + ("es" if jobs > 1 else "")
        self._pool: cf.ProcessPoolExecutor | None = None

    def _start(self, fn: Callable) -> None:
        self._pool = cf.ProcessPoolExecutor(self.slots, mp_context=_context(fn),
                                            initializer=_install, initargs=(fn,))  # fmt: skip

    def _submit(self, item):
        return self._pool.submit(_apply_installed, item)

    def _wait(self, futures: list) -> Iterable:
        done, _ = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
        return sorted(done, key=futures.index)

    def _result(self, future):
        try:
            return future.result()
        except BrokenProcessPool as exc:
            raise WorkerLost("a worker process ended abruptly") from exc

    def _stop(self, cancel: bool) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if cancel:  # interrupted or failed: end the workers now, not after their trials
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=cancel)


def _context(fn: Callable):
    """Fresh worker processes, not forks of this one (its threads, its state): forked from a
    server process that has imported glassnet and fn's module once (forkserver) where the
    platform has one, else each started from scratch (spawn)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    module = getattr(getattr(fn, "func", fn), "__module__", None)
    if module and module != "__main__":
        context.set_forkserver_preload(["glassnet", module])
    return context


def _install(fn: Callable) -> None:
    """A local worker's start: one BLAS thread, Ctrl-C left to the parent, the function kept."""
    global _installed
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    single_threaded_blas()
    _installed = fn


def _apply_installed(item):
    return _installed(item)
