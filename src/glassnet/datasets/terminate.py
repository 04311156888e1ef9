"""SIGTERM and SIGHUP during a download or a decompression: clean up, then die of the signal.

A job scheduler stops a job with SIGTERM (a closed terminal sends SIGHUP); their default action
kills the process at once, so no ``finally`` runs and a half-written temporary file stays on
disk.  Inside :func:`unwinding_on_termination` such a signal raises instead: every
``finally`` and ``except BaseException`` on the way out runs (glassnet._files removes its
temporary file), and then the signal is delivered again with its default action, so the
process ends exactly as it would have (exit status 128 + signal number in a shell).

Only signals whose handler is still the default are taken, and only in the main thread: a
program (or ``glassnet train``) that handles SIGTERM itself keeps its own handler.
"""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager

SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(BaseException):
    """Raised by the temporary handler: a signal asked the process to end."""

    def __init__(self, signum):
        super().__init__(f"terminated by signal {signum}")
        self.signum = signum


def _raise_terminated(signum, frame):
    raise Terminated(signum)


@contextmanager
def unwinding_on_termination():
    """Run the block with SIGTERM/SIGHUP raising Terminated; re-deliver the signal after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    taken = [s for s in SIGNALS if signal.getsignal(s) is signal.SIG_DFL]
    for signum in taken:
        signal.signal(signum, _raise_terminated)
    try:
        yield
    except Terminated as terminated:
        _restore(taken)
        os.kill(os.getpid(), terminated.signum)  # the default action: the process ends here
        raise
    finally:
        _restore(taken)


def _restore(taken):
    for signum in taken:
        signal.signal(signum, signal.SIG_DFL)
