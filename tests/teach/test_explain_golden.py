"""The printed explanations, pinned byte for byte: SHA-256 of every rendering against a golden file.

Each worked example in each format, the examples at another learning rate, and traces of
hand-made networks that reach the other paths (the extra-one form, subtracted biases, softmax
with cross-entropy, matrices elided with … and ⋮). The golden file was written from the code
before glassnet.teach was split into modules; a change to any printed character fails here.

After a deliberate change to the output, regenerate the file and review the diff of the
outputs themselves (glassnet explain --example NAME --format F), not only of the hashes:

    python tests/test_explain_golden.py
"""

import hashlib
from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.teach import render, trace, worked

GOLDEN = Path(__file__).parent / "golden" / "explain_renderings.sha256"
FORMATS = ("text", "markdown", "latex")


def extra_one_net():
    """Document 000's 2-3-1 network at its initial weights, written as [W | b]."""
    Wb1 = [[1.1, 1.8, -2.6], [-0.1, 1.0, 1.4], [0.7, 1.5, 0.3]]
    Wb2 = [[0.6, 0.2, -1.1, -0.8]]
    return gn.Network([gn.Dense(2, 3, Wb=Wb1), gn.ReLU(), gn.Dense(3, 1, Wb=Wb2), gn.Sigmoid()],
                      dtype="float64")  # fmt: skip


def subtracted_bias_net():
    """y₂ = w₁y₁ − b₁, y₃ = σ(w₂y₂ − b₂): glassnet stores b = −b₁ and b = −b₂."""
    return gn.Network([gn.Dense(1, 1, W=[[0.2]], b=[-0.8]), gn.Dense(1, 1, W=[[0.4]], b=[-0.9]),
                       gn.Sigmoid()], dtype="float64")  # fmt: skip


def softmax_net():
    W1 = [[0.5, -0.3], [0.1, 0.8], [-0.4, 0.2]]
    W2 = [[1, -1, 0.5], [0.3, 0.2, -0.7], [-0.5, 0.4, 0.9]]
    return gn.Network([gn.Dense(2, 3, W=W1, b=[0.1, 0, -0.2]), gn.Tanh(), gn.Dense(3, 3, W=W2),
                       gn.Softmax()], dtype="float64")  # fmt: skip


def wide_net():
    """2-16-14-1 with weights from a fixed generator: matrices beyond 10 × 12 are elided."""
    rng = np.random.default_rng(0)
    sizes = [(2, 16), (16, 14), (14, 1)]
    dense = [gn.Dense(n_in, n_out, W=rng.normal(0, 0.5, (n_out, n_in)).round(3),
                      b=rng.normal(0, 0.1, n_out).round(3)) for n_in, n_out in sizes]  # fmt: skip
    return gn.Network([dense[0], gn.ReLU(), dense[1], gn.LeakyReLU(), dense[2], gn.Sigmoid()],
                      dtype="float64")  # fmt: skip


def traces() -> dict:
    signs = {"bias_signs": [-1, -1]}
    return {
        "extra-one": trace(extra_one_net(), [1, 0], 1, lr=0.5, form="extra-one", title="[x; 1]"),
        "subtracted-bias": trace(subtracted_bias_net(), [0.6], 0, lr=1.0, notation=signs),
        "softmax": trace(softmax_net(), [0.3, -1.2], 2, "cross_entropy", 0.1),
        "wide": trace(wide_net(), [0.9, 0.1], 1.0, "binary_cross_entropy", 0.1, title="wide"),
    }


def renderings() -> dict[str, str]:
    """Every pinned rendering, by a name that says what it is."""
    out = {}
    for name in worked.names():
        example = worked.get(name)
        for fmt in FORMATS:
            out[f"example {name} {fmt}"] = render(example.worked(), fmt)
        out[f"example {name} text lr=0.25"] = render(example.worked(lr=0.25), "text")
    for name, tr in traces().items():
        for fmt in FORMATS:
            out[f"trace {name} {fmt}"] = render(tr, fmt)
    return out


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def golden() -> dict[str, str]:
    pairs = (line.split("  ", 1) for line in GOLDEN.read_text(encoding="utf-8").splitlines())
    return {name: digest for digest, name in pairs}


def test_every_rendering_is_unchanged():
    rendered, pinned = renderings(), golden()
    assert sorted(rendered) == sorted(pinned)
    changed = [name for name, text in rendered.items() if sha256(text) != pinned[name]]
    assert changed == [], (
        f"these renderings changed: {changed}; if that is intended, regenerate {GOLDEN.name} "
        "(see this module's docstring)"
    )


if __name__ == "__main__":
    GOLDEN.parent.mkdir(exist_ok=True)
    lines = [f"{sha256(text)}  {name}" for name, text in renderings().items()]
    GOLDEN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} digests to {GOLDEN}")
