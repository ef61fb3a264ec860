"""Shared fixtures: hand-made run directories with known predictions and histories (no training),
built and analysed once per session and copied into each test that asks for one, and a private
decode cache so tests never touch the user's ~/.cache. The builders live in helpers.py."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from helpers import HANDMADE_HISTORIES, HANDMADE_PREDICTIONS, TextRecorder, build_run, painted_figures, write_experiment
import reportgen
from reportgen import api
from reportgen.analysis import analyse, load_analysis
from reportgen.figures import style
from reportgen.language.phrases import LANGUAGES
from reportgen.report import build_document


def pytest_configure(config):
    # Under pytest-xdist each worker's torch would start a thread per core: the workers' threads would
    # outnumber the cores and wait on each other. Each worker gets its share of the cores instead.
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers:
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(workers)))


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("REPORTGEN_CACHE", str(tmp_path_factory.getbasetemp() / "decode-cache"))


@pytest.fixture
def make_run(tmp_path):
    """make_run(predictions={label: [pred, ...]}, histories={label: rows}, raw=..., status=..., missing=...)
    -> tmp_path/run, built by helpers.build_run."""

    def make(predictions: dict[str, list[int]], histories: dict[str, list[list]], raw: dict | None = None,
             status: dict[str, str] | None = None, missing: tuple[str, ...] = ()) -> Path:
        return build_run(tmp_path, predictions, histories, raw, status, missing)

    return make


@pytest.fixture(scope="session")
def handmade_template(tmp_path_factory) -> Path:
    """The hand-made run, built once (its ResNet18 checkpoint alone is 45 MB); never changed by a test."""
    return build_run(tmp_path_factory.mktemp("handmade"), HANDMADE_PREDICTIONS, HANDMADE_HISTORIES)


@pytest.fixture(scope="session")
def analysed_template(tmp_path_factory, handmade_template) -> Path:
    """The hand-made run with its analysis.json and its figures in every language, analysed and drawn once:
    each copy renders without drawing a figure (they take seconds of CPU per language)."""
    run = tmp_path_factory.mktemp("analysed") / "run"
    shutil.copytree(handmade_template, run)
    analyse(run)
    for lang in LANGUAGES:
        painted_figures(build_document(load_analysis(run), lang))  # into run/figures/<lang>, the cache renders read
    return run


@pytest.fixture(scope="session")
def rendered(tmp_path_factory, analysed_template) -> Callable[..., Path]:
    """rendered(format, lang="id") -> the analysed hand-made run's document, each rendered once per session
    when first asked for, in a copy of the run (tests read it, never change it). load_analysis(path.parent)
    is its analysis."""
    run = tmp_path_factory.mktemp("rendered") / "run"
    shutil.copytree(analysed_template, run)
    documents: dict[tuple[str, str], Path] = {}

    def document(fmt: str, lang: str = "id") -> Path:
        if (fmt, lang) not in documents:
            documents[fmt, lang] = reportgen.render(run, fmt, lang=lang)
        return documents[fmt, lang]

    return document


@pytest.fixture
def handmade_run(tmp_path, handmade_template) -> Path:
    """Two models on 9 test images: the CNN gets 8 right, ResNet18 6; ResNet18 overfits. Not analysed yet:
    the test's own copy, free to change."""
    return Path(shutil.copytree(handmade_template, tmp_path / "run"))


@pytest.fixture
def analysed_run(tmp_path, analysed_template) -> Path:
    """handmade_run already analysed (analysis.json written, figures drawn in every language): for tests that
    read or render the analysis of the unchanged run. load_analysis() reads it; analyse() would analyse the run again."""
    return Path(shutil.copytree(analysed_template, tmp_path / "run"))


@pytest.fixture(scope="session")
def tiny_trained(tmp_path_factory) -> tuple[Path, Path]:
    """(run directory, experiment file): a real `reportgen run` of helpers.TINY, trained and analysed once.
    Tests copy the run directory before changing it."""
    folder = tmp_path_factory.mktemp("tiny-trained")
    experiment = write_experiment(folder)
    with pytest.MonkeyPatch.context() as mp:  # private_cache is per test: this runs before any
        mp.setenv("REPORTGEN_CACHE", str(folder / "cache"))
        return api.run(experiment, runs_dir=folder / "runs"), experiment


@pytest.fixture
def recorder():
    rec = TextRecorder()  # every text of every figure drawn while the test runs
    style.OBSERVERS.append(rec)
    style.PICTURE_OBSERVERS.append(rec)
    yield rec
    style.OBSERVERS.remove(rec)
    style.PICTURE_OBSERVERS.remove(rec)
