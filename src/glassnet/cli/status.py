"""Exit codes of the `glassnet` command, as a type."""

from enum import IntEnum


class ExitStatus(IntEnum):
    """0 success; 1 a failure the message explains (bad data, a failed check, a differing
    replay); 2 a usage error (argparse's); 130 interrupted by Ctrl-C."""

    SUCCESS = 0
    ERROR = 1
    USAGE = 2
    INTERRUPTED = 130
