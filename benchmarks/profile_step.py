"""Where glassnet's training time goes: cProfile of one epoch of MNIST training (`make profile`).

    python benchmarks/profile_step.py [--batch-size 64] [--top 25] [--sort tottime]
    python benchmarks/profile_step.py --recipe mnist    the optimizer and batch of that recipe

Trains the benchmark network (784-256-128-10, ReLU, cross-entropy, SGD lr 0.1, float32) for one
warm-up pass over 4,096 samples, then profiles one full epoch of `Network.fit` and prints the
functions that take the most time. cProfile adds a cost to every Python call, so functions
that make many small calls look slower than they are: use it to see the shape of a step, and
bench.py to measure it. The wall time of the same epoch unprofiled is printed for scale.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import numpy as np

import glassnet as gn
from mnist_data import he_uniform, load_mnist


def make_net(weights: dict) -> gn.Network:
    """The benchmark network with the benchmark's initial weights."""
    net = gn.Network(
        [
            gn.Standardize(0, 255),
            gn.Dense(784, 256),
            gn.ReLU(),
            gn.Dense(256, 128),
            gn.ReLU(),
            gn.Dense(128, 10),
        ],
        seed=0,
        dtype="float32",
    )
    for i, dense in enumerate(net.dense_layers, start=1):
        dense.W[...], dense.b[...] = weights[f"W{i}"], weights[f"b{i}"]
    return net


def train(net: gn.Network, X, y, batch_size: int, optimizer: str = "sgd") -> None:
    """One epoch: plain SGD (lr 0.1, the benchmark recipe) or the optimizer of a recipe."""
    opt = gn.SGD(lr=0.1) if optimizer == "sgd" else gn.optimizers.from_config(optimizer)
    net.fit(X, y, loss="cross_entropy", optimizer=opt, epochs=1, batch_size=batch_size)


def recipe_optimizer(name: str) -> tuple[dict, int]:
    """(optimizer config, batch size) of glassnet's named recipe, e.g. `mnist`."""
    from glassnet.models import recipes

    r = recipes.get(name)
    opt = gn.optimizers.get(r.optimizer, lr=r.lr, weight_decay=r.weight_decay)
    return opt.config(), r.batch_size


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--recipe",
        help="use the optimizer and batch size of this glassnet "
        "recipe (e.g. mnist) instead of plain SGD",
    )
    parser.add_argument("--top", type=int, default=25, help="how many functions to print")
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative", "ncalls"])
    args = parser.parse_args(argv)
    data, loader = load_mnist()
    X, y = data["X_train"], data["y_train"]
    optimizer, batch = "sgd", args.batch_size
    if args.recipe:
        optimizer, batch = recipe_optimizer(args.recipe)
    net = make_net(he_uniform(0))
    train(net, X[:4096], y[:4096], batch, optimizer)
    began = time.perf_counter()
    train(net, X, y, batch, optimizer)
    wall = time.perf_counter() - began
    profiler = cProfile.Profile()
    profiler.runcall(train, net, X, y, batch, optimizer)
    print(f"MNIST via {loader}; batch {batch}; optimizer {optimizer}; NumPy {np.__version__}")
    print(f"one epoch unprofiled: {wall:.3f} s = {len(X) / wall:,.0f} samples/s\n")
    pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
