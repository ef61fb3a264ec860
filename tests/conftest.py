"""Shared fixtures: a hand-made run directory with known predictions and histories (no training),
and a private decode cache so tests never touch the user's ~/.cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from reportgen.config import validate_experiment
from reportgen.data import load_dataset
from reportgen.models import build
from reportgen.rundir import HISTORY_COLUMNS, RunDir, save_torch, write_csv, write_model
from reportgen.runner import dataset_info
from reportgen.schema.run import EnvironmentFile, MetricsFile

TRUE = [0, 0, 0, 1, 1, 1, 2, 2, 2]  # the synthetic test split's labels
CNN_PRED = [0, 0, 0, 1, 1, 2, 2, 2, 2]  # 8 of 9 right
RESNET_PRED = [0, 1, 1, 1, 1, 1, 2, 2, 0]  # 6 of 9 right
HANDMADE = {
    "name": "handmade",
    "report": {"title": "Eksperimen Buatan", "course": "Pembelajaran Mendalam", "assignment": "Uji",
               "authors": [{"name": "Ani", "id": "001"}, {"name": "Budi", "id": "002"}], "baseline": "Small CNN"},
    "data": {"dataset": "synthetic", "num_classes": 3, "samples_per_class": 12, "image_size": 16,
             "val_split": 0.25, "augment": ["hflip"]},
    "train": {"epochs": 6, "batch_size": 8, "early_stopping_patience": 3, "monitor": "val_acc"},
    "models": [
        {"arch": "cnn", "label": "Small CNN", "params": {"conv_filters": [4, 8, 8], "fc_neurons": 16}},
        {"arch": "resnet18_cifar", "label": "ResNet18", "description": "ResNet18 versi CIFAR."},
    ],
}


# The smallest real experiment, for tests that drive the CLI: one epoch of a tiny CNN on synthetic data.
TINY = """
name = "t"
[data]
dataset = "synthetic"
image_size = 16
[train]
epochs = 1
device = "cpu"
[[models]]
arch = "cnn"
label = "c"
params = { conv_filters = [4, 8, 8], fc_neurons = 16 }
"""
# Appended to TINY: a [tune] search over the model "c".
TUNE_TABLE = '\n[tune]\nmodel = "c"\nspace = { "train.lr" = [0.1] }\n'


def write_experiment(folder: Path, *edits: tuple[str, str]) -> Path:
    """folder/exp.toml: TINY with each (old, new) replacement made."""
    text = TINY
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "exp.toml"
    path.write_text(text)
    return path


def starter_data(dataset: str, folder: Path) -> list[str]:
    """A tiny dataset in `folder` laid out as a starter experiment of `dataset` expects it (its
    train_dir, csv and folder names left as shipped), and the --set that points the starter at it."""
    from PIL import Image

    root = folder / "starter-data"
    if dataset == "cifar10":
        (root / "cifar-10-batches-py").mkdir(parents=True)  # enough to validate; never loaded here
    elif dataset in ("imagefolder", "csv"):
        rows = ["filename,label"]
        for label in ("bakso", "rendang"):
            for k in range(4):
                name = f"{label}/{k}.png" if dataset == "imagefolder" else f"{label}-{k}.png"
                (root / "train" / name).parent.mkdir(parents=True, exist_ok=True)
                Image.new("RGB", (12, 12), (60 * k, 0, 0)).save(root / "train" / name)
                rows.append(f"{name},{label}")
        if dataset == "csv":
            (root / "train.csv").write_text("\n".join(rows) + "\n")
    else:
        return []  # built-in data: nothing to point at
    return [f"data.root={root}"]


def history_rows(train_acc, val_acc, train_loss, val_loss):
    return [[e + 1, train_loss[e], train_acc[e], val_loss[e], val_acc[e], 0.01, 1.5] for e in range(len(train_acc))]


def handmade_metrics(spec, rows: list[list], classes: list[str], params: int, status: str = "completed") -> MetricsFile:
    """metrics.json as training writes it, for a model whose history.csv has `rows` (its best
    epoch: the highest val_acc)."""
    best = dict(zip(HISTORY_COLUMNS, max(rows, key=lambda r: r[4])))
    return MetricsFile(label=spec.label, slug=spec.slug, arch=spec.arch, seed=spec.train.seed, status=status,
                       classes=classes, eval_split="test", monitor=spec.train.monitor, best_epoch=best["epoch"],
                       epochs_run=len(rows), stopped_early=False, diverged=status == "diverged",
                       train_seconds=sum(r[6] for r in rows), precision="fp32", params=params,
                       **{k: best[k] for k in ("train_acc", "val_acc", "train_loss", "val_loss")})


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("REPORTGEN_CACHE", str(tmp_path_factory.getbasetemp() / "decode-cache"))


@pytest.fixture
def make_run(tmp_path):
    """make_run(predictions={label: [(true, pred), ...]}, histories={label: rows}, ...) -> run dir.

    Predictions cover the synthetic test split (9 images: 3 per class, labels 0,0,0,1,1,1,2,2,2
    after sorting by class); each model gets a real (randomly initialised) best.pt."""

    def make(predictions: dict[str, list[int]], histories: dict[str, list[list]], raw: dict | None = None,
             status: dict[str, str] | None = None, missing: tuple[str, ...] = ()) -> Path:
        raw = json.loads(json.dumps(raw or HANDMADE))
        exp = validate_experiment(raw, "handmade")
        run = RunDir.at(tmp_path / "run")
        (run.experiment).write_text(exp.to_toml())
        data = load_dataset(exp.data, exp.train.seed)
        write_model(run.dataset, dataset_info(exp.data, data))
        write_model(run.environment, EnvironmentFile(
            device="cpu", device_name="Test CPU", python="3.11", torch="2", torchvision="0", platform="linux",
            git_commit="abc", command="reportgen run x.toml", started="2026-01-02T03:04:05"))
        labels = data.eval.labels.tolist()
        for spec in exp.models:
            if spec.label in missing:
                continue
            out = run.model(spec.slug)
            rows = histories[spec.label]
            write_csv(out.history, HISTORY_COLUMNS, rows)
            state = (status or {}).get(spec.label, "completed")
            if state == "interrupted":
                continue
            preds = predictions[spec.label]
            n = len(data.classes)
            probs = [[0.8 if c == p else 0.2 / (n - 1) for c in range(n)] for p in preds]
            write_csv(out.predictions, ["index", "label", "pred", *[f"prob_{c}" for c in data.classes]],
                      [[i, y, p, *pr] for i, (y, p, pr) in enumerate(zip(labels, preds, probs))])
            best = max(rows, key=lambda r: r[4])
            torch.manual_seed(0)  # the same weights every time: what the maps show (or whether they are flat) is fixed
            model = build(spec.arch, len(data.classes), exp.data.image_size, spec.params)
            save_torch(out.best, {"model": model.state_dict(), "arch": spec.arch, "params": spec.params,
                                  "num_classes": len(data.classes), "image_size": exp.data.image_size,
                                  "epoch": best[0]})
            write_model(out.metrics, handmade_metrics(spec, rows, data.classes,
                                                      sum(p.numel() for p in model.parameters()), state))
        return run.path

    return make


@pytest.fixture
def handmade_run(make_run):
    """Two models on 9 test images: the CNN gets 8 right, ResNet18 6; ResNet18 overfits."""
    return make_run(
        predictions={"Small CNN": CNN_PRED, "ResNet18": RESNET_PRED},
        histories={
            "Small CNN": history_rows([.5, .6, .7, .75, .8, .82], [.5, .55, .65, .7, .78, .80],
                                      [1.0, .9, .8, .7, .6, .55], [1.1, 1.0, .9, .85, .8, .78]),
            "ResNet18": history_rows([.6, .8, .9, .95, .99, 1.0], [.5, .6, .62, .6, .61, .6],
                                     [.9, .5, .3, .2, .1, .05], [1.0, .8, .9, 1.4, 1.3, 1.5]),
        },
    )
