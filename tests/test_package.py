"""reportgen as users install it: a wheel, not this checkout. The wheel must carry every template,
phrase table and asset, and render all three formats from outside the project folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import reportgen
from reportgen.analysis import analyse
from reportgen.renderers import FORMATS

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = {"templates": "reportgen/templates", "assets": "reportgen/assets"}


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_pyproject_lists_every_package():
    listed = set(pyproject()["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "reportgen").rglob("__init__.py")}
    assert listed == found | {"reportgen.templates", "reportgen.assets"}


def test_python_api_renders_without_clobbering_itself(handmade_run):
    # `reportgen.render` is the API function; a subpackage of that name would replace it on import.
    for fmt in FORMATS:
        assert reportgen.render(handmade_run, fmt).stat().st_size > 0
    assert callable(reportgen.render) and callable(reportgen.run)


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


def test_wheel_contains_every_template_phrase_table_and_asset(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, package in SHIPPED.items():
        files = [p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        assert files
        missing = [str(p) for p in files if f"{package}/{p.relative_to(ROOT / folder).as_posix()}" not in names]
        assert not missing, f"not in the wheel: {missing}"


def test_installed_wheel_renders_every_format_outside_the_checkout(wheel, handmade_run, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    analyse(handmade_run)
    # PYTHONPATH comes before the editable install's finder, so the wheel's copy is the one imported.
    env = {**os.environ, "PYTHONPATH": str(target)}
    probe = subprocess.run([sys.executable, "-c", "import reportgen, reportgen.resources as r; "
                            "print(reportgen.__file__); print(r.TEMPLATES_DIR); print(r.ASSETS_DIR)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert all(line.startswith(str(target)) for line in probe.stdout.split()), probe.stdout
    for fmt in FORMATS:
        result = subprocess.run([sys.executable, "-m", "reportgen", "render", str(handmade_run), "--format", fmt],
                                cwd=tmp_path, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert Path(result.stdout.strip()).stat().st_size > 0
