"""End-to-end `reportgen run` on generated images: contract files, resume, divergence, Ctrl-C."""

import csv
import json
import tomllib

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

import reportgen.train.loop
from reportgen.cli import app
from reportgen.config import load_experiment
from reportgen.errors import UserError
from reportgen.progress import Reporter
from reportgen.rundir import load_torch
from reportgen.runner import prepare_run, run_experiment

FROM_IMAGE_FILES = """
name = "tiny"
[data]
dataset = "{dataset}"
root = "{root}"
test_dir = "test"
val_split = 0.25
image_size = 16
augment = ["random_crop", "hflip"]
num_workers = 1
[train]
epochs = 4
batch_size = 8
optimizer = "adam"
lr = 0.003
scheduler = "cosine"
seed = 3
[[models]]
arch = "cnn"
label = "Tiny CNN"
params = {{ conv_filters = [4, 8, 8], fc_neurons = 16, dropout_rate = 0.3 }}
[[models]]
arch = "cnn"
label = "Other CNN"
params = {{ conv_filters = [4, 4, 8], fc_neurons = 8, pool_type = "avg" }}
train = {{ optimizer = "sgd", lr = 0.05, scheduler = "step", step_size = 2 }}
"""


def make_images(root, per_class):
    """Two learnable classes: bright vs dark images with noise."""
    rng = np.random.default_rng(0)
    for name, level in (("bright", 200), ("dark", 50)):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = np.clip(level + rng.normal(0, 30, (20, 20, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")


@pytest.fixture
def experiment(tmp_path):
    make_images(tmp_path / "images" / "train", 16)
    make_images(tmp_path / "images" / "test", 4)
    path = tmp_path / "tiny.toml"
    path.write_text(FROM_IMAGE_FILES.format(dataset="imagefolder", root=tmp_path / "images"))
    return path


def history_without_time(model_dir):
    with (model_dir / "history.csv").open() as f:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(f)]


@pytest.mark.slow
def test_run_writes_every_contract_file(experiment, tmp_path):
    result = CliRunner().invoke(app, ["run", str(experiment), "--runs-dir", str(tmp_path / "runs"),
                                      "--set", "train.epochs=2"])
    assert result.exit_code == 0, result.output
    run = tmp_path / "runs" / "tiny" / result.stdout.strip().splitlines()[-1].split("/")[-1]
    assert result.stdout.strip().splitlines()[-1] == str(run)
    resolved = tomllib.loads((run / "experiment.toml").read_text())
    assert resolved["train"]["epochs"] == 2 and resolved["models"][1]["train"]["optimizer"] == "sgd"
    env = json.loads((run / "environment.json").read_text())
    assert env["device"] == "cpu" and env["torch"] == torch.__version__ and env["seed"] == 3
    for slug in ("tiny-cnn", "other-cnn"):
        model_dir = run / slug
        for name in ("history.csv", "metrics.json", "predictions.csv", "best.pt", "last.pt"):
            assert (model_dir / name).is_file(), name
        assert [r["epoch"] for r in history_without_time(model_dir)] == ["1", "2"]
        metrics = json.loads((model_dir / "metrics.json").read_text())
        for key in ("accuracy", "macro", "weighted", "per_class", "confusion_matrix", "params", "train_seconds",
                    "best_epoch", "epochs_run", "stopped_early", "train_acc", "val_acc", "train_loss", "val_loss"):
            assert key in metrics, key
        assert 0 <= metrics["accuracy"] <= 1 and set(metrics["per_class"]) == {"bright", "dark"}
        assert sum(map(sum, metrics["confusion_matrix"])) == 8  # the 8 test images
        with (model_dir / "predictions.csv").open() as f:
            header = next(csv.reader(f))
        assert header == ["index", "label", "pred", "prob_bright", "prob_dark"]
        best = load_torch(model_dir / "best.pt")  # weights_only=True
        assert best["arch"] == "cnn" and best["epoch"] == metrics["best_epoch"]


@pytest.mark.slow
def test_resume_gives_the_uninterrupted_history(experiment, tmp_path, monkeypatch):
    exp = load_experiment(experiment)
    reference = prepare_run(exp, tmp_path / "a")
    run_experiment(exp, reference, Reporter())

    # Interrupt the first model in its third epoch, as Ctrl-C would.
    real, calls = reportgen.train.train_one_epoch, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(reportgen.train.loop, "train_one_epoch", interrupted)
    run = prepare_run(exp, tmp_path / "b")
    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, run, Reporter())
    assert len(history_without_time(run.path / "tiny-cnn")) == 2
    assert not (run.path / "tiny-cnn" / "metrics.json").exists()
    monkeypatch.setattr(reportgen.train.loop, "train_one_epoch", real)

    run_experiment(exp, prepare_run(exp, None, resume=run.path), Reporter())
    for slug in ("tiny-cnn", "other-cnn"):
        assert history_without_time(run.path / slug) == history_without_time(reference.path / slug)
        ours = json.loads((run.path / slug / "metrics.json").read_text())
        theirs = json.loads((reference.path / slug / "metrics.json").read_text())
        assert ours["confusion_matrix"] == theirs["confusion_matrix"]


def test_ctrl_c_prints_the_resume_command(experiment, tmp_path, monkeypatch):
    real, calls = reportgen.train.loop.train_one_epoch, []

    def interrupt_the_second_epoch(*args, **kwargs):  # the first one is saved: there is a run to resume
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(reportgen.train.loop, "train_one_epoch", interrupt_the_second_epoch)
    result = CliRunner().invoke(app, ["run", str(experiment), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 130
    assert f"reportgen run {experiment} --resume" in result.output


def test_ctrl_c_in_the_first_epoch_keeps_no_run_directory(experiment, tmp_path, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(reportgen.train.loop, "train_one_epoch", interrupt)
    result = CliRunner().invoke(app, ["run", str(experiment), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 130
    assert result.stderr.strip().splitlines()[-1] == "error: interrupted before any epoch finished; nothing was kept"
    assert not (tmp_path / "runs").exists()


def test_resume_with_another_experiment_is_refused(experiment, tmp_path):
    run = prepare_run(load_experiment(experiment), tmp_path / "runs")
    changed = r"\(differs in: models\[0\]\.train\.epochs, models\[1\]\.train\.epochs, train\.epochs\)"
    with pytest.raises(UserError, match=r"was started with a different experiment " + changed):
        prepare_run(load_experiment(experiment, ["train.epochs=9"]), tmp_path / "runs", resume=run.path)


@pytest.mark.slow
def test_diverging_model_is_recorded_and_others_still_train(experiment, tmp_path):
    exp = load_experiment(experiment, ["models.0.train.lr=1e12", "models.0.train.optimizer=sgd",
                                       "train.epochs=2"])
    run = prepare_run(exp, tmp_path / "runs")
    run_experiment(exp, run, Reporter())
    diverged = json.loads((run.path / "tiny-cnn" / "metrics.json").read_text())
    assert diverged["status"] == "diverged" and diverged["diverged"] is True
    other = json.loads((run.path / "other-cnn" / "metrics.json").read_text())
    assert other["status"] == "completed" and other["accuracy"] is not None
