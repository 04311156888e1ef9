"""The estimators' tests fit hundreds of small networks: on one BLAS thread they run several
times faster on a loaded machine (the numbers are the same)."""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def one_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield
