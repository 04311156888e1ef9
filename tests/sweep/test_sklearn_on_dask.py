"""glassnet's scikit-learn estimators in GridSearchCV under joblib's Dask backend: a real
scheduler and two worker processes on 127.0.0.1. The fits run on the workers, and the search
finds what the same search finds in this process."""

from __future__ import annotations

import distributed
import joblib
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV

from glassnet.sklearn import GlassnetClassifier


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  silence_logs=40) as cluster:  # fmt: skip
        with distributed.Client(cluster) as client:
            yield client


def search() -> GridSearchCV:
    grid = {"hidden": [(4,), (16,)], "weight_decay": [0.01, 0.1]}
    return GridSearchCV(GlassnetClassifier(random_state=0, epochs=30), grid, cv=3)


def test_grid_search_runs_on_the_workers_and_equals_a_local_search(client):
    X, y = load_iris(return_X_y=True)
    local = search().fit(X, y)
    workers = set(client.scheduler_info()["workers"])
    with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
        remote = search().fit(X, y)
    ran_on = {task["worker"] for task in tasks.data}
    assert len(tasks.data) >= 12 and ran_on and ran_on <= workers
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], atol=1e-12
    )
    assert remote.best_params_ == local.best_params_
    assert remote.score(X, y) == pytest.approx(local.score(X, y))
