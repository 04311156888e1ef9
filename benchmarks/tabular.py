"""glassnet's tabular default against scikit-learn's MLP defaults, on the sets scikit-learn bundles.

    python benchmarks/tabular.py                    the README's table (~15 min)
    python benchmarks/tabular.py --seeds 10 --inits 3   10 splits of every set
    python benchmarks/tabular.py --sets wine iris
    python benchmarks/tabular.py --json results.json
    python benchmarks/tabular.py --grid             GridSearchCV(n_jobs=2) on digits: time, score

For each set and split seed: a fresh 80/20 split (stratified for classes, random_state = the
split seed). On the 80 %, as a new user would, once per starting seed i = 0 .. inits-1:
* glassnet -- `glassnet train train.csv --target y` with no flag but `--seed i` (gn.run on a CSV
  written from the split: the command's own code), and `GlassnetClassifier/Regressor(
  random_state=i)`, which gives the same network as `glassnet train` on the same rows;
* scikit-learn -- `make_pipeline(StandardScaler(), MLPClassifier(random_state=i))`, and for
  regression MLPRegressor with the target standardised too (TransformedTargetRegressor).
Scored on the 20 %: accuracy for classes, R² for regression. A split's score is the mean over
the starting seeds; the table gives the mean ± std of that over the splits, and on how many
splits glassnet's command scores at least as high as scikit-learn.

How many splits: by default as many as it takes for a set's test splits to hold about TEST_ROWS
(1,800) rows together, at least 5: 5 splits of digits' 360 test rows, 50 of wine's 36. Ten
splits of wine are 360 test rows, where one row is 0.28 points: glassnet and scikit-learn were
0.19 points apart on them (two predictions of 1,080), the other way round over fifty.

Both sides start from the same seeds (0, 1, 2, ...) on every split. Until 2026-11-30 the
command ran with its default seed 0 on every split while scikit-learn's random_state followed
the split seed; on wine that choice alone moved scikit-learn's accuracy over splits 0-9 from
97.8 % (random_state 0 throughout) to 98.9 % (one row, index 68, that the MLP gets right only
from some starting weights), more than the gap it seemed to show.

The recipe was tuned on TUNED (digits, breast cancer, diabetes) and checked on the others, which
no choice looked at; the three derived tasks (digits-parity, diabetes-high,
breast-cancer-radius) were added afterwards as fresh checks. OPENBLAS_NUM_THREADS=1 (set
below): small networks on a shared machine are faster on one thread.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from sklearn import datasets as sk_datasets  # noqa: E402
from sklearn.compose import TransformedTargetRegressor  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import glassnet as gn  # noqa: E402
from glassnet.sklearn import GlassnetClassifier, GlassnetRegressor  # noqa: E402

TUNED = ("digits", "breast-cancer", "diabetes")


def wine_alcohol():
    """A second regression target derived from a bundled set: wine's alcohol content from its
    other twelve measurements."""
    X, _ = sk_datasets.load_wine(return_X_y=True)
    return np.delete(X, 0, axis=1), X[:, 0]


def digits_parity():
    """Even or odd digit, on a fixed random 900 of the 1,797 digits (a table under 1,000 rows)."""
    X, y = sk_datasets.load_digits(return_X_y=True)
    rows = np.random.default_rng(12).choice(len(y), 900, replace=False)
    return X[rows], (y[rows] % 2).astype(np.int64)


def diabetes_high():
    """Whether the diabetes progression score is above its median: a class from a regression."""
    X, y = sk_datasets.load_diabetes(return_X_y=True)
    return X, (y > np.median(y)).astype(np.int64)


def breast_cancer_radius():
    """Breast cancer's mean radius from the other columns, without the mean perimeter and
    area, which would give it away."""
    X, _ = sk_datasets.load_breast_cancer(return_X_y=True)
    return np.delete(X, [0, 2, 3], axis=1), X[:, 0]


SETS = {
    "digits": (lambda: sk_datasets.load_digits(return_X_y=True), "classification"),
    "breast-cancer": (lambda: sk_datasets.load_breast_cancer(return_X_y=True), "classification"),
    "wine": (lambda: sk_datasets.load_wine(return_X_y=True), "classification"),
    "iris": (lambda: sk_datasets.load_iris(return_X_y=True), "classification"),
    "diabetes": (lambda: sk_datasets.load_diabetes(return_X_y=True), "regression"),
    "wine-alcohol": (wine_alcohol, "regression"),
    "digits-parity": (digits_parity, "classification"),
    "diabetes-high": (diabetes_high, "classification"),
    "breast-cancer-radius": (breast_cancer_radius, "regression"),
}


def score(task: str, model, X, y) -> float:
    return float(model.score(X, y))  # accuracy or R²


def sklearn_default(task: str, seed: int):
    if task == "classification":
        return make_pipeline(StandardScaler(), MLPClassifier(random_state=seed))
    return TransformedTargetRegressor(
        make_pipeline(StandardScaler(), MLPRegressor(random_state=seed)),
        transformer=StandardScaler(),
    )


def cli_default(task: str, X, y, seed: int, folder: Path):
    """`glassnet train train.csv --target y --seed SEED`, through the command's code."""
    path = folder / "train.csv"
    header = ",".join([f"x{j}" for j in range(X.shape[1])] + ["y"])
    target = y.astype(np.int64) if task == "classification" else y
    np.savetxt(path, np.column_stack([X, target]), delimiter=",", header=header, comments="",
               fmt="%.10g")  # fmt: skip
    task_flag = "regression" if task == "regression" else None
    return gn.run(gn.RunConfig(data=str(path), target="y", task=task_flag, seed=seed)).network


