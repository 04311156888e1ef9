"""Kept only for glassnet.viz.plots, which imports linear_separability from here: once it
imports glassnet.lab.separability instead, delete this module. The experiments live in
glassnet.lab's modules (compare_gd, seeds, lr_range, diagnose, norms, separability)."""

from glassnet.lab.separability import linear_separability

__all__ = ["linear_separability"]
