"""Many independent trials at once: in this process, in local worker processes, or on a Dask
cluster, behind one interface.

    with executor(jobs=2) as pool:                       # 2 local worker processes
        for i, result in pool.map_unordered(train_one, seeds):
            ...
    executor(scheduler="tcp://10.0.0.5:8786")             # the same trials on a Dask cluster

Every worker runs its trials with one BLAS thread, so N workers use N cores and a trial gives
the same numbers wherever it runs. `fn` must be importable by name (a module-level function, or
a functools.partial of one) so that another process can find it.
"""

from glassnet.parallel.choose import executor, serial_or
from glassnet.parallel.executor import (
    Executor,
    LocalExecutor,
    SerialExecutor,
    available_cores,
    single_threaded_blas,
)

__all__ = [
    "Executor",
    "LocalExecutor",
    "SerialExecutor",
    "available_cores",
    "executor",
    "serial_or",
    "single_threaded_blas",
]
