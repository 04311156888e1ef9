"""The exceptions glassnet raises for things a user can cause.

Every message names the problem and the fix. The command line prints the
message of any :class:`GlassnetError` without a traceback.
"""


class GlassnetError(Exception):
    """Base class of every error glassnet raises on purpose."""


class ValidationError(GlassnetError, ValueError):
    """A value given at the public boundary breaks a rule (shape, range, name)."""


class DivergenceError(GlassnetError, FloatingPointError):
    """Training produced a non-finite cost or weight and was stopped."""


class ModelFileError(GlassnetError, ValueError):
    """A model file is missing, truncated, tampered with or not a glassnet file."""


class DataError(GlassnetError, ValueError):
    """A data file or data set cannot be read as asked."""


class DownloadError(GlassnetError, OSError):
    """A data set could not be downloaded or verified."""


class UsageError(ValidationError):
    """The command line was used wrongly (a missing or contradictory option): the command line
    prints the subcommand's usage and exits 2, as argparse does for its own checks."""