def cli_score(task: str, net, X, y) -> float:
    """Accuracy or R² of a network the command trained, on raw X."""
    if task == "classification":
        return float(np.mean(net.predict(X).astype(np.int64) == y))
    residual = np.sum((net.predict(X)[:, 0] - y) ** 2)
    return float(1 - residual / np.sum((y - y.mean()) ** 2))


TEST_ROWS = 1_800  # test rows a set's splits hold together by default


def default_splits(rows: int) -> int:
    """Splits whose 20 % test sets add up to about TEST_ROWS rows, at least 5."""
    return max(5, math.ceil(TEST_ROWS / math.ceil(0.2 * rows)))


def run_set(name: str, seeds: int | None, inits: int, folder: Path) -> dict:
    """Per split seed, each side's score averaged over the starting seeds 0 .. inits-1."""
    load, task = SETS[name]
    X, y = load()
    seeds = seeds or default_splits(len(X))
    estimator = GlassnetClassifier if task == "classification" else GlassnetRegressor
    scores = {"glassnet train": [], "GlassnetEstimator": [], "scikit-learn MLP": []}
    for seed in range(seeds):
        stratify = y if task == "classification" else None
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=stratify,
                                                  random_state=seed)  # fmt: skip
        split = {side: [] for side in scores}
        for init in range(inits):
            net = cli_default(task, X_tr, y_tr, init, folder)
            split["glassnet train"].append(cli_score(task, net, X_te, y_te))
            ours = estimator(random_state=init).fit(X_tr, y_tr)
            split["GlassnetEstimator"].append(score(task, ours, X_te, y_te))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                peer = sklearn_default(task, init).fit(X_tr, y_tr)
            split["scikit-learn MLP"].append(score(task, peer, X_te, y_te))
        for side, values in split.items():
            scores[side].append(float(np.mean(values)))
    ours, theirs = np.array(scores["glassnet train"]), np.array(scores["scikit-learn MLP"])
    return {
        "set": name,
        "role": "tuned on" if name in TUNED else "checked on",
        "metric": "accuracy" if task == "classification" else "R²",
        "rows": len(X),
        "scores": scores,
        "wins": int(np.sum(ours >= theirs - 1e-12)),
        "seeds": seeds,
        "inits": inits,
    }


def table(results: list[dict]) -> str:
    def cell(values) -> str:
        values = np.asarray(values)
        scale = 100 if values.max() <= 1 else 1
        return f"{scale * values.mean():.1f} ± {scale * values.std():.1f}"

    lines = [
        "| set | role | metric | `glassnet train` (default) | GlassnetClassifier/Regressor "
        "| scikit-learn MLP (default) | splits where CLI ≥ sklearn |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s = r["scores"]
        metric = r["metric"] + (" %" if r["metric"] == "accuracy" else " ×100")
        cells = [f"{r['set']} ({r['rows']} rows)", r["role"], metric, cell(s["glassnet train"]),
                 cell(s["GlassnetEstimator"]), cell(s["scikit-learn MLP"]),
                 f"{r['wins']}/{r['seeds']}"]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def grid_search_digits() -> None:
    """GridSearchCV(n_jobs=2) over GlassnetClassifier's weight decay and hidden width on digits,
    5-fold: the wall time, the best parameters and score, and the held-out test score."""
    from sklearn.model_selection import GridSearchCV

    X, y = sk_datasets.load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    grid = {"weight_decay": [0.01, 0.1], "hidden": [(64, 32), (128,)]}
    search = GridSearchCV(GlassnetClassifier(random_state=0), grid, cv=5, n_jobs=2)
    started = time.perf_counter()
    search.fit(X_tr, y_tr)
    seconds = time.perf_counter() - started
    print(f"GridSearchCV(n_jobs=2), {len(search.cv_results_['params'])} candidates × 5 folds "
          f"+ refit on digits: {seconds:.1f} s; best {search.best_params_}, "
          f"CV accuracy {100 * search.best_score_:.2f} %, test accuracy "
          f"{100 * search.score(X_te, y_te):.2f} %")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds", type=int, help=f"split seeds (default: enough for ~{TEST_ROWS:,} test rows)"
    )
    parser.add_argument(
        "--inits", type=int, default=3, help="starting seeds per split, both sides (default 3)"
    )
    parser.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS))
    parser.add_argument("--json", metavar="FILE", help="also write the scores as JSON")
    parser.add_argument("--grid", action="store_true", help="time a GridSearchCV on digits")
    args = parser.parse_args()
    if (args.seeds is not None and args.seeds < 1) or args.inits < 1:
        parser.error("--seeds and --inits must be at least 1")
    if args.grid:
        grid_search_digits()
        return
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        results = [run_set(name, args.seeds, args.inits, Path(folder)) for name in args.sets]
    print(table(results))
    splits = f"{args.seeds} splits" if args.seeds else f"splits for ~{TEST_ROWS:,} test rows a set"
    print(f"\n{splits} x {args.inits} starting seeds, "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
