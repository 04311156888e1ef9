"""glassnet gradcheck: backpropagation's gradients against central differences, per layer.

    glassnet gradcheck MODEL [--samples 4] [--eps 1e-3] [--seed 0]
    glassnet gradcheck --example xor-2-3-1

A model file carries no data, so the check runs on --samples random inputs drawn with --seed:
N(0, 1) per feature (mean + std · N(0, 1) when the model starts by standardising its input),
with random targets of the kind its cost expects: class ids for cross_entropy, 0 or 1 for a
sigmoid output, N(0, 1) values for regression. An example is checked on its own data.
Exit 0 when every relative error is below the threshold, 1 when one is not.
"""

from __future__ import annotations

import argparse

from glassnet.cli.status import ExitStatus

HELP = "check backpropagation's gradients against central differences, layer by layer"
SHOWN_PER_PARAM = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = __doc__.split("\n\n", 2)[2]
    parser.add_argument("model", nargs="?", metavar="MODEL", help="a model file to check")
    parser.add_argument("--example", metavar="NAME", help="a built-in example (explain --list)")
    parser.add_argument("--samples", type=_positive_int, default=None, metavar="N",
                        help="samples to check on (default: 4 random ones for a model file, "
                        "all of an example's)")  # fmt: skip
    parser.add_argument("--eps", type=float, default=None, metavar="ε",
                        help="finite-difference step (default 1e-3, fourth-order)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="for the random samples (default 0)")
    parser.add_argument("--loss", metavar="NAME", help="the cost (default: the model's)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def run(args) -> ExitStatus:
    from glassnet import load
    from glassnet.errors import UsageError
    from glassnet.nn.network import default_loss
    from glassnet.teach.gradcheck import gradcheck

    if (args.model is None) == (args.example is None):
        raise UsageError("give a MODEL file or --example NAME (not both)")
    if args.eps is not None and not args.eps > 0:
        raise UsageError(f"--eps must be a positive number, got {args.eps}")
    if args.example is not None:
        net, X, y, loss, what = _example_data(args.example, args.samples)
    else:
        net = load(args.model)
        loss = args.loss or net.card.training.get("loss")
        X, y, what = random_data(net, loss, args.samples or 4, args.seed)
        loss = loss or default_loss(net, y)
    loss = args.loss or loss
    result = gradcheck(net, X, y, loss, eps=args.eps)
    from glassnet.cli.commands.explain import write

    write(
        f"gradcheck {net!r}\n"
        f"on {what}; loss {loss}; ε = {result.eps:g} (order-{result.order} central "
        f"differences); float64\n\n{side_by_side(result)}\n\n{result}\n"
    )
    return ExitStatus.SUCCESS if result.passed else ExitStatus.ERROR


def _example_data(name, samples):
    from glassnet.teach import worked as examples

    b = examples.get(name).build()
    if b.data is None:
        X, y = b.x[None, :], b.y
        what = "the example's sample"
    else:
        X, y = b.data
        what = f"the example's {len(X)} samples"
    if samples is not None and samples < len(X):
        X, y = X[:samples], y[:samples]
        what = f"the first {samples} of the example's samples"
    return b.net, X, y, b.loss, what


def random_data(net, loss, n: int, seed: int):
    """Seeded inputs and targets of the kind the network's cost expects (see the module doc)."""
    import numpy as np

    from glassnet.nn.layers import Sigmoid, Softmax, Standardize

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, net.n_in))
    first = net.layers[0]
    if isinstance(first, Standardize):
        X = first.mean.astype(float) + first.std.astype(float) * X
    last = net.layers[-1]
    if loss == "cross_entropy" or isinstance(last, Softmax):
        y = rng.integers(0, net.n_out, n)
        kind = "random class ids"
    elif isinstance(last, Sigmoid):
        y = rng.integers(0, 2, (n, net.n_out)).astype(float)
        kind = "random 0/1 targets"
    else:
        y = rng.standard_normal((n, net.n_out))
        kind = "N(0, 1) targets"
    return X, y, f"{n} random inputs (seed {seed}) with {kind}"


def side_by_side(result) -> str:
    """A few entries of each parameter, the worst first: analytic, numeric, relative error."""
    import numpy as np

    from glassnet.teach.notation import num

    rows = [("layer", "param", "entry", "backprop", "central diff.", "rel. error")]
    for c in result.checks:
        errors = c.rel_errors
        order = np.argsort(-errors, kind="stable")[:SHOWN_PER_PARAM]
        for k in order:
            flat = c.checked[k]
            index = np.unravel_index(flat, c.analytic.shape)
            rows.append((
                f"{c.layer} {c.layer_name}", c.param, str(list(map(int, index))),
                num(c.analytic.ravel()[flat]), num(c.numeric.ravel()[flat]), f"{errors[k]:.1e}",
            ))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for j, r in enumerate(rows):
        cells = [r[i].ljust(widths[i]) if i < 3 else r[i].rjust(widths[i]) for i in range(len(r))]
        lines.append("  ".join(cells).rstrip())
        if j == 0:
            lines.append("  ".join("─" * w for w in widths))
    lines.append(f"(up to {SHOWN_PER_PARAM} entries of each parameter, the largest relative "
                 "errors first)")  # fmt: skip
    return "\n".join(lines)
