"""How many cores this process may use: the size of the compiled step's team and the default
number of local sweep workers (glassnet.parallel).

os.cpu_count() is the machine's; a process may be held to fewer by its CPU affinity (taskset,
a container's cpuset: os.sched_getaffinity) or by a CPU quota (a container's cgroup: cpu.max,
"quota period" in µs, so "150000 100000" is 1.5 cores). A team of more threads than that waits,
at every barrier, for a thread the scheduler has parked: the team is sized to
min(affinity, ⌈quota / period⌉), and the step still measures, run by run, whether the team
pays (csrc/team.h).
"""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
PROC_SELF = Path("/proc/self/cgroup")  # "0::/its/path" names this process's cgroup


def quota_cores(text: str) -> float | None:
    """The cores a cgroup v2 cpu.max line allows ("quota period", or "max period": no limit)."""
    fields = text.split()
    if len(fields) != 2 or fields[0] == "max":
        return None
    try:
        quota, period = int(fields[0]), int(fields[1])
    except ValueError:
        return None
    return quota / period if quota > 0 and period > 0 else None


def cgroup_quota(root: Path = CGROUP, proc_self: Path = PROC_SELF) -> float | None:
    """The tightest CPU quota (in cores) on this process's cgroup v2 path, or None."""
    try:
        lines = proc_self.read_text().splitlines()
    except OSError:
        lines = []
    relative = next((line[3:] for line in lines if line.startswith("0::")), "/")
    folder, limits = root / relative.lstrip("/"), []
    while True:
        try:
            limit = quota_cores((folder / "cpu.max").read_text())
        except OSError:
            limit = None
        if limit is not None:
            limits.append(limit)
        if folder == root or root not in folder.parents:
            break
        folder = folder.parent
    return min(limits) if limits else None


def affinity_cores() -> int:
    """The cores this process may run on (its CPU affinity), or the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


@functools.cache
def process_quota() -> float | None:
    """This process's cgroup quota, read once (a quota does not change under a running job)."""
    return cgroup_quota()


def usable_cores() -> int:
    """The threads a step can keep busy at once: within_quota of this process's quota."""
    return within_quota(process_quota())


def within_quota(quota: float | None) -> int:
    """min(affinity, ⌈quota⌉) (a container's --cpus 1.5: 2), or the affinity without a quota;
    at least 1."""
    cores = affinity_cores()
    if quota is not None:
        cores = min(cores, math.ceil(quota))
    return max(1, cores)
