"""`torchrun --nproc_per_node=2 -m reportgen run`: one model trained by two processes (gloo, CPU)."""

import csv
import json
import os
import subprocess
import sys

import pytest
import torch
from torch import nn

from reportgen.config import load_experiment
from reportgen.data import BatchLoader, load_dataset, make_transforms
from reportgen.device import DevicePolicy
from reportgen.models import build
from reportgen.rundir import load_torch
from reportgen.train import evaluate

EXPERIMENT = """
name = "ddp"
[data]
dataset = "synthetic"
image_size = 16
samples_per_class = 21
val_split = 13            # odd: a shard-only validation could not produce these accuracies
augment = ["random_crop", "hflip"]
[train]
epochs = 3
batch_size = 16
optimizer = "adam"
lr = 0.003
seed = 5
[[models]]
arch = "cnn"
label = "Tiny"
params = { conv_filters = [4, 8, 8], fc_neurons = 16 }
"""


@pytest.mark.slow
def test_two_gloo_processes_make_one_complete_run(tmp_path):
    path = tmp_path / "ddp.toml"
    path.write_text(EXPERIMENT)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         "-m", "reportgen", "run", str(path), "--runs-dir", str(tmp_path / "runs")],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    runs = list((tmp_path / "runs" / "ddp").iterdir())
    assert len(runs) == 1 and proc.stdout.strip().splitlines()[-1].endswith(runs[0].name)
    model_dir = runs[0] / "tiny"
    metrics = json.loads((model_dir / "metrics.json").read_text())
    with (model_dir / "history.csv").open() as f:
        history = list(csv.DictReader(f))
    assert len(history) == 3

    # The logged validation accuracy at the best epoch is that of the whole validation split:
    # evaluating best.pt on all 13 images in one process gives the same number.
    exp = load_experiment(path)
    data = load_dataset(exp.data, exp.train.seed)
    assert len(data.val) == 13
    net = build("cnn", 3, 16, exp.models[0].params)
    net.load_state_dict(load_torch(model_dir / "best.pt")["model"])
    _, eval_tf = make_transforms(exp.data)
    loss, acc, _ = evaluate(net, BatchLoader(data.val, 256, eval_tf, torch.device("cpu")),
                            DevicePolicy(torch.device("cpu"), False), nn.CrossEntropyLoss())
    best = history[metrics["best_epoch"] - 1]
    assert float(best["val_acc"]) == pytest.approx(acc, abs=1e-6)
    assert float(best["val_loss"]) == pytest.approx(loss, rel=1e-4)
    with (model_dir / "predictions.csv").open() as f:
        assert len(list(csv.DictReader(f))) == len(data.test)  # rank 0 evaluated the whole test split
