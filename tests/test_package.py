"""reportgen as users install it: a wheel, not this checkout. The wheel must carry every template,
phrase table and asset, and render all three formats from outside the project folder."""

from __future__ import annotations

import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import reportgen
from helpers import starter_data
from reportgen import api
from reportgen.renderers import FORMATS
from reportgen.rundir import RunDir, read_run_csv
from reportgen.starters import TEMPLATES, marked_keys

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = {"templates": "reportgen/templates", "assets": "reportgen/assets", "experiments": "reportgen/experiments"}


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_pyproject_lists_every_package():
    listed = set(pyproject()["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "reportgen").rglob("__init__.py")}
    assert listed == found | {"reportgen.templates", "reportgen.assets", "reportgen.experiments"}


def test_no_submodule_replaces_the_api_functions():
    # `reportgen.render` is the API function; a subpackage of that name would replace it once imported.
    for module in pkgutil.walk_packages(reportgen.__path__, "reportgen."):
        importlib.import_module(module.name)
    assert reportgen.render is api.render and reportgen.run is api.run


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Built from a copy: setuptools' build/ folder in a checkout can carry files of older builds.
    source, out = tmp_path_factory.mktemp("source") / "reportgen", tmp_path_factory.mktemp("wheel")
    local = {".git", ".venv", "build", "dist", "runs", "data", ".pytest_cache"}  # top-level folders of a checkout

    def ignore(folder: str, names: list[str]) -> set[str]:
        top = Path(folder) == ROOT
        return {n for n in names if n == "__pycache__" or n.endswith(".egg-info") or (top and n in local)}

    shutil.copytree(ROOT, source, ignore=ignore)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(source)], check=True, capture_output=True)
    return next(out.glob("reportgen-*.whl"))


