"""The results table: what is written is read back exactly, in CSV and in JSON."""

from __future__ import annotations

import pytest

from glassnet.errors import ValidationError
from glassnet.sweep.results import check_path, read, write

ROWS = [
    {"trial": "a1b2c3d4e5f6", "lr": 0.1, "hidden": [16, 16], "batch_size": "full", "seed": 0,
     "status": "ok", "test_accuracy": 0.9666666666666667, "test_loss": 0.08713412284851074,
     "validation_accuracy": None, "validation_loss": None, "train_accuracy": 1.0,
     "train_loss": 1e-07, "epochs": 30, "seconds": 0.5123, "message": "", "worker": "h:12"},
    {"trial": "0f0f0f0f0f0f", "lr": 100.0, "hidden": [8], "batch_size": 32, "seed": 1,
     "status": "diverged", "test_accuracy": None, "test_loss": None,
     "validation_accuracy": None, "validation_loss": None, "train_accuracy": None,
     "train_loss": None, "epochs": None, "seconds": 0.01, "message": "cost became nan, lower "
     "the learning rate", "worker": "h:13"},
]  # fmt: skip
VARIED = ["lr", "hidden", "batch_size", "seed"]


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_rows_round_trip_exactly(tmp_path, suffix):
    path = tmp_path / f"results{suffix}"
    write(path, ROWS, VARIED)
    rows, varied = read(path)
    assert varied == VARIED
    assert rows == ROWS


def test_the_csv_reads_as_a_person_expects(tmp_path):
    path = tmp_path / "results.csv"
    write(path, ROWS, VARIED)
    lines = path.read_text().splitlines()
    assert lines[0].startswith("trial,lr,hidden,batch_size,seed,status,test_accuracy,")
    assert lines[1].startswith('a1b2c3d4e5f6,0.1,"[16, 16]",full,0,ok,0.9666666666666667,')


def test_a_file_that_is_not_a_results_table_is_refused(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(ValidationError, match="not a glassnet sweep results file"):
        read(other)
    with pytest.raises(ValidationError, match="results file .*missing.csv not found"):
        read(tmp_path / "missing.csv")
    with pytest.raises(ValidationError, match=r"--out must end in .csv or .json"):
        check_path(tmp_path / "results.txt")
    with pytest.raises(ValidationError, match="folder .*nowhere does not exist"):
        check_path(tmp_path / "nowhere" / "results.csv")
