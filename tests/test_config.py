"""Experiment files: typed loading, --set overrides, and clear errors for user mistakes."""

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportgen.cli import app
from reportgen.config import load_experiment
from reportgen.errors import UserError

ROOT = Path(__file__).resolve().parent.parent
GOOD = """
name = "t"
[data]
dataset = "synthetic"
[train]
epochs = 3
lr = 0.1
[[models]]
arch = "cnn"
label = "Small CNN"
params = { conv_filters = [4, 8, 8], fc_neurons = 16 }
train = { lr = 0.01, optimizer = "adam" }
[[models]]
arch = "resnet18_cifar"
"""


def write(tmp_path, text, name="exp.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_loads_and_merges_model_overrides(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD))
    cnn, resnet = exp.models
    assert (cnn.train.lr, cnn.train.optimizer, cnn.train.epochs) == (0.01, "adam", 3)
    assert (resnet.train.lr, resnet.label, resnet.slug) == (0.1, "resnet18_cifar", "resnet18-cifar")  # unlabelled
    assert (resnet.name("id"), resnet.name("en")) == ("ResNet-18 (CIFAR)", "ResNet-18 (CIFAR)")
    assert cnn.slug == "small-cnn"


def test_set_overrides_are_typed_and_reach_models(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD), ["train.epochs=2", "models.1.train.lr=0.5",
                                                  "train.optimizer=rmsprop", "data.val_split=0.25"])
    assert [m.train.epochs for m in exp.models] == [2, 2]
    assert exp.models[1].train.lr == 0.5 and exp.models[1].train.optimizer == "rmsprop"
    assert exp.data.val_split == 0.25


def test_resolved_experiment_round_trips(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD))
    again = load_experiment(write(tmp_path, exp.to_toml(), "resolved.toml"))
    assert again == exp


@pytest.mark.parametrize("edit,needle", [
    (("[train]", "[train]\nlearning_rate = 0.1"), "`train.learning_rate`: unknown key"),
    (("epochs = 3", 'epochs = "three"'), "`train.epochs`"),
    (("lr = 0.1", "lr = -0.1"), "`train.lr`: Input should be greater than 0"),
    (('arch = "resnet18_cifar"', 'arch = "resnet50"'), "unknown arch 'resnet50'"),
    (('train = { lr = 0.01, optimizer = "adam" }', 'train = { lr = 0.01, optimizer = "adamw" }'),
     "`models.0.train.optimizer`"),
    (("fc_neurons = 16", "fc_neurons = 16, dropout = 0.1"), "params.dropout"),
    (('dataset = "synthetic"', 'dataset = "imagefolder"\nroot = "/nonexistent/images"'),
     "'/nonexistent/images' does not exist"),
    (('name = "t"', 'name = "t"\n[report]\nlogo = "logo.gif"'), "`report.logo`: logo 'logo.gif' must be a PNG or JPEG"),
    (('name = "t"', 'name = "t"\n[report]\nalpha = 0.5'), "`report.alpha`: Input should be less than 0.5"),
])
def test_mistakes_name_file_and_key(tmp_path, edit, needle):
    path = write(tmp_path, GOOD.replace(*edit))
    with pytest.raises(UserError) as err:
        load_experiment(path)
    assert str(path) in str(err.value) and needle in str(err.value)


def test_unknown_key_names_the_keys_of_its_table(tmp_path):
    bad = GOOD.replace("[train]", "[train]\nlearning_rate = 0.1").replace('arch = "resnet18_cifar"',
                                                                          'arch = "resnet18_cifar"\nlabl = "R"')
    with pytest.raises(UserError) as err:
        load_experiment(write(tmp_path, bad))
    message = str(err.value)
    assert "`train.learning_rate`: unknown key; `train` takes: epochs, batch_size, optimizer, lr," in message
    assert "`models.1.labl`: unknown key; `models.1` takes: arch, label, description, params, train" in message
    assert message.endswith("README's Experiment reference; the examples in experiments/ use them.")
    assert "models.0.train.learning_rate" not in message  # [train]'s mistake, said once


def test_a_train_mistake_is_reported_once_not_per_model(tmp_path):
    with pytest.raises(UserError) as err:
        load_experiment(write(tmp_path, GOOD.replace("epochs = 3", 'epochs = "three"')))
    message = str(err.value)
    assert message.count("epochs") == 1 and "`train.epochs`" in message


def test_malformed_toml(tmp_path):
    with pytest.raises(UserError, match="not valid TOML"):
        load_experiment(write(tmp_path, GOOD + "\n[data\n"))


def test_bad_override_key(tmp_path):
    with pytest.raises(UserError, match="train.nope"):
        load_experiment(write(tmp_path, GOOD), ["train.nope=1"])
    with pytest.raises(UserError, match="expected KEY=VALUE"):
        load_experiment(write(tmp_path, GOOD), ["train.epochs"])


@pytest.mark.parametrize("edit", [("lr = 0.1", "lr = -1.0"), ("[train]", "[train]\nbogus = 1")])
def test_cli_exits_nonzero_without_traceback(tmp_path, edit):
    result = CliRunner().invoke(app, ["run", str(write(tmp_path, GOOD.replace(*edit)))])
    assert result.exit_code == 2
    assert "error:" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_console_script_missing_dataset_root(tmp_path):
    bad = GOOD.replace('dataset = "synthetic"', 'dataset = "csv"\nroot = "no/such/dir"')
    proc = subprocess.run([sys.executable, "-m", "reportgen", "run", str(write(tmp_path, bad))],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert "no/such/dir" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "experiments").glob("*.toml")))
def test_shipped_experiments_are_valid(name, monkeypatch, tmp_path):
    # Their data folders are not in the repository; give them empty ones so validation can pass.
    monkeypatch.chdir(tmp_path)
    for folder in ("data/cifar10", "data/IF25-4041-dataset"):
        (tmp_path / folder).mkdir(parents=True)
    exp = load_experiment(ROOT / "experiments" / name)
    assert exp.models
