"""Mistakes the experiment file alone cannot show stop `reportgen run` before a run directory
exists: one message, exit code 2, nothing written."""

import pytest
import torch
from typer.testing import CliRunner

from helpers import write_experiment
from reportgen.cli import app

def run(tmp_path, *edits):
    path = write_experiment(tmp_path, *edits)
    result = CliRunner().invoke(app, ["run", str(path), "--runs-dir", str(tmp_path / "runs")])
    return result, list((tmp_path / "runs").glob("*/*"))


@pytest.mark.parametrize("size,device,message", [
    (20, "cpu", "`data.image_size`: model 'c' (models.0): cnn needs an image_size divisible by 8"),
    pytest.param(16, "cuda", 'train.device = "cuda", but this machine has no such device',
                 marks=pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")),
    pytest.param(16, "cuda:7", 'train.device = "cuda:7", but this machine has no such device',
                 marks=pytest.mark.skipif(torch.cuda.device_count() > 7, reason="this machine has 8 GPUs")),
])
def test_model_and_device_mistakes_stop_before_a_run_directory(tmp_path, size, device, message):
    result, runs = run(tmp_path, ("image_size = 16", f"image_size = {size}"),
                       ('device = "cpu"', f'device = "{device}"'))
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert runs == []


@pytest.mark.parametrize("summary", ["{not json", '{"model": "cnn"}'])
def test_a_malformed_tuning_summary_stops_before_a_run_directory(tmp_path, summary):
    (tmp_path / "summary.json").write_text(summary)
    result, runs = run(tmp_path, ('name = "t"', f'name = "t"\n[report]\ntuning = "{tmp_path / "summary.json"}"'))
    assert result.exit_code == 2 and "is not the summary.json of `reportgen tune`" in result.output
    assert "Traceback" not in result.output and runs == []
