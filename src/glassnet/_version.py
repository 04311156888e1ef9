"""The version of glassnet (one place, read by the package, run manifests and reports)."""

__version__ = "0.1.0"
