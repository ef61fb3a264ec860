"""Hostile run directories: a run copied from someone else may hold links to private files, FIFOs,
huge or damaged files. Every row: exit code 2, exactly one line on stderr, no traceback, and the
bytes of a private file outside the run in no output (not on the terminal, not in any file written)."""

from __future__ import annotations

import base64
import errno
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportgen.cli import app
from reportgen.rundir import RunDir, training_lock


SECRET = b"root:$6$SECRET-shadow-line-0123456789:19000:0:99999:7:::\n"
ENV_SECRET = b'AWS_SECRET_ACCESS_KEY = "SECRET-aws-key-0123456789"\n'  # a .env that parses as Python


@pytest.fixture
def sandbox(tiny_trained, tmp_path, monkeypatch):
    """A copy of the finished run in an empty folder, with private files beside it."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(tiny_trained[0], tmp_path / "run")
    (tmp_path / "shadow").write_bytes(SECRET)
    (tmp_path / "project.env").write_bytes(ENV_SECRET)
    return tmp_path


def link(target: str, name: str):
    def tamper(run: Path, sandbox: Path) -> None:
        (run / name).unlink(missing_ok=True)
        (run / name).symlink_to(sandbox / target)
    return tamper


def write(name: str, content: bytes, analysed: bool = False):
    """Replace a run file; without `analysed`, analysis.json goes too, so the file is read."""
    def tamper(run: Path, sandbox: Path) -> None:
        (run / name).write_bytes(content)
        if not analysed:
            (run / "analysis.json").unlink()
    return tamper


def fifo(name: str):
    def tamper(run: Path, sandbox: Path) -> None:
        (run / name).unlink(missing_ok=True)
        os.mkfifo(run / name)  # opening it for reading would wait for a writer forever
    return tamper


def without_analysis(tamper):
    def both(run: Path, sandbox: Path) -> None:
        tamper(run, sandbox)
        (run / "analysis.json").unlink()
    return both


def huge(name: str):
    def tamper(run: Path, sandbox: Path) -> None:
        with open(run / name, "wb") as f:
            f.truncate(300 << 20)  # sparse: 300 MB that take no disk
    return tamper


RENDER = ["render", "{run}", "--format"]
RESUME = ["run", "{experiment}", "--resume", "{run}"]
CASES = {
    # name: (tamper, command, what the one line says)
    "linked logo, html": (link("shadow", "logo.png"), RENDER + ["html"], "outside the run directory"),
    "linked logo, pptx": (link("shadow", "logo.png"), RENDER + ["pptx"], "outside the run directory"),
    "linked logo, pdf": (link("shadow", "logo.png"), RENDER + ["pdf"], "outside the run directory"),
    "FIFO logo": (fifo("logo.png"), RENDER + ["html"], "not a regular file"),
    "linked model code": (without_analysis(link("project.env", "c/model.py")), RENDER + ["html"],
                          "outside the run directory"),
    "linked analysis": (link("shadow", "analysis.json"), RENDER + ["html"], "outside the run directory"),
    "linked checkpoint": (without_analysis(link("shadow", "c/best.pt")), RENDER + ["html"],
                          "outside the run directory"),
    "FIFO checkpoint": (without_analysis(fifo("c/best.pt")), RENDER + ["html"], "not a regular file"),
    "huge analysis": (huge("analysis.json"), RENDER + ["html"], "more than any .json file reportgen writes"),
    "garbage experiment": (write("experiment.toml", b"[[[ not toml"), RENDER + ["html"], "experiment.toml is damaged"),
    "experiment not UTF-8": (write("experiment.toml", b"name = \"\xff\xfe\""), RENDER + ["html"], "not UTF-8"),
    "garbage experiment at resume": (write("experiment.toml", b"[[[ not toml", analysed=True), RESUME,
                                     "experiment.toml is damaged"),
    "truncated dataset": (write("dataset.json", b'{"schema_version": 1, "name": "synth'), RENDER + ["html"],
                          "dataset.json is damaged"),
    "dataset missing fields": (write("dataset.json", b'{"schema_version": 1, "name": "x"}'), RENDER + ["html"],
                               "dataset.json is damaged (classes: Field required)"),
    "truncated environment": (write("environment.json", b'{"device": "cp'), RENDER + ["html"],
                              "environment.json is damaged"),
    "environment a list": (write("environment.json", b"[1, 2]"), RENDER + ["html"], "environment.json is damaged"),
    "environment a list at resume": (write("environment.json", b"[1, 2]", analysed=True), RESUME,
                                     "environment.json is damaged"),
    "empty tuning summary": (write("tuning.json", b"{}"), RENDER + ["html"], "tuning.json is damaged"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_run_directory_is_refused_in_one_line(sandbox, tiny_trained, case):
    tamper, command, message = CASES[case]
    run = sandbox / "run"
    tamper(run, sandbox)
    args = [a.format(run=run, experiment=tiny_trained[1]) for a in command]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, (result.output, result.exception)
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert_no_leak(sandbox, result.output)


def assert_no_leak(sandbox: Path, output: str) -> None:
    """Neither private file's bytes, nor their base64 (a data: URI), in the output or any file."""
    marks = [b"SECRET-"] + [base64.b64encode(secret) for secret in (SECRET, ENV_SECRET)]
    assert not any(mark.decode() in output for mark in marks)
    for path in sandbox.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.name not in ("shadow", "project.env"):
            data = path.read_bytes()
            assert not any(mark in data for mark in marks), path


def test_a_run_in_training_is_refused_in_one_line(sandbox):
    run = sandbox / "run"
    with training_lock(RunDir(run)):
        result = CliRunner().invoke(app, ["render", str(run), "--format", "pdf"])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "still training" in result.stderr and "Traceback" not in result.output


def test_a_read_only_run_without_its_analysis_is_one_line(sandbox, monkeypatch):
    """Rendering with --out elsewhere, after analysis.json was removed, on a read-only file system:
    the analysis (and its figures) cannot be written into the run, so it is refused, saying how."""
    run = sandbox / "run"
    (run / "analysis.json").unlink()
    real = tempfile.mkstemp

    def read_only(*args, dir=None, **kwargs):
        if dir is not None and Path(dir).resolve().is_relative_to(run.resolve()):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(dir))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    out = sandbox / "elsewhere" / "report.html"
    result = CliRunner().invoke(app, ["render", str(run), "--format", "html", "--out", str(out)])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Read-only file system" in result.stderr and f"cp -r {run}" in result.stderr
    assert "Traceback" not in result.output and not out.exists()
