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

import numpy as np

import glassnet as gn

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y = np.array([0, 1, 1, 0], dtype=np.float32)
ACTIVATIONS = {"relu": gn.ReLU, "tanh": gn.Tanh, "leaky": gn.LeakyReLU, "sigmoid": gn.Sigmoid}


def build(seed: int, hidden: int = 3, activation: str = "relu") -> gn.Network:
    """A 2-hidden-1 network with a sigmoid output."""
    layers = [gn.Dense(2, hidden), ACTIVATIONS[activation](), gn.Dense(hidden, 1), gn.Sigmoid()]
    return gn.Network(layers, seed=seed)


def recipe(seed, *, hidden=3, activation="relu", loss="binary_cross_entropy",
           optimizer=("adam", 0.05), epochs=1000):
    """(net, fit keyword arguments) for one full-batch XOR recipe."""
    name, lr = optimizer
    return build(seed, hidden, activation), {
        "loss": loss, "optimizer": gn.optimizers.get(name, lr=lr), "epochs": epochs,
        "batch_size": "full",
    }


def documents_recipe(seed: int):
    """The documents' network: 2-3-1, ReLU hidden, sigmoid output, binary cross-entropy,
    Adam (lr 0.05), full batch, 1000 epochs. Returns (net, fit_kwargs)."""
    return recipe(seed)


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


CANDIDATES = {
    "2-3-1 relu (the documents' network)": documents_recipe,
    "relu 3, BCE, Adam 0.1, 1000 ep": lambda s: recipe(s, optimizer=("adam", 0.1)),
    "relu 3, BCE, Adam 0.05, 2000 ep": lambda s: recipe(s, epochs=2000),
    "relu 3, BCE, SGD 0.5, 2000 ep": lambda s: recipe(s, optimizer=("sgd", 0.5), epochs=2000),
    "relu 3, squared, Adam 0.05, 1000 ep": lambda s: recipe(s, loss="squared_error"),
    "leaky 3, BCE, Adam 0.05, 1000 ep": lambda s: recipe(s, activation="leaky"),
    "tanh 3, BCE, Adam 0.05, 1000 ep": lambda s: recipe(s, activation="tanh"),
    "tanh 3, BCE, Adam 0.1, 500 ep": lambda s: recipe(s, activation="tanh",
                                                       optimizer=("adam", 0.1), epochs=500),
    "tanh 3, BCE, SGD 0.5, 2000 ep": lambda s: recipe(s, activation="tanh",
                                                       optimizer=("sgd", 0.5), epochs=2000),
    "tanh 3, squared, Adam 0.05, 1000 ep": lambda s: recipe(s, activation="tanh",
                                                             loss="squared_error"),
    "sigmoid 3, BCE, Adam 0.1, 2000 ep": lambda s: recipe(s, activation="sigmoid",
                                                           optimizer=("adam", 0.1), epochs=2000),
    "relu 4, BCE, Adam 0.05, 1000 ep": lambda s: recipe(s, hidden=4),
    "leaky 4, BCE, Adam 0.05, 1000 ep": lambda s: recipe(s, hidden=4, activation="leaky"),
    "tanh 4, BCE, Adam 0.05, 1000 ep": lambda s: recipe(s, hidden=4, activation="tanh"),
    "tanh 3, BCE, Adam 0.05, 500 ep": lambda s: recipe(s, activation="tanh", epochs=500),
    "relu 3, BCE, Adam 0.05, 300 ep": lambda s: recipe(s, epochs=300),
    "tanh 8, BCE, Adam 0.05, 500 ep": lambda s: recipe(s, hidden=8, activation="tanh",
                                                        epochs=500),
    "glassnet.recipes 'xor'": lambda s: library_recipe(s),
}


def library_recipe(seed: int):
    """The `xor` recipe of glassnet.recipes, whatever it is today, as (net, fit_kwargs)."""
    from glassnet.models import recipes

    r = recipes.get("xor")
    activation = {"leaky_relu": "leaky"}.get(r.activation, r.activation)
    return recipe(seed, hidden=r.hidden[0], activation=activation, optimizer=(r.optimizer, r.lr),
                  epochs=r.epochs)


def solved(net: gn.Network) -> bool:
    """All four points on the right side of 0.5."""
    out = net.forward(X)[:, 0]
    return bool(np.all((out > 0.5) == (Y == 1)))


def count_solved(make, seeds) -> tuple[int, list[int]]:
    """(how many seeds the recipe solves, the seeds it fails)."""
    failed = []
    for seed in seeds:
        net, kwargs = make(seed)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                net.fit(X, Y, **kwargs)
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
        print(f"glassnet train xor: solved {len(seeds) - len(failed)}/{len(seeds)} seeds "
              f"({time.perf_counter() - began:.1f} s)" + (f"; failed {failed}" if failed else ""))
        return
    recipes = {name: make for name, make in CANDIDATES.items() if args.match in name}
    for name, make in recipes.items():
        began = time.perf_counter()
        k, failed = count_solved(make, seeds)
        took = time.perf_counter() - began
        shown = f"  failed seeds: {failed[:12]}{' …' if len(failed) > 12 else ''}" if failed else ""
        print(f"{name:38s} solved {k}/{len(seeds)}  ({took:.1f} s){shown}", flush=True)


if __name__ == "__main__":
    main()
