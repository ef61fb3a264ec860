"""Hostile input through the command line, as an adversarial user would type it. For each: the exit
code, exactly one line on stderr, no traceback, and nothing written outside the run directory
(for a refused `run`, nothing written at all)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from helpers import TUNE_TABLE, write_experiment
from reportgen.cli import app

def csv_outside_root(folder: Path) -> tuple[str, str]:
    (folder / "data" / "train").mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(folder / "secret.png")
    rows = ["filename,label"] + [f"../../secret.png,{k % 2}" for k in range(8)]
    (folder / "data" / "train.csv").write_text("\n".join(rows) + "\n")
    return 'dataset = "synthetic"', f'dataset = "csv"\nroot = "{folder / "data"}"'


RUN_CASES = {
    "malformed TOML": (lambda f: ("[train]", "[train\n"), "not valid TOML"),
    "unknown key": (lambda f: ("epochs = 1", "epochs = 1\nlearning_rate = 0.1"), "unknown key"),
    "wrong type": (lambda f: ("epochs = 1", 'epochs = "one"'), "`train.epochs`"),
    "negative learning rate": (lambda f: ("epochs = 1", "epochs = 1\nlr = -1"), "`train.lr`"),
    "unknown arch": (lambda f: ('arch = "cnn"', 'arch = "resnet9000"'), "unknown arch"),
    "missing dataset root": (lambda f: ('dataset = "synthetic"', 'dataset = "imagefolder"\nroot = "/nonexistent"'),
                             "does not exist"),
    "image size the cnn cannot pool": (lambda f: ("image_size = 16", "image_size = 20"), "divisible by 8"),
    "logo that is not an image file": (lambda f: ('name = "t"', 'name = "t"\n[report]\nlogo = "x.gif"'),
                                       "must be a PNG or JPEG"),
    "CSV naming a file outside its folder": (csv_outside_root, "outside the image folder"),
}


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", list(RUN_CASES))
def test_hostile_experiments_are_refused_in_one_line_before_anything_is_written(sandbox, case):
    make_edit, message = RUN_CASES[case]
    path = write_experiment(sandbox, make_edit(sandbox))
    before = files_under(sandbox)
    result = CliRunner().invoke(app, ["run", str(path), "--runs-dir", str(sandbox / "runs")])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert "Traceback" not in result.output
    assert files_under(sandbox) == before  # not even an empty run directory


RENDER_CASES = {
    "no such run": (["/nonexistent/run", "--format", "pdf"], 2, "no such run directory"),
    "unknown format": (["{run}", "--format", "docx"], 2, "format must be one of pdf, html, pptx"),
    "unknown language": (["{run}", "--format", "pdf", "--lang", "fr"], 2, "language must be id or en"),
    "output that is a folder": (["{run}", "--format", "pdf", "--out", "{sandbox}"], 2, "is a folder"),
    "output of another format": (["{run}", "--format", "pdf", "--out", "{sandbox}/x.html"], 2, "does not end in .pdf"),
    "tampered figure path": (["{run}", "--format", "html"], 2, "names a figure by an invalid id"),
    "a password in the storage URL": (["tune"], 2, "cannot open the study storage"),
}


@pytest.mark.parametrize("case", list(RENDER_CASES))
def test_hostile_commands_on_a_finished_run_fail_in_one_line(sandbox, analysed_run, case):
    args, code, message = RENDER_CASES[case]
    if case == "tampered figure path":
        stored = json.loads((analysed_run / "analysis.json").read_text())
        # a figure id leading to a file outside the run (as a cached figure: its name with .png)
        (sandbox / "secret.png").write_bytes(b"private bytes")
        stored["comparison"]["figures"]["curves"] = "../" * 12 + str(sandbox / "secret").lstrip("/")
        (analysed_run / "analysis.json").write_text(json.dumps(stored))
    if args == ["tune"]:
        path = write_experiment(sandbox, ("fc_neurons = 16 }\n", "fc_neurons = 16 }\n" + TUNE_TABLE))
        args = ["tune", str(path), "--storage", "postgresql://bob:s3cret@127.0.0.1:1/db", "--runs-dir", "runs"]
    else:
        args = ["render"] + [a.format(run=analysed_run, sandbox=sandbox) for a in args]
    before = files_under(sandbox)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == code, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert "Traceback" not in result.output and "s3cret" not in result.output
    assert {p for p in files_under(sandbox) - before if not p.is_relative_to(analysed_run)} == set()
