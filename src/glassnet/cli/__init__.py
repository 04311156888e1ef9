"""The `glassnet` command line: main(), the command table and the exit codes."""

from glassnet.cli.main import main

__all__ = ["main"]
