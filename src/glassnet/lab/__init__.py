"""Experiments the documents invite, NumPy only: the three forms of gradient descent side by
side (compare_gd), a recipe over many seeds with each failure diagnosed (seeds, diagnose), a
learning-rate sweep (lr_range), weight and gradient magnitudes per layer (norms) and the linear
separability of a feature space (separability).

Each experiment takes a `Problem` (the data and what its targets are) and a `Recipe`
(glassnet.models.recipes), returns plain records with `to_dict()` for JSON, and never prints.
"""

from glassnet.lab.compare_gd import GDRun, compare_gd
from glassnet.lab.diagnose import ADVICE, classify_failure, hidden_units, is_solved
from glassnet.lab.lr_range import LRTrial, classify_lr, lr_range, suggested_lr
from glassnet.lab.norms import NormRecord, deep_comparison, gradient_norms
from glassnet.lab.problem import DOCUMENTS_XOR, Problem, xor_recipe
from glassnet.lab.seeds import SeedOutcome, SeedsResult, run_seeds
from glassnet.lab.separability import linear_separability

__all__ = [
    "ADVICE",
    "DOCUMENTS_XOR",
    "GDRun",
    "LRTrial",
    "NormRecord",
    "Problem",
    "SeedOutcome",
    "SeedsResult",
    "classify_failure",
    "classify_lr",
    "compare_gd",
    "deep_comparison",
    "gradient_norms",
    "hidden_units",
    "is_solved",
    "linear_separability",
    "lr_range",
    "run_seeds",
    "suggested_lr",
    "xor_recipe",
]
