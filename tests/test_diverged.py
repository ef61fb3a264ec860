"""A diverged model beside a healthy one. The run's JSON stays strict, the diverged
model gets no accuracy computed from NaN weights, and the report still renders."""

import csv
import html
import json
import math
import re

import pymupdf
import pytest
from pptx import Presentation

import reportgen
from helpers import slide_texts
from reportgen.schema.analysis import Analysis
from reportgen.language.format import Formatter

EXPERIMENT = """
name = "diverging"
[data]
dataset = "synthetic"
num_classes = 3
samples_per_class = 12
image_size = 16
[train]
epochs = 2
batch_size = 32  # one step per epoch: the first epoch's training loss is finite, its weights are not
optimizer = "sgd"
lr = 0.01
seed = 1
device = "cpu"  # how the overflow shows (validation loss NaN after epoch 1) is pinned to one device
[[models]]
arch = "cnn"
label = "Healthy"
params = { conv_filters = [4, 8, 8], fc_neurons = 16 }
[[models]]
arch = "cnn"
label = "Diverged"
params = { conv_filters = [4, 8, 8], fc_neurons = 16 }
train = { lr = 1e6 }
"""


def reject(constant):
    raise ValueError(f"{constant} is not JSON")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("diverging")
    path = tmp / "diverging.toml"
    path.write_text(EXPERIMENT)
    return reportgen.run(path, [], runs_dir=tmp / "runs")


def test_the_diverged_history_holds_only_finite_epochs(run_dir):
    history = run_dir / "diverged" / "history.csv"
    rows = list(csv.DictReader(history.open())) if history.is_file() else []
    assert all(math.isfinite(float(v)) for r in rows for v in r.values())
    metrics = json.loads((run_dir / "diverged" / "metrics.json").read_text())
    assert metrics["epochs_run"] == len(rows) < 2


def test_every_json_file_is_strict(run_dir):
    files = sorted(run_dir.rglob("*.json"))
    assert {p.name for p in files} >= {"analysis.json", "metrics.json", "dataset.json"}
    for path in files:
        json.loads(path.read_text(), parse_constant=reject)
    Analysis.model_validate_json((run_dir / "analysis.json").read_text())  # loads as written, not recomputed


def test_the_diverged_model_has_no_fake_accuracy(run_dir):
    metrics = json.loads((run_dir / "diverged" / "metrics.json").read_text())
    assert metrics["status"] == "diverged"
    assert metrics.get("accuracy") is None and not (run_dir / "diverged" / "predictions.csv").exists()
    healthy = json.loads((run_dir / "healthy" / "metrics.json").read_text())
    assert healthy["status"] == "completed" and 0 <= healthy["accuracy"] <= 1
    analysis = json.loads((run_dir / "analysis.json").read_text())
    diverged = next(m for m in analysis["models"] if m["label"] == "Diverged")
    assert diverged["status"] == "diverged" and diverged["accuracy"] is None


def document_text(path) -> str:
    """What a reader sees in the rendered file, whitespace collapsed."""
    if path.suffix == ".pdf":
        text = " ".join(page.get_text() for page in pymupdf.open(path))
    elif path.suffix == ".pptx":
        text = " ".join(slide_texts(Presentation(str(path))))
    else:
        text = html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
    return " ".join(text.split())


# the PDF is slow: a whole PDF of its own with WeasyPrint
@pytest.mark.parametrize("fmt", [pytest.param("pdf", marks=pytest.mark.slow), "html", "pptx"])
def test_the_report_renders_both_models_and_says_which_diverged(run_dir, fmt):
    text = document_text(reportgen.render(run_dir, fmt))
    healthy = json.loads((run_dir / "healthy" / "metrics.json").read_text())
    assert "Healthy" in text and "Diverged" in text
    assert Formatter("id").percent(healthy["accuracy"]) in text  # the report's default language
    assert "divergen" in text  # the diverged model's state, in Indonesian
