"""Damaged run directories and unusable run folders: one line `error: ...` that names the
file and what to do, exit code 2, never a traceback; deleted figures are simply drawn again (and
figures whose data is gone are a sentence: tests/test_figure_cache.py)."""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from reportgen.cli import app
from reportgen.rundir import RunDir

TWO_EPOCHS = """
name = "tiny"
[data]
dataset = "synthetic"
num_classes = 3
samples_per_class = 12
image_size = 16
{data}
[train]
epochs = 2
batch_size = 8
[[models]]
arch = "cnn"
label = "Tiny CNN"
params = {{ conv_filters = [4, 8, 8], fc_neurons = 16 }}
"""


def experiment(tmp_path, data: str = "") -> str:
    path = tmp_path / "exp.toml"
    path.write_text(TWO_EPOCHS.format(data=data))
    return str(path)


def invoke(*args) -> str:
    """The CLI's output, after checking it failed the way a user can act on: exit 2, no traceback."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 2, (result.output, result.exception)
    assert "Traceback" not in result.output and "\nerror: " in "\n" + result.output
    return result.output


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A finished tiny run, copied by each test that damages it."""
    from reportgen import api

    tmp = tmp_path_factory.mktemp("trained")
    return api.run(experiment(tmp), runs_dir=tmp / "runs")


@pytest.fixture
def tiny_run(trained, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    return experiment(tmp_path), run


@pytest.mark.parametrize("content", [os.urandom(300), b"", "truncated"], ids=["random", "empty", "truncated"])
def test_a_damaged_last_checkpoint_is_named_with_how_to_restart_the_model(tiny_run, content):
    exp, run = tiny_run
    last = run / "tiny-cnn" / "last.pt"
    (run / "tiny-cnn" / "metrics.json").unlink()  # unfinished: --resume loads last.pt
    last.write_bytes(last.read_bytes()[:200] if content == "truncated" else content)
    out = invoke("run", exp, "--resume", run)
    assert str(last) in out and "delete it" in out.lower()


@pytest.mark.parametrize("content", [b"\x00\xff binary", b"{not json,\n1,2\n"], ids=["binary", "text"])
@pytest.mark.parametrize("name", ["metrics.json", "predictions.csv", "history.csv"])
def test_a_damaged_result_file_is_named_with_how_to_redo_the_model(handmade_run, name, content):
    damaged = handmade_run / "small-cnn" / name
    damaged.write_bytes(content)
    out = invoke("render", handmade_run, "--format", "html")
    assert str(damaged) in out and f"--resume {handmade_run}" in out and "delete it" in out.lower()


@pytest.mark.slow
@pytest.mark.parametrize("folder", ["figures", "figures/id/model/small-cnn"])
def test_deleted_figures_are_drawn_again(handmade_run, folder):
    CliRunner().invoke(app, ["render", str(handmade_run), "--format", "html"])
    shutil.rmtree(handmade_run / folder)
    result = CliRunner().invoke(app, ["render", str(handmade_run), "--format", "html"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert any((handmade_run / folder).iterdir())


def test_a_runs_dir_that_cannot_be_created_is_named(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    out = invoke("run", experiment(tmp_path), "--runs-dir", tmp_path / "file" / "runs")
    assert "cannot create the run directory" in out and str(tmp_path / "file" / "runs") in out


def test_runs_started_in_the_same_second_get_distinct_folders(tmp_path, monkeypatch):
    made, start, mkdir = [], threading.Barrier(8), Path.mkdir

    def slow_mkdir(self, *args, **kwargs):  # a slow file system: every thread checks before any creates
        time.sleep(0.05)
        mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", slow_mkdir)

    def create():
        start.wait()
        made.append(RunDir.create(tmp_path, "same").path)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(made)) == 8 and all(p.is_dir() for p in made)


def test_too_few_images_to_split_is_one_error_and_leaves_no_run_directory(tmp_path):
    out = invoke("run", experiment(tmp_path, "limit_train = 1"), "--runs-dir", tmp_path / "runs")
    assert "data.limit_train" in out and "too few" in out
    assert not list((tmp_path / "runs").glob("*/*"))


def test_a_corrupt_image_leaves_no_run_directory(tmp_path):
    for name in ("a", "b"):
        (tmp_path / "images" / "train" / name).mkdir(parents=True)
        for i in range(4):
            Image.new("RGB", (8, 8)).save(tmp_path / "images" / "train" / name / f"{i}.png")
    (tmp_path / "images" / "train" / "a" / "0.png").write_bytes(b"not a png")
    path = tmp_path / "exp.toml"
    path.write_text(TWO_EPOCHS.replace('"synthetic"', '"imagefolder"').format(data=f'root = "{tmp_path / "images"}"'))
    out = invoke("run", path, "--runs-dir", tmp_path / "runs")
    assert "0.png" in out
    assert not list((tmp_path / "runs").glob("*/*"))


def test_a_full_disk_mid_run_is_one_line_that_says_how_to_resume(tmp_path, monkeypatch):
    import errno

    import reportgen.rundir
    from typer.testing import CliRunner

    from reportgen.cli import app

    path = experiment(tmp_path)
    write = reportgen.rundir.atomic_write_bytes

    checkpoints = []

    def disk_fills_at_the_checkpoint(target, data):
        if target.name == "last.pt":
            checkpoints.append(target)
            if len(checkpoints) == 2:  # the first epoch is saved, the second is not
                raise OSError(errno.ENOSPC, "No space left on device", str(target))
        write(target, data)

    monkeypatch.setattr(reportgen.rundir, "atomic_write_bytes", disk_fills_at_the_checkpoint)
    result = CliRunner().invoke(app, ["run", str(path), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    error = result.stderr.strip().splitlines()[-1]  # after the progress lines
    assert error.startswith("error: cannot write") and "No space left on device" in error and "--resume" in error


def test_a_full_disk_before_the_first_saved_epoch_leaves_nothing_and_says_so(tmp_path, monkeypatch):
    import errno

    import reportgen.rundir
    from typer.testing import CliRunner

    from reportgen.cli import app

    path = experiment(tmp_path)
    write = reportgen.rundir.atomic_write_bytes

    def disk_full(target, data):
        if target.name == "last.pt":
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        write(target, data)

    monkeypatch.setattr(reportgen.rundir, "atomic_write_bytes", disk_full)
    result = CliRunner().invoke(app, ["run", str(path), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    error = result.stderr.strip().splitlines()[-1]
    assert "No space left on device" in error and "nothing was kept" in error and "--resume" not in error
    assert not any((tmp_path / "runs").rglob("last.pt"))
