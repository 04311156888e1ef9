"""glassnet gradcheck: backpropagation's gradients against central differences, per layer.

    glassnet gradcheck MODEL [--samples 4] [--eps 1e-3] [--seed 0]
    glassnet gradcheck --example xor-2-3-1

A model file carries no data, so the check runs on --samples random inputs drawn with --seed:
N(0, 1) per feature (mean + std · N(0, 1) when the model starts by standardising its input),
with random targets of the kind its cost expects: class ids for cross_entropy, 0 or 1 for a
sigmoid output, N(0, 1) values for regression. An example is checked on its own data.

An entry that disagrees at ε is retried at ε/10, ε/100 and 10ε; one whose difference
quotient crosses a ReLU kink at every step is reported apart and does not fail the check.
Exit 0 when every other relative error is below the threshold, 1 when one is not.
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
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only the verdict line")


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
    if args.example is not None and args.loss is not None:
        raise UsageError(f"--loss cannot change example {args.example}: its cost is the document's")
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
    entries = sum(min(layer.W.size, 200) + min(layer.b.size, 200) for layer in net.dense_layers)
    if entries > 100 and not (args.quiet or args.json):  # a few seconds: say what it does
        import sys

        print(f"gradcheck: {entries} entries, 4 forward passes each …", file=sys.stderr, flush=True)
    result = gradcheck(net, X, y, loss, eps=args.eps)
    signs = sign_convention(args.example)
    if args.json:
        from glassnet.cli.commands._common import print_json

        print_json(as_dict(result, net, loss, what, signs))
    else:
        from glassnet.cli.commands.explain import write

        lines = str(result).splitlines()  # the verdict, the step sizes if several, the notes
        verdict = lines[next(i for i, line in enumerate(lines) if line.startswith("worst")) :]
        body = "\n".join(verdict) if args.quiet else f"{side_by_side(result)}\n\n{result}"
        head = (f"gradcheck {net!r}\non {what}; loss {loss}; ε = {result.eps:g} (order-"
                f"{result.order} central differences); float64\n\n")  # fmt: skip
        write(("" if args.quiet else head) + body + "\n" + (f"\n{signs}\n" if signs else ""))
    return ExitStatus.SUCCESS if result.ok else ExitStatus.ERROR


def sign_convention(example) -> str:
    """For an example whose document subtracts its biases, how its ∂C/∂b relates to ours."""
    if example is None:
        return ""
    from glassnet.teach import worked as examples

    notation = examples.get(example).build().notation or {}
    if not any(s < 0 for s in notation.get("bias_signs", ())):
        return ""
    return (
        "signs: the document writes z = w·a − b, glassnet stores z = W a + b with b = −(the "
        "document's b); this check compares glassnet's ∂C/∂b, so its bias gradients have the "
        "opposite sign of the ∂C/∂b₁ … that `glassnet explain --example "
        f"{example}` prints in the document's convention"
    )


def as_dict(result, net, loss, what, signs) -> dict:
    """The check as JSON: verdict, steps, and every parameter's worst errors."""
    return {
        "network": repr(net), "data": what, "loss": loss, "eps": result.eps,
        "order": result.order, "threshold": result.threshold, "ok": result.ok,
        "passed_including_kinks": result.passed, "worst": result.worst,
        "at_kinks": result.at_kinks,
        "steps": {f"{eps:g}": n for eps, n in result.steps().items()},
        "parameters": [{"layer": c.layer, "name": c.layer_name, "param": c.param,
                        "checked": len(c.checked), "at_kinks": int(c.kink.sum()),
                        "worst": c.worst} for c in result.checks],
        "diagnoses": result.diagnoses, "sign_convention": signs or None,
    }  # fmt: skip


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
        errors = np.where(c.kink, -1.0, c.rel_errors)  # entries at kinks last
        order = np.argsort(-errors, kind="stable")[:SHOWN_PER_PARAM]
        for k in order:
            flat = c.checked[k]
            index = np.unravel_index(flat, c.analytic.shape)
            shown = "at a kink" if c.kink[k] else f"{c.rel_errors[k]:.1e}"
            rows.append((
                f"{c.layer} {c.layer_name}", c.param, str(list(map(int, index))),
                num(c.analytic.ravel()[flat]), num(c.numeric.ravel()[flat]), shown,
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
