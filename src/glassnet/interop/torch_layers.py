"""The one PyTorch module glassnet needs that torch lacks: its input scaling.

Imported only where torch is wanted; `model.py` files written by `save_torch` carry a copy of
this class's source, so they run without glassnet.
"""

import torch
from torch import nn


class Standardize(nn.Module):
    """y = (x − mean) / std: the input scaling glassnet keeps inside the model, so the module
    takes raw input (uint8 pixels for an image model) as `glassnet predict` does."""

    def __init__(self, mean=0.0, std=1.0):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean))  # a Python float: float32
        self.register_buffer("std", torch.as_tensor(std))

    def forward(self, x):
        return (x.to(self.mean.dtype) - self.mean) * (1 / self.std)  # × 1/std, as glassnet
