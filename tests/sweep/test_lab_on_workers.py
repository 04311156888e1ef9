"""seeds, lr-range and compare-gd give the same records on worker processes as in this one."""

from __future__ import annotations

import pytest

from glassnet.lab import Problem, compare_gd, lr_range, run_seeds, xor_recipe
from glassnet.parallel import LocalExecutor


@pytest.fixture(scope="module")
def pool():
    with LocalExecutor(2) as executor:
        yield executor


def test_seeds(pool):
    problem, recipe = Problem.xor(), xor_recipe()
    here = run_seeds(problem, recipe, n=5, first_seed=3)
    there = run_seeds(problem, recipe, n=5, first_seed=3, executor=pool)
    assert there.to_dict() == here.to_dict()
    assert [o.seed for o in there.outcomes] == [3, 4, 5, 6, 7]


def test_lr_range(pool):
    problem = Problem.xor()
    recipe = problem.recipe((3,), optimizer="sgd")
    here = lr_range(problem, recipe, [0.01, 1.0, 1e4], epochs=3, batch_size=2)
    there = lr_range(problem, recipe, [0.01, 1.0, 1e4], epochs=3, batch_size=2, executor=pool)
    assert [t.to_dict() for t in there] == [t.to_dict() for t in here]


def test_compare_gd(pool):
    problem = Problem.xor()
    recipe = problem.recipe((3,), optimizer="sgd")
    here = compare_gd(problem, recipe, epochs=3, mini_batch=2)
    there = compare_gd(problem, recipe, epochs=3, mini_batch=2, executor=pool)
    untimed = [{k: v for k, v in r.to_dict().items() if k != "seconds"} for r in here]
    assert [{k: v for k, v in r.to_dict().items() if k != "seconds"} for r in there] == untimed
