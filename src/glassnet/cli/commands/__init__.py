"""Subcommands of the `glassnet` command line (see glassnet.cli)."""
