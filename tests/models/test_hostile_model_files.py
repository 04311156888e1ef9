"""The fixed corpus of hostile model files (tests/hostile_model_corpus.py) as regression tests, the
command line's one-line errors, files written before the header checksum, bounded reading."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import glassnet as gn
import hostile_model_corpus as hc
from glassnet.models import files


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return hc.bases(tmp_path_factory.mktemp("bases"))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case", hc.corpus(), ids=lambda case: case.name)
def test_every_hostile_file_is_one_clear_error_and_every_good_one_loads(case, made, tmp_path):
    result = hc.outcome(case, hc.build(case, made, tmp_path), made)
    wanted = "clear error" if case.expect == "error" else "accepted correctly"
    assert result == wanted


@pytest.mark.parametrize(
    ("name", "command", "message"),
    [
        ("card: nested 200,000 deep", "info", "nested more than 64 levels"),
        ("raw: one header byte flipped (a class label)", "info", "failed its checksum"),
        ("tensor: Standardize std 0", "predict", "must be positive"),
        ("trainer: epoch missing", "resume", "trainer state epoch must be an integer"),
        ("trainer: optimizer slot missing", "resume", "trainer state does not fit"),
    ],
)
def test_the_command_line_prints_one_error_line_and_exits_1(
    glassnet, made, tmp_path, name, command, message
):
    case = next(case for case in hc.corpus() if case.name == name)
    path = hc.build(case, made, tmp_path)
    if command == "resume":
        result = glassnet("train", "--resume", path, "--quiet", cwd=tmp_path)
    elif command == "predict":
        result = glassnet("predict", path, "1,2", cwd=tmp_path)
    else:
        result = glassnet("info", path, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines


def test_every_card_field_has_a_rule():
    """A card field added without a line in FIELD_RULES would make every file unreadable."""
    from dataclasses import fields

    from glassnet.card import FIELD_RULES, ModelCard

    assert {f.name for f in fields(ModelCard)} == set(FIELD_RULES)


def test_a_file_written_before_the_header_checksum_still_loads(tmp_path):
    metadata, _ = hc.parts(hc.LEGACY)
    assert files.METADATA_CHECKSUM not in metadata  # written by main before issue 15
    net = gn.load(hc.LEGACY)
    X = np.random.default_rng(0).normal(size=(30, 2))
    expected = np.load(hc.LEGACY.with_suffix(".predictions.npy"))
    np.testing.assert_array_equal(net.predict(X), expected)
    again = net.save(tmp_path / "again.glassnet")
    assert files.METADATA_CHECKSUM in hc.parts(again)[0]
    np.testing.assert_array_equal(gn.load(again).predict(X), expected)


def test_a_legacy_file_still_refuses_a_schema_violation(tmp_path):
    """Without the header checksum the schema still holds: NaN weights are refused."""
    metadata, tensors = hc.parts(hc.LEGACY)
    tensors["layers.1.W"] = hc.nan_at(tensors["layers.1.W"].copy())
    metadata["checksum"] = files.checksum(tensors)
    path = hc.write(tmp_path / "old.glassnet", metadata, tensors, seal=False)
    with pytest.raises(gn.errors.ModelFileError, match="NaN or infinite"):
        gn.load(path)


def test_the_header_is_read_and_bounded_before_the_tensors(tmp_path):
    """A 3 GB file (sparse) behind a good-looking header: refused without reading 3 GB, in a
    process whose address space is capped at 1.5 GB."""
    net, _ = hc.classifier()
    data = net.save(tmp_path / "m.glassnet").read_bytes()
    big = tmp_path / "big.glassnet"
    with open(big, "wb") as handle:
        handle.write(data)
        handle.truncate(3 * 1024**3)
    script = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024**2, 1536 * 1024**2))
        import glassnet as gn
        try:
            gn.load({str(big)!r})
        except gn.GlassnetError as exc:
            print(exc)
            # VmHWM, not ru_maxrss: the latter keeps the forking parent's peak across exec
            status = open("/proc/self/status").read().split("VmHWM:")[1]
            print(status.split()[0])
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    message, peak_kb = result.stdout.strip().splitlines()
    assert "has bytes after its tensors" in message, result.stderr
    assert int(peak_kb) < 500 * 1024  # kilobytes: nowhere near the file's 3 GB


def test_checkpoint_written_today_resumes_from_its_run_folder(tmp_path):
    """--resume takes the run folder too: its checkpoint.glassnet is the latest."""
    import threading

    stop = threading.Event()

    def stop_in_epoch_2(event):
        if event["event"] == "batch" and event["epoch"] == 2:
            stop.set()

    config = gn.RunConfig(data="xor-clusters", epochs=4, run_dir=str(tmp_path / "run"))
    first = gn.run(config, callbacks=[stop_in_epoch_2], stop=stop)
    assert first.checkpoint == tmp_path / "run" / "checkpoint.glassnet"
    finished = gn.run(gn.RunConfig(resume=str(tmp_path / "run")))
    assert len(finished.history) == 4 and not first.checkpoint.exists()
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["epochs"] == 4


def test_save_refuses_a_card_the_reader_would_refuse(tmp_path):
    net, _ = hc.classifier()
    net.card.classes = ["only", "two"]  # the network has 3 outputs
    with pytest.raises(gn.ValidationError, match="cannot save .* 2 class labels for 3 classes"):
        net.save(tmp_path / "m.glassnet")
    assert not (tmp_path / "m.glassnet").exists()