@pytest.mark.slow  # builds the wheel
def test_wheel_contains_every_template_phrase_table_and_asset(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, package in SHIPPED.items():
        files = [p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        assert files
        missing = [str(p) for p in files if f"{package}/{p.relative_to(ROOT / folder).as_posix()}" not in names]
        assert not missing, f"not in the wheel: {missing}"


# --- `reportgen init`: the starters, from the installed wheel ----------------------------------------------

@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict:
    """The environment of a process that imports the installed wheel, not this checkout."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    return {**os.environ, "PYTHONPATH": str(target)}


def reportgen_cli(env: dict, folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reportgen", *args], cwd=folder, env=env, capture_output=True,
                          text=True)


@pytest.mark.slow  # installs the wheel (every test of `installed` does)
@pytest.mark.parametrize("template", list(TEMPLATES))
def test_init_writes_every_starter_from_the_wheel_and_it_validates_once_pointed_at_data(template, installed,
                                                                                         tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    result = reportgen_cli(installed, folder, "init", "--template", template)
    assert result.returncode == 0, result.stderr
    written = folder / TEMPLATES[template]
    assert written.read_text() == (ROOT / "experiments" / TEMPLATES[template]).read_text()  # one source
    assert f"reportgen run {TEMPLATES[template]}" in result.stdout
    text = written.read_text()
    dataset = tomllib.loads(text)["data"]["dataset"]
    # Data the user must bring is marked, and the message names the marked keys.
    assert ("data.root" in marked_keys(text)) == (dataset in ("imagefolder", "csv", "cifar10"))
    assert all(key in result.stdout for key in marked_keys(text))
    validate = ("import sys; from reportgen.config import load_experiment; "
                "load_experiment(sys.argv[1], sys.argv[2:]); print('valid')")
    check = subprocess.run([sys.executable, "-c", validate, str(written), *starter_data(dataset, tmp_path)],
                           cwd=folder, env=installed, capture_output=True, text=True)
    assert check.stdout.strip() == "valid", check.stderr
    again = reportgen_cli(installed, folder, "init", "--template", template)
    assert again.returncode == 2 and "already exists" in again.stderr  # never overwritten


@pytest.mark.slow
def test_init_refuses_an_unknown_template_in_one_line(installed, tmp_path):
    result = reportgen_cli(installed, tmp_path, "init", "--template", "mnist")
    assert result.returncode == 2 and result.stderr.strip() == (
        "error: --template 'mnist' is not a starter; choose one of: demo, imagefolder, csv, cifar10, tuning, resnet34")
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_render_without_a_run_suggests_init_after_an_install(installed, tmp_path):
    result = reportgen_cli(installed, tmp_path, "render")
    assert result.returncode == 2 and "`reportgen init && reportgen run demo.toml`" in result.stderr


@pytest.fixture(scope="module")
def demo(installed, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The demo as a new user runs it after `pip install`: init, then a one-epoch run of both models;
    the folder and the run's process."""
    folder = tmp_path_factory.mktemp("demo")
    assert reportgen_cli(installed, folder, "init").returncode == 0
    return folder, reportgen_cli(installed, folder, "run", "demo.toml", "--set", "train.epochs=1")


@pytest.mark.slow
def test_the_demo_starter_runs_from_the_wheel_and_set_epochs_reaches_both_models(demo):
    folder, result = demo
    assert result.returncode == 0, result.stderr
    assert ("--set train.epochs=1 replaces models.0.train.epochs = 12 and models.1.train.epochs = 8 of demo.toml"
            in result.stderr)
    run = RunDir(Path(folder, result.stdout.strip().splitlines()[-1]))
    exp = tomllib.loads(run.experiment.read_text())
    assert exp["train"]["epochs"] == 1 and all("epochs" not in m.get("train", {}) for m in exp["models"])
    assert [len(read_run_csv(history, run.path)) for history in sorted(run.path.glob("*/history.csv"))] == [1, 1]
    assert "1 epoch of" in result.stderr


@pytest.mark.slow
def test_installed_wheel_renders_every_format_of_the_demo_outside_the_checkout(installed, demo):
    folder, run = demo
    assert run.returncode == 0, run.stderr
    # PYTHONPATH comes before the editable install's finder, so the wheel's copy is the one imported.
    probe = subprocess.run([sys.executable, "-c", "import reportgen, reportgen.resources as r; "
                            "print(reportgen.__file__); print(r.TEMPLATES_DIR); print(r.ASSETS_DIR)"],
                           cwd=folder, env=installed, capture_output=True, text=True, check=True)
    assert all(line.startswith(installed["PYTHONPATH"]) for line in probe.stdout.split()), probe.stdout
    for fmt in FORMATS:
        rendered = reportgen_cli(installed, folder, "render", "--format", fmt)  # the folder's latest run
        assert rendered.returncode == 0, rendered.stderr
        assert Path(folder, rendered.stdout.strip()).stat().st_size > 0


def test_init_writes_to_a_named_file_or_into_a_folder_and_only_toml(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from reportgen.cli import app

    monkeypatch.chdir(tmp_path)
    (tmp_path / "exps").mkdir()
    assert CliRunner().invoke(app, ["init", "exps", "--template", "csv"]).exit_code == 0
    assert (tmp_path / "exps" / "csv.toml").read_text() == (ROOT / "experiments" / "csv.toml").read_text()
    result = CliRunner().invoke(app, ["init", "new/mine.toml"])
    assert result.exit_code == 0 and "reportgen run new/mine.toml" in result.output
    assert (tmp_path / "new" / "mine.toml").read_text() == (ROOT / "experiments" / "demo.toml").read_text()
    result = CliRunner().invoke(app, ["init", "mine.txt"])
    assert result.exit_code == 2 and "does not end in .toml" in result.output and not (tmp_path / "mine.txt").exists()


def test_the_first_run_suggested_is_one_that_works_in_the_current_folder(tmp_path, monkeypatch):
    from reportgen.starters import first_run_command

    monkeypatch.chdir(tmp_path)
    assert first_run_command() == "reportgen init && reportgen run demo.toml"  # after pip install, anywhere
    (tmp_path / "demo.toml").write_text("")
    assert first_run_command() == "reportgen run demo.toml"  # after reportgen init
    (tmp_path / "experiments").mkdir()
    (tmp_path / "experiments" / "demo.toml").write_text("")
    assert first_run_command() == "reportgen run experiments/demo.toml"  # in a checkout
