"""`reportgen export`: the run in TensorBoard and MLflow, read back with their own readers and
compared with the run folder's files (history.csv read here with the csv module, not reportgen's)."""

from __future__ import annotations

import csv
import json
import socket
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import reportgen
from helpers import CNN_PRED, HANDMADE, RESNET_PRED, TRUE, handmade_metrics, history_rows
from reportgen.cli import app
from reportgen.config import validate_experiment
from reportgen.rundir import HISTORY_COLUMNS, RunDir, write_csv, write_model

TAGS = {"train_loss": "loss/train", "val_loss": "loss/val", "train_acc": "accuracy/train", "val_acc": "accuracy/val",
        "lr": "lr", "seconds": "epoch_seconds"}
SLUGS = {"Small CNN": "small-cnn", "ResNet18": "resnet18"}
ACCURACY = {"Small CNN": 8 / 9, "ResNet18": 6 / 9}  # the handmade run's models on its 9 test images


def needs(package: str):
    return pytest.importorskip(package, reason=f"{package} is not installed (pip install '.[tracking]')")


def history(model_dir: Path) -> dict[str, list[tuple[int, float]]]:
    with (model_dir / "history.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    return {column: [(int(r["epoch"]), float(r[column])) for r in rows] for column in TAGS}


def hparams(reader, key: str):
    """A hyper-parameter's value in the HParams plugin's session start of an event folder."""
    from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData

    content = reader.PluginTagToContent("hparams")["_hparams_/session_start_info"]
    value = HParamsPluginData.FromString(content).session_start_info.hparams[key]
    return getattr(value, value.WhichOneof("kind"))


def events(folder: Path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    reader = EventAccumulator(str(folder), size_guidance={"scalars": 0, "images": 0, "tensors": 0})
    reader.Reload()
    return reader


def test_tensorboard_holds_every_epoch_of_every_model(handmade_run, tmp_path):
    needs("tensorboard")
    out = Path(reportgen.export(handmade_run, "tensorboard", tmp_path / "tb"))
    assert out == tmp_path / "tb" / "handmade" / handmade_run.name
    assert sorted(p.name for p in out.iterdir()) == sorted(SLUGS.values())
    for label, slug in SLUGS.items():
        reader = events(out / slug)
        for column, points in history(handmade_run / slug).items():
            read = [(e.step, e.value) for e in reader.Scalars(TAGS[column])]
            assert [step for step, _ in read] == [epoch for epoch, _ in points]
            assert [value for _, value in read] == pytest.approx([value for _, value in points], rel=1e-6)  # float32
        assert reader.Scalars("test/accuracy")[-1].value == pytest.approx(ACCURACY[label], rel=1e-6)
        assert set(reader.Tags()["images"]) == {"curves/loss", "curves/accuracy", "confusion_matrix"}
        assert hparams(reader, "train.lr") == pytest.approx(0.1) and hparams(reader, "arch") in ("cnn", "resnet18_cifar")
        assert b"test/macro_f1" in reader.PluginTagToContent("hparams")["_hparams_/experiment"]


def test_exporting_again_replaces_the_event_files(handmade_run, tmp_path):
    needs("tensorboard")
    first = Path(reportgen.export(handmade_run, "tensorboard", tmp_path))
    again = Path(reportgen.export(handmade_run, "tensorboard", tmp_path))
    assert first == again
    assert len(list((again / "small-cnn").glob("events.*"))) == 1
    assert [e.step for e in events(again / "small-cnn").Scalars("loss/train")] == [1, 2, 3, 4, 5, 6]
    assert [p.name for p in again.parent.iterdir()] == [handmade_run.name]  # no staging folder left


def seeded_run(make_run) -> Path:
    """HANDMADE trained with seeds [42, 43]: seed 43's files by hand in each model's seeds/43."""
    raw = json.loads(json.dumps(HANDMADE))
    raw["train"]["seeds"] = [42, 43]
    first = history_rows([.5, .6, .7], [.4, .5, .6], [1.0, .9, .8], [1.1, 1.0, .9])
    run_path = make_run(predictions={"Small CNN": CNN_PRED, "ResNet18": RESNET_PRED},
                        histories={"Small CNN": first, "ResNet18": first}, raw=raw)
    for slug in SLUGS.values():
        out = RunDir(run_path).model(slug).seed(43)
        write_csv(out.history, HISTORY_COLUMNS, history_rows([.3, .35], [.2, .25], [2.0, 1.9], [2.1, 2.2]))
        write_csv(out.predictions, ["index", "label", "pred", "prob_0", "prob_1", "prob_2"],
                  [[i, y, 0, 0.5, 0.25, 0.25] for i, y in enumerate(TRUE)])
        rows = history_rows([.3, .35], [.2, .25], [2.0, 1.9], [2.1, 2.2])
        spec = validate_experiment(raw, "seeded").model(next(k for k, v in SLUGS.items() if v == slug))
        classes = json.loads(RunDir(run_path).dataset.read_text(encoding="utf-8"))["classes"]
        write_model(out.metrics, handmade_metrics(spec.with_seed(43), rows, classes, params=1))
    return run_path


def test_each_seed_is_a_run_of_its_own(make_run, tmp_path):
    needs("tensorboard")
    run_path = seeded_run(make_run)
    out = Path(reportgen.export(run_path, "tensorboard", tmp_path))
    for slug in SLUGS.values():
        assert sorted(p.name for p in (out / slug).iterdir()) == ["seed-42", "seed-43"]
        for seed, model_dir in (("42", run_path / slug), ("43", run_path / slug / "seeds" / "43")):
            reader = events(out / slug / f"seed-{seed}")
            assert [e.step for e in reader.Scalars("loss/val")] == [e for e, _ in history(model_dir)["val_loss"]]
            assert hparams(reader, "train.seed") == int(seed)
        chance = events(out / slug / "seed-43").Scalars("test/accuracy")[-1].value
        assert chance == pytest.approx(3 / 9, rel=1e-6)  # seed 43 predicts class 0 for every image


def mlflow_store(tmp_path: Path, monkeypatch) -> str:
    needs("mlflow")
    uri = (tmp_path / "mlruns").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow's own reader, in this test, of a folder store
    return uri


def test_mlflow_has_one_run_per_model_with_its_params_and_metrics(handmade_run, tmp_path, monkeypatch):
    uri = mlflow_store(tmp_path, monkeypatch)
    import mlflow
    from mlflow.tracking import MlflowClient

    assert reportgen.export(handmade_run, "mlflow", tmp_path / "mlruns") == uri
    runs = mlflow.search_runs(experiment_names=["handmade"], output_format="list")
    assert sorted(r.info.run_name for r in runs) == sorted(SLUGS)
    client = MlflowClient(uri)
    for run in runs:
        label = run.info.run_name
        assert run.info.status == "FINISHED" and run.data.tags["reportgen.model"] == label
        params = run.data.params
        assert params["arch"] == {"Small CNN": "cnn", "ResNet18": "resnet18_cifar"}[label]
        assert params["train.epochs"] == "6" and params["train.monitor"] == "val_acc" and params["train.seed"] == "42"
        if label == "Small CNN":
            assert params["model.conv_filters"] == "[4, 8, 8]" and params["model.fc_neurons"] == "16"
        assert run.data.metrics["test/accuracy"] == ACCURACY[label]
        assert 0 < run.data.metrics["test/macro_f1"] < 1
        best = json.loads((handmade_run / SLUGS[label] / "metrics.json").read_text())["best_epoch"]
        assert run.data.metrics["training/best_epoch"] == best
        for column, points in history(handmade_run / SLUGS[label]).items():
            logged = client.get_metric_history(run.info.run_id, TAGS[column])
            assert sorted((m.step, m.value) for m in logged) == points
        assert {a.path for a in client.list_artifacts(run.info.run_id, "figures")} == {
            "figures/loss.png", "figures/accuracy.png", "figures/confusion_matrix.png"}
        assert attached(client, run, "experiment.toml", tmp_path) == (handmade_run / "experiment.toml").read_bytes()


def attached(client, run, name: str, tmp_path: Path) -> bytes:
    """The bytes of one of an MLflow run's artifacts, downloaded."""
    return Path(client.download_artifacts(run.info.run_id, name, str(tmp_path / run.info.run_id))).read_bytes()


@pytest.mark.slow  # analyses the run and renders its page
def test_mlflow_runs_carry_the_rendered_documents(handmade_run, tmp_path, monkeypatch):
    uri = mlflow_store(tmp_path, monkeypatch)
    import mlflow
    from mlflow.tracking import MlflowClient

    reportgen.render(handmade_run, "html")  # writes analysis.json first
    reportgen.export(handmade_run, "mlflow", tmp_path / "mlruns")
    for run in mlflow.search_runs(experiment_names=["handmade"], output_format="list"):
        for name in ("report.html", "analysis.json"):
            assert attached(MlflowClient(uri), run, name, tmp_path) == (handmade_run / name).read_bytes()


@pytest.mark.slow
def test_exporting_to_mlflow_again_replaces_the_earlier_runs(make_run, tmp_path, monkeypatch):
    mlflow_store(tmp_path, monkeypatch)
    import mlflow

    run_path = seeded_run(make_run)
    for _ in range(2):
        reportgen.export(run_path, "mlflow", tmp_path / "mlruns")
    runs = mlflow.search_runs(experiment_names=["handmade"], output_format="list")
    assert sorted(r.info.run_name for r in runs) == sorted(f"{label} seed {seed}" for label in SLUGS for seed in (42, 43))
    assert {r.data.params["train.seed"] for r in runs} == {"42", "43"}


@pytest.mark.slow
def test_a_local_database_store_keeps_the_artifacts_beside_the_database(handmade_run, tmp_path, monkeypatch):
    mlflow = needs("mlflow")
    for folder in ("elsewhere", "store"):
        (tmp_path / folder).mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    uri = f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"
    assert reportgen.export(handmade_run, "mlflow", uri) == uri
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    runs = mlflow.search_runs(experiment_names=["handmade"], output_format="list")
    assert sorted(r.info.run_name for r in runs) == sorted(SLUGS)
    for run in runs:
        assert (tmp_path / "store" / "mlartifacts" / run.info.run_id / "artifacts" / "experiment.toml").is_file()
    assert list((tmp_path / "elsewhere").iterdir()) == []  # not in ./mlruns of wherever the export ran


def test_diverged_and_interrupted_models_are_sent_as_they_are(make_run, tmp_path, monkeypatch):
    mlflow_store(tmp_path, monkeypatch)
    import mlflow

    nan = float("nan")
    diverged = history_rows([.5, .6, .3], [.5, .55, .3], [1.0, 9.0, nan], [1.1, 8.0, nan])
    run_path = make_run(predictions={"Small CNN": [0] * 9}, status={"Small CNN": "diverged", "ResNet18": "interrupted"},
                        histories={"Small CNN": diverged, "ResNet18": history_rows([.5], [.4], [1.2], [1.3])})
    reportgen.export(run_path, "mlflow", tmp_path / "mlruns")
    runs = {r.info.run_name: r for r in mlflow.search_runs(experiment_names=["handmade"], output_format="list")}
    assert runs["Small CNN"].info.status == "FAILED" and runs["ResNet18"].info.status == "KILLED"
    assert runs["Small CNN"].data.tags["reportgen.status"] == "diverged"
    assert runs["Small CNN"].data.metrics["test/accuracy"] == 3 / 9
    assert "test/accuracy" not in runs["ResNet18"].data.metrics  # never evaluated: no score is made up
    assert runs["ResNet18"].data.metrics["accuracy/val"] == 0.4
    client = mlflow.tracking.MlflowClient()
    losses = client.get_metric_history(runs["Small CNN"].info.run_id, "loss/train")
    assert [(m.step, m.value) for m in sorted(losses, key=lambda m: m.step)] == [(1, 1.0), (2, 9.0)]  # NaN: no point


def test_a_deleted_mlflow_experiment_is_named_with_the_command_that_restores_it(handmade_run, tmp_path, monkeypatch):
    uri = mlflow_store(tmp_path, monkeypatch)
    from mlflow.tracking import MlflowClient

    reportgen.export(handmade_run, "mlflow", tmp_path / "mlruns")
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("handmade").experiment_id
    client.delete_experiment(experiment)
    result = CliRunner().invoke(app, ["export", str(handmade_run), "--to", "mlflow", str(tmp_path / "mlruns")])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert f"mlflow experiments restore --experiment-id {experiment}`" in result.output


@pytest.mark.parametrize("to, package", [("tensorboard", "tensorboard"), ("mlflow", "mlflow")])
def test_without_the_extra_one_line_says_how_to_install_it(handmade_run, tmp_path, monkeypatch, to, package):
    monkeypatch.setitem(sys.modules, package, None)  # as if not installed: importing it fails
    result = CliRunner().invoke(app, ["export", str(handmade_run), "--to", to, str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: exporting to {to} needs the optional '{package}' package: " \
                                    "pip install 'reportgen[tracking]'"
    assert not (tmp_path / "out").exists()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # free once closed: nothing listens there


@pytest.mark.parametrize("case", ["file_in_the_way", "unreachable_server", "unknown_tracker"])
def test_a_bad_target_is_one_line(handmade_run, tmp_path, case):
    (tmp_path / "file").write_text("not a folder")
    server = f"http://127.0.0.1:{closed_port()}"
    to, target, expected = {
        "file_in_the_way": ("tensorboard", str(tmp_path / "file" / "tb"), "cannot write the event files in"),
        "unreachable_server": ("mlflow", server, f"cannot reach the MLflow store at {server} (Connection refused)"),
        "unknown_tracker": ("wandb", "x", "--to must be tensorboard or mlflow (got 'wandb')"),
    }[case]
    if case != "unknown_tracker":
        needs(to)
    result = CliRunner().invoke(app, ["export", str(handmade_run), "--to", to, target])
    assert result.exit_code == 2 and expected in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
