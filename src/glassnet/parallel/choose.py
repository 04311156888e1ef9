"""Which executor: the one the command line's --jobs and --scheduler ask for, or this process
when a library function is given none."""

from __future__ import annotations

from glassnet.errors import ValidationError
from glassnet.parallel.executor import Executor, LocalExecutor, SerialExecutor, available_cores


def serial_or(executor: Executor | None) -> Executor:
    """The executor given, or this process (what the library does when none is given)."""
    return SerialExecutor() if executor is None else executor


def executor(jobs: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor the command line's --jobs and --scheduler ask for: a Dask cluster when a
    scheduler address is given, else `jobs` local workers (default: the cores available)."""
    if scheduler is not None:
        if jobs is not None:
            raise ValidationError(
                "--jobs and --scheduler exclude each other: on a Dask cluster the workers "
                "decide how many trials run at once (dask worker --nworkers N)"
            )
        from glassnet.parallel.cluster import DaskExecutor

        return DaskExecutor(scheduler)
    return LocalExecutor(available_cores() if jobs is None else jobs)
