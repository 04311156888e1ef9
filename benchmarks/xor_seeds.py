"""How many of 100 seeds the default XOR recipe solves (`make xor-seeds`).

    python benchmarks/xor_seeds.py                  the default recipe, seeds 0..99
    python benchmarks/xor_seeds.py --candidates     every candidate recipe below, side by side
    python benchmarks/xor_seeds.py --candidates --match tanh     the candidates named "tanh …"

A seed is solved when, after training on the exact four XOR points, the network classifies all
four right: output > 0.5 exactly for the points labelled 1. The seed draws the initial weights
(and nothing else: training is full batch, so there is no shuffling to speak of).
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import replace

import numpy as np

import glassnet as gn
from glassnet.lab import DOCUMENTS_XOR, Problem
from glassnet.models import recipes
from glassnet.models.recipes import Recipe

XOR = Problem.xor()
# The documents' network: 2-3-1, ReLU hidden, sigmoid output, binary cross-entropy, Adam
# (lr 0.05), full batch, here trained 1000 epochs. Each candidate changes a few fields.
DOCUMENTS = replace(DOCUMENTS_XOR, name="2-3-1 relu (the documents' network)", epochs=1000)


def candidate(name: str, **changes) -> Recipe:
    """The documents' recipe with some fields changed."""
    return replace(DOCUMENTS, name=name, **changes)


def cli_solves(seed: int) -> bool:
    """Whether `glassnet train xor --seed SEED` (the default XOR recipe, run by the command's
    own code) ends with all four points classified right."""
    from glassnet.cli.commands import train as T
    from glassnet.cli.main import build_parser

    args = build_parser().parse_args(["train", "xor", "--seed", str(seed), "--quiet"])
    settings = T.settings_from_args(args)
    dataset, is_file = T.load_data(settings, quiet=True)
    settings = T.resolve(settings, dataset, is_file)
    prepared = T.split_data(dataset, is_file, settings)
    net = T.train(dict(settings), prepared)[0]
    return solved(net)


CANDIDATES = [
    DOCUMENTS,
    candidate("relu 3, BCE, Adam 0.1, 1000 ep", lr=0.1),
    candidate("relu 3, BCE, Adam 0.05, 2000 ep", epochs=2000),
    candidate("relu 3, BCE, SGD 0.5, 2000 ep", optimizer="sgd", lr=0.5, epochs=2000),
    candidate("relu 3, squared, Adam 0.05, 1000 ep", loss="squared_error"),
    candidate("leaky 3, BCE, Adam 0.05, 1000 ep", activation="leaky_relu"),
    candidate("tanh 3, BCE, Adam 0.05, 1000 ep", activation="tanh"),
    candidate("tanh 3, BCE, Adam 0.1, 500 ep", activation="tanh", lr=0.1, epochs=500),
    candidate(
        "tanh 3, BCE, SGD 0.5, 2000 ep", activation="tanh", optimizer="sgd", lr=0.5, epochs=2000
    ),
    candidate("tanh 3, squared, Adam 0.05, 1000 ep", activation="tanh", loss="squared_error"),
    candidate("sigmoid 3, BCE, Adam 0.1, 2000 ep", activation="sigmoid", lr=0.1, epochs=2000),
    candidate("relu 4, BCE, Adam 0.05, 1000 ep", hidden=(4,)),
    candidate("leaky 4, BCE, Adam 0.05, 1000 ep", hidden=(4,), activation="leaky_relu"),
    candidate("tanh 4, BCE, Adam 0.05, 1000 ep", hidden=(4,), activation="tanh"),
    candidate("tanh 3, BCE, Adam 0.05, 500 ep", activation="tanh", epochs=500),
    candidate("relu 3, BCE, Adam 0.05, 300 ep", epochs=300),
    candidate("tanh 8, BCE, Adam 0.05, 500 ep", hidden=(8,), activation="tanh", epochs=500),
    # The `xor` recipe of glassnet.models.recipes, whatever it is today.
    replace(recipes.get("xor"), name="glassnet.recipes 'xor'"),
]


def solved(net: gn.Network) -> bool:
    """All four points on the right side of 0.5."""
    out = net.forward(XOR.X)[:, 0]
    return bool(np.all((out > 0.5) == (XOR.y == 1)))


def count_solved(recipe: Recipe, seeds) -> tuple[int, list[int]]:
    """(how many seeds the recipe solves, the seeds it fails)."""
    failed = []
    for seed in seeds:
        net = XOR.network(recipe, seed)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                net.fit(XOR.X, XOR.y, **{**recipe.fit_kwargs(), "loss": XOR.loss(recipe)})
            ok = solved(net)
        except gn.GlassnetError:
            ok = False
        if not ok:
            failed.append(seed)
    return len(seeds) - len(failed), failed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", action="store_true", help="compare candidate recipes")
    parser.add_argument("--match", default="", help="only candidates whose name contains this")
    parser.add_argument("--seeds", type=int, default=100, help="seeds 0..N-1 (default 100)")
    args = parser.parse_args(argv)
    seeds = list(range(args.seeds))
    if not args.candidates:
        began = time.perf_counter()
        failed = [seed for seed in seeds if not cli_solves(seed)]
        print(
            f"glassnet train xor: solved {len(seeds) - len(failed)}/{len(seeds)} seeds "
            f"({time.perf_counter() - began:.1f} s)" + (f"; failed {failed}" if failed else "")
        )
        return
    for recipe in (r for r in CANDIDATES if args.match in r.name):
        began = time.perf_counter()
        k, failed = count_solved(recipe, seeds)
        took = time.perf_counter() - began
        shown = f"  failed seeds: {failed[:12]}{' …' if len(failed) > 12 else ''}" if failed else ""
        print(f"{recipe.name:38s} solved {k}/{len(seeds)}  ({took:.1f} s){shown}", flush=True)


if __name__ == "__main__":
    main()
