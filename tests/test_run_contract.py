"""The run directory is the whole contract: a run renders from any folder and on a machine without
its data, with the same text; a current analysis.json is used as written (never recomputed behind
the user's back); a run still training is not rendered, and the default run is the newest finished
one by its start time; a tuning trial is trained and evaluated, not analysed."""

from __future__ import annotations

import html.parser
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader
from typer.testing import CliRunner

import reportgen.analysis.pipeline
from reportgen import api
from reportgen.cli import app
from reportgen.rundir import RunDir, is_training, newest_run, training_lock, write_model
from reportgen.schema.analysis import Analysis, StageActivation
from reportgen.schema.base import ANALYSIS_VERSION
from reportgen.schema.run import EnvironmentFile, MetricsFile

from helpers import TUNE_TABLE, write_experiment

REPO = Path(__file__).resolve().parent.parent


def image_folder(root: Path, per_class: int) -> None:
    rng = np.random.default_rng(0)
    for name in ("bright", "dark"):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            base = 200 if name == "bright" else 40
            pixels = np.clip(rng.normal(base, 20, (16, 16, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")


@pytest.fixture(scope="module")
def relative_run(tmp_path_factory):
    """A run trained from `start/` with `data.root = "data/images"`, a path relative to it."""
    start = tmp_path_factory.mktemp("start")
    image_folder(start / "data" / "images" / "train", per_class=10)
    image_folder(start / "data" / "images" / "test", per_class=3)
    experiment = write_experiment(start, ('dataset = "synthetic"',
                                          'dataset = "imagefolder"\nroot = "data/images"\ntest_dir = "test"\n'
                                          "val_split = 4\nnum_workers = 0"))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(start)
        mp.setenv("REPORTGEN_CACHE", str(start / "cache"))
        return start / api.run(experiment.name, runs_dir="runs")


def elsewhere(tmp_path, monkeypatch) -> Path:
    """An empty working directory: nothing relative to the run's start resolves there."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.mark.slow
def test_the_data_root_is_resolved_when_the_run_starts(relative_run, tmp_path, monkeypatch):
    environment = EnvironmentFile.model_validate_json((relative_run / "environment.json").read_text())
    assert Path(environment.data_root).is_absolute() and Path(environment.data_root).is_dir()
    assert 'root = "data/images"' in (relative_run / "experiment.toml").read_text()  # as the user wrote it
    elsewhere(tmp_path, monkeypatch)
    run = tmp_path / "run"
    shutil.copytree(relative_run, run)
    (run / "analysis.json").unlink()
    analysis = reportgen.analysis.load_analysis(run)  # analysed again from another folder: the data is found
    assert analysis.dataset.samples_figure and not any(n.key == "data_unavailable" for m in analysis.models
                                                       for n in m.notes)


@pytest.mark.slow
def test_the_run_records_the_machine_s_cpus_and_its_load_while_training(relative_run):
    environment = EnvironmentFile.model_validate_json((relative_run / "environment.json").read_text())
    metrics = MetricsFile.model_validate_json((relative_run / "c" / "metrics.json").read_text())
    assert environment.cpu_count == os.cpu_count() and metrics.load_average is not None and metrics.load_average >= 0
    analysis = reportgen.analysis.load_analysis(relative_run)
    assert analysis.environment.cpu_count == os.cpu_count() and analysis.models[0].load_average == metrics.load_average


@pytest.mark.slow
def test_the_stored_experiment_is_not_checked_against_this_machine_s_files(handmade_run, tmp_path, monkeypatch):
    """The tuning summary and the data root named in experiment.toml were on the training machine."""
    stored = tomllib.loads((handmade_run / "experiment.toml").read_text())
    stored["report"]["tuning"] = str(tmp_path / "gone" / "summary.json")
    (handmade_run / "experiment.toml").write_text(tomli_w.dumps(stored))
    elsewhere(tmp_path, monkeypatch)
    assert api.render(handmade_run, "pptx").is_file()


class TextOnly(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def document_text(path: Path) -> str:
    """What a reader sees in a rendered document, without its layout."""
    if path.suffix == ".pdf":
        return "\n".join(page.extract_text() for page in PdfReader(path).pages)
    if path.suffix == ".pptx":
        return "\n".join(shape.text_frame.text for slide in Presentation(path).slides for shape in slide.shapes
                         if shape.has_text_frame)
    parser = TextOnly()
    parser.feed(path.read_text(encoding="utf-8"))
    return "".join(parser.parts)


@pytest.mark.slow
def test_a_copied_run_without_its_data_renders_the_same_text_from_anywhere(relative_run, tmp_path, monkeypatch):
    before = {fmt: document_text(api.render(relative_run, fmt, out=tmp_path / f"before.{fmt}"))
              for fmt in ("pdf", "pptx", "html")}
    moved = tmp_path / "moved"
    shutil.copytree(relative_run, moved)
    data = Path(EnvironmentFile.model_validate_json((moved / "environment.json").read_text()).data_root)
    hidden = data.with_name("gone")
    data.rename(hidden)  # the dataset is not on this machine
    try:
        elsewhere(tmp_path, monkeypatch)
        for fmt, text in before.items():
            assert document_text(api.render(moved, fmt)) == text, fmt
    finally:
        hidden.rename(data)


@pytest.mark.slow
def test_a_current_analysis_with_values_that_are_not_finite_is_used_without_recompute(handmade_run, monkeypatch):
    analysis = reportgen.analysis.analyse(handmade_run)
    cases = analysis.models[0].feature_maps
    assert cases, "the hand-made run has feature maps"
    # A model whose activations overflowed: the stage's mean is not a number.
    cases[0].stages[0] = StageActivation(**{**cases[0].stages[0].model_dump(), "mean": float("nan")})
    write_model(handmade_run / "analysis.json", analysis)
    assert '"mean": null' in (handmade_run / "analysis.json").read_text()

    def no_analysis(*args, **kwargs):
        raise AssertionError("analysed again")

    monkeypatch.setattr(reportgen.analysis.pipeline, "analyse_files", no_analysis)
    monkeypatch.setattr(reportgen.analysis.pipeline, "analyse", no_analysis)
    assert reportgen.analysis.load_analysis(handmade_run).models[0].feature_maps[0].stages[0].mean is None
    result = CliRunner().invoke(app, ["render", str(handmade_run), "--format", "pptx"])
    assert result.exit_code == 0 and result.stderr == "", (result.output, result.exception)


@pytest.mark.slow
def test_a_deleted_figure_is_no_reason_to_analyse_again(handmade_run, monkeypatch):
    reportgen.analysis.analyse(handmade_run)
    api.render(handmade_run, "html")  # draws the figures into figures/id/
    shutil.rmtree(handmade_run / "figures")
    monkeypatch.setattr(reportgen.analysis.pipeline, "analyse_files", lambda *a, **k: pytest.fail("analysed again"))
    assert api.render(handmade_run, "pptx").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("stored", [{"run_dir": "x"}, "not json"], ids=["written before versions", "damaged"])
def test_an_analysis_of_another_version_is_recomputed_saying_why(handmade_run, stored):
    (handmade_run / "analysis.json").write_text(stored if isinstance(stored, str) else json.dumps(stored))
    result = CliRunner().invoke(app, ["render", str(handmade_run), "--format", "html"])
    assert result.exit_code == 0, (result.output, result.exception)
    why = result.stderr.splitlines()[0]
    assert why.startswith(str(handmade_run / "analysis.json")) and "analysing the run again" in why
    assert "analysing Small CNN (1/2)" in result.stderr  # and its progress
    assert Analysis.model_validate_json((handmade_run / "analysis.json").read_text()).schema_version == ANALYSIS_VERSION


# --- a run in progress ----------------------------------------------------------------------

def test_a_run_still_training_is_not_rendered(handmade_run):
    with training_lock(RunDir(handmade_run)):
        result = CliRunner().invoke(app, ["render", str(handmade_run), "--format", "html"])
    assert result.exit_code == 2 and "still training" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (handmade_run / "analysis.json").exists()  # nothing written into the live run


@pytest.mark.slow
def test_a_killed_run_does_not_stay_training(handmade_run):
    holds_the_lock = ("import sys, time\nfrom pathlib import Path\n"
                      "from reportgen.rundir import RunDir, training_lock\n"
                      "with training_lock(RunDir(Path(sys.argv[1]))):\n"
                      "    print('held', flush=True)\n    time.sleep(600)")
    holder = subprocess.Popen([sys.executable, "-c", holds_the_lock, str(handmade_run)], stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout.readline().strip() == "held"
        assert is_training(RunDir(handmade_run))
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert (handmade_run / "run.lock").exists() and not is_training(RunDir(handmade_run))


def fake_run(runs: Path, name: str, started: str, finished: bool = True) -> Path:
    """A run folder as newest_run sees it: its start time, analysis.json, and run.lock while unfinished."""
    path = runs / "exp" / name
    path.mkdir(parents=True)
    write_model(path / "environment.json", EnvironmentFile(started=started))
    (path / "analysis.json").write_text("{}")
    if not finished:
        (path / "run.lock").write_text("")
    return path


def test_the_default_run_is_the_newest_finished_one_by_its_start_time(tmp_path):
    runs = tmp_path / "runs"
    later = fake_run(runs, "b", "2026-03-01T10:00:00")
    earlier = fake_run(runs, "a", "2026-02-01T10:00:00")
    fake_run(runs, "c", "2026-04-01T10:00:00", finished=False)  # newer, but killed or still training
    os.utime(earlier, (time.time() + 100, time.time() + 100))  # rendering an old run touches its folder
    assert newest_run(runs).path == later


# --- tuning trials --------------------------------------------------------------------------

@pytest.mark.slow
def test_a_tuning_trial_is_trained_and_evaluated_but_not_analysed(tmp_path, monkeypatch):
    from reportgen.progress import Reporter
    from reportgen.tune import search

    monkeypatch.chdir(tmp_path)
    path = write_experiment(tmp_path, ("fc_neurons = 16 }\n", "fc_neurons = 16 }\n" + TUNE_TABLE))
    out = search(path, [], tmp_path / "runs", None, 1, Reporter(quiet=True))
    (trial,) = json.loads((out / "summary.json").read_text())["trials"]
    folder = Path(trial["run_dir"])
    assert (folder / "c" / "metrics.json").is_file() and trial["state"] == "complete"
    assert not (folder / "analysis.json").exists() and not list(folder.rglob("figures"))
    assert not (folder / "run.lock").exists()  # finished
