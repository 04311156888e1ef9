"""Exit codes of the `glassnet` command, as a type."""

from enum import IntEnum


class ExitStatus(IntEnum):
    """0 success; 1 a failure the message explains (bad data, a failed check, a differing
    replay); 2 a usage error (argparse's); 130 interrupted by Ctrl-C, 129 by SIGHUP, 143 by
    SIGTERM."""

    SUCCESS = 0
    ERROR = 1
    USAGE = 2
    INTERRUPTED = 130
    HANGUP = 129  # SIGHUP: the terminal closed (the checkpoint is saved, as for Ctrl-C)
    TERMINATED = 143  # SIGTERM: a job scheduler or `kill` stopped the run (checkpoint saved)
