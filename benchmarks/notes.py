"""The notes under the benchmark's tables: what each peer shares with glassnet, and the thread
pools each framework ran with."""

from __future__ import annotations

import report


def peer_notes(frameworks, loader: str, agreement: dict | None) -> list[str]:
    """What each peer shares with glassnet (weights, batch order, data path), in words."""
    notes = [
        f"MNIST read by {loader}; every framework gets raw uint8 pixels scaled by 1/255 "
        "(glassnet by its Standardize(0, 255) layer, PyTorch one batch at a time, "
        "scikit-learn on a float32 copy of the training set made before timing, as it needs).",
        "Initial weights: one He-uniform draw (NumPy, float32, zero biases) loaded into all "
        "three: glassnet `Dense.W`, PyTorch `nn.Linear.weight` (same (out, in) layout), "
        "scikit-learn `coefs_` (transposed) after a `partial_fit` on one batch creates them.",
        "Batch order: glassnet and PyTorch visit the very same batches (both draw each epoch's "
        "order as `permutation(n)` from a generator with one seed); scikit-learn shuffles with "
        "its own generator and cannot be given an order.",
        "Throughput: one timed window of training (a full epoch of 60,000 samples unless "
        "--quick) after a warm-up, in a fresh process; samples/s = samples / wall seconds.",
        "GEMM ceiling: only the 8 matrix multiplications of a training step (3 forward, 5 "
        "backward; no dL/dX for the first layer), np.matmul into preallocated float32 arrays, "
        "same shapes and count as the timed window.",
        "Time to accuracy: training wall seconds since the first step, test accuracy measured "
        "after every epoch with the clock stopped; a target's time is the end of the first epoch "
        "that reaches it. 'plain SGD' is the benchmark recipe (lr 0.1, batch 64, constant); "
        "`mnist` (glassnet's default for MNIST) and `mnist-best` (its high-accuracy recipe) are "
        "read from glassnet.recipes, and PyTorch is given the same widths, optimizer, "
        "schedule, batch size and epochs.",
        "Peak memory: ru_maxrss of the worker process (the data, read from an uncompressed "
        ".npz, the framework and its training run); of the CLI: ru_maxrss of the "
        "`glassnet train mnist` child, which also decompresses the gzipped IDX files.",
        "Threads: BLAS at its default (2 on 2 cores), torch.set_num_threads(2).",
    ]
    if agreement:
        notes.append(
            f"Same computation: after {agreement['steps']} steps of batch "
            f"{agreement['batch_size']} from the same start, glassnet's and PyTorch's weights "
            f"differ by at most {agreement['max_abs_diff']:.1e} (the steps moved W1 by up to "
            f"{agreement['max_abs_change_W1']:.2f})."
        )
    if "glassnet-numpy" in frameworks:
        notes.append(
            "glassnet (NumPy only): the same glassnet runner in a worker started with "
            "GLASSNET_KERNELS=0, so `fit` takes the NumPy reference step (as where no C "
            "compiler was found at install); the worker fails if the C kernels were "
            "loaded. Throughput only."
        )
    if "sklearn" in frameworks:
        notes.append(
            "scikit-learn: MLPClassifier(solver='sgd', momentum=0, alpha=0, "
            "learning_rate='constant'), one `partial_fit` per epoch."
        )
    return notes


def threads_note(threads: dict) -> str:
    """A one-line summary of the thread pools each framework ran with."""
    parts = []
    for fw, info in threads.items():
        if info is None:
            continue
        pools = ", ".join(f"{p['internal_api']}={p['num_threads']}" for p in info["pools"] or [])
        torch = f", torch={info['torch_threads']}" if "torch_threads" in info else ""
        parts.append(f"{report.NAMES[fw]}: {pools}{torch}")
    return "; ".join(parts)
