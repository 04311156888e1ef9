"""A scikit-learn grid search over glassnet's estimator, run on a Dask cluster by joblib.

    python examples/sklearn_dask_gridsearch.py                     a local cluster: 2 workers
    python examples/sklearn_dask_gridsearch.py tcp://HOST:8786     an existing cluster

The search is ordinary scikit-learn; `joblib.parallel_backend("dask")` sends each (candidate,
fold) fit to the cluster's workers. Every worker needs glassnet and scikit-learn installed
(`pip install 'glassnet[sklearn,dask]'`); docs/sweeps.md tells how to start a scheduler and
workers on several machines. Each worker process trains on one BLAS thread.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time

import joblib
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split

from glassnet.sklearn import GlassnetClassifier

GRID = {"hidden": [(64,), (128,)], "weight_decay": [0.01, 0.1]}


def main(address: str | None = None) -> None:
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0,
                                                        stratify=y)  # fmt: skip
    with contextlib.ExitStack() as stack:
        if address is None:  # a cluster of our own, closed (workers ended) when done
            cluster = stack.enter_context(LocalCluster(n_workers=2, threads_per_worker=1,
                                          host="127.0.0.1", dashboard_address=None,
                                          silence_logs=logging.ERROR))  # fmt: skip
            address = cluster.scheduler_address
        client = stack.enter_context(Client(address))
        print(f"cluster {address}: {len(client.scheduler_info()['workers'])} workers")
        search = GridSearchCV(GlassnetClassifier(random_state=0), GRID, cv=5)
        started = time.perf_counter()
        with joblib.parallel_backend("dask"):
            search.fit(X_train, y_train)
        seconds = time.perf_counter() - started
    print(f"{len(search.cv_results_['params'])} candidates × 5 folds in {seconds:.1f} s")
    print(f"best {search.best_params_}: cross-validated accuracy {search.best_score_:.2%}, "
          f"held-out accuracy {search.score(X_test, y_test):.2%}")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
