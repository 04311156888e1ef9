"""Issue 15's hostile corpus (tests/hostile_data_corpus.py) as regression tests, run in-process.

Each case goes through `glassnet.cli.main.main(argv)` as a user's command would: a bad input
must end in exactly one `error:` line saying what is wrong (exit 1 or 2, no traceback), a
good one must give the right answer.  The downloads, the unreadable file and the bombs
have tests of their own below, which also bound memory, time and leftovers.
"""

import re

import pytest

from glassnet.cli.main import main
from hostile_data_corpus import CASES, make_models

# what the one error line must say, per case (the cases run by test_case below)
MESSAGES = {
    "truncated .npz": "cut.npz is not a readable .npz file without pickle .* truncated",
    "empty .npy": r"empty.npy is empty: it is not an .npy file",
    "zero-row .npy": r"none.npy holds an array of shape \(0, 3\), with no samples",
    "zero-row .npz": r"none.npz holds an array of shape \(0, 2\), with no samples",
    ".npy header claiming 10^12 rows": "huge.npy is truncated: its header describes a "
    "1000000000000 × 3 array of float64 .* but 64 bytes follow it",
    ".npz member claiming 10^12 rows": r"huge.npz \(member X.npy\) is truncated",
    "CSV field over 131,072 characters": "long.csv line 42 holds a value longer than 131,072 "
    "characters: a quote is probably left open",
    "duplicate column names": "dup.csv: the header names the column 'x1' more than once "
    r"\(columns 1, 2\)",
    "NaN labels": r"target 'label' \(row 42\) is 'nan': a label must be a finite number "
    r"or a name \(2 such labels\)",
    "inf label in .npz": r"target 'y' \(sample 3\) is inf: a label must be a finite number",
    "predict: ragged short row": "row 7 has 1 values but the header names 3 columns",
    "predict: ragged long row": "row 3 has 3 values but the header names 2 columns",
    "predict: NaN feature": r"column 'x1' \(row 3\) of .*nan.csv is 'nan', a missing value",
    "predict: duplicate column names": "the header names the column 'x1' more than once",
    "predict: inf in .npy": "inf.npy: feature 0 of sample 1 is inf: replace missing",
    "predict: zero-row .npy": r"none.npy holds an array of shape \(0, 2\), with no samples",
    "predict: truncated .npz": "cut.npz is not a readable .npz file without pickle",
    "zero-image IDX set": "train-images-idx3-ubyte.* holds no images",
    "verify: labels out of range": "training would refuse emnist-digits: .* holds labels "
    "from 10 to 15, but emnist-digits labels run from 0 to 9",
    "verify: image and label counts differ": "has 6 images but .* has 5 labels",
    "verify: 27×27 images": r"holds uint8 images of shape \(27, 27\), not uint8 28×28",
    "verify: image and label files swapped": "holds a 1-D array .* where a 3-D one was expected",
    "verify: int16 images": r"holds int16 images of shape \(28, 28\)",
    "verify: zero images": "holds no images",
    "verify: labels stored 2-D": "holds a 2-D array .* where a 1-D one was expected",
    "decompression-bomb PNG (400 MP)": "bomb.png is too large to decode safely",
    "100-megapixel PNG (above Pillow's limit)": "large.png is too large to decode safely",
    "truncated PNG": "cut.png is not an image Pillow can read",
}
IN_PROCESS = [c for c in CASES if c.name in MESSAGES or (c.expect == "ok" and not c.handler)]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return make_models(tmp_path_factory.mktemp("models"))


@pytest.mark.parametrize("case", IN_PROCESS, ids=[c.name for c in IN_PROCESS])
def test_case(case, models, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GLASSNET_MIRROR", "http://127.0.0.1:9/")  # never the internet
    monkeypatch.chdir(tmp_path)
    status = main(case.build(tmp_path, models))
    out, err = capsys.readouterr()
    if case.expect == "ok":
        assert status == 0, err
        assert case.check(tmp_path, out) is None
        return
    if case.name.startswith("verify"):
        out, err = "", out + err  # verify prints its report, and its error line, on stdout
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert status == 1 and len(errors) == 1, err
    assert "Traceback" not in err
    assert re.search(MESSAGES[case.name], err), err


def test_every_case_of_the_corpus_is_tested():
    tested_elsewhere = {
        "unreadable file (user nobody)",
        "gzip bomb (2 GB) in a read-only folder",
        "downloaded files honour the umask",
        "48-megapixel photo",
        "drip-feed mirror (1 byte / 0.5 s)",
        "endless response",
        "Content-Length of 5 GB",
        "SIGTERM mid-download",
    }
    assert {c.name for c in CASES} == {c.name for c in IN_PROCESS} | tested_elsewhere
