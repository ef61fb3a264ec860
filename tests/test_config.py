"""Experiment files: typed loading, --set overrides, and clear errors for user mistakes."""

import os
import resource
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import starter_data
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
    (("fc_neurons = 16", "fc_neurons = 16, dropout = 0.1"),
     "`models.0.params.dropout`: unknown key (did you mean `dropout_rate`?); arch 'cnn' takes: conv_filters,"),
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
    assert ("`models.1.labl`: unknown key (did you mean `label`?); `models.1` takes: arch, label, description, "
            "params, train") in message
    assert message.endswith("README's Experiment reference; `reportgen init` writes a commented starter.")
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
def test_shipped_experiments_are_valid(name, tmp_path):
    # Their data is not in the repository: their data keys point at a small dataset of the same layout.
    path = ROOT / "experiments" / name
    exp = load_experiment(path, starter_data(tomllib.loads(path.read_text())["data"]["dataset"], tmp_path))
    assert load_experiment(write(tmp_path, exp.to_toml(), "resolved.toml")) == exp  # what a run stores reloads as is


# --- --set train.KEY reaches every model ---------------------------------------------------------------

OWN_EPOCHS = GOOD.replace('train = { lr = 0.01, optimizer = "adam" }',
                          'train = { lr = 0.01, optimizer = "adam", epochs = 12 }') + "train = { epochs = 8 }\n"


def test_a_train_override_replaces_every_models_own_value_and_says_so(tmp_path):
    path = write(tmp_path, OWN_EPOCHS)
    said = []
    exp = load_experiment(path, ["train.epochs=1", "train.lr=0.5"], on_replace=said.append)
    assert [m.train.epochs for m in exp.models] == [1, 1] and [m.train.lr for m in exp.models] == [0.5, 0.5]
    assert said == [f"--set train.epochs=1 replaces models.0.train.epochs = 12 and models.1.train.epochs = 8; "
                    f"--set train.lr=0.5 replaces models.0.train.lr = 0.01 of {path}"]
    # the stored experiment records what trains: one epochs for all, none of the file's own
    stored = tomllib.loads(exp.to_toml())
    assert stored["train"]["epochs"] == 1 and all("epochs" not in m.get("train", {}) for m in stored["models"])


@pytest.mark.parametrize("order", [["train.epochs=1", "models.1.train.epochs=5"],
                                   ["models.1.train.epochs=5", "train.epochs=1"]])
def test_a_models_own_override_on_the_same_command_line_wins(tmp_path, order):
    said = []
    exp = load_experiment(write(tmp_path, OWN_EPOCHS), order, on_replace=said.append)
    assert [m.train.epochs for m in exp.models] == [1, 5]
    assert said == [f"--set train.epochs=1 replaces models.0.train.epochs = 12 of {tmp_path / 'exp.toml'}"]


def test_an_override_that_replaces_no_file_value_says_nothing(tmp_path):
    said = []
    exp = load_experiment(write(tmp_path, GOOD), ["train.epochs=2", "train.optimizer=adam"], on_replace=said.append)
    assert said == [] and [m.train.epochs for m in exp.models] == [2, 2]


def test_the_api_trains_every_model_with_the_overridden_epochs_and_prints_what_it_replaced(tmp_path, capsys):
    import reportgen
    from helpers import TINY
    from reportgen.progress import Reporter
    from reportgen.rundir import RunDir, read_run_csv

    two_models = TINY.replace("epochs = 1", "epochs = 3").replace(
        'label = "c"', 'label = "c"\ntrain = { epochs = 3 }') + TINY[TINY.index("[[models]]"):].replace(
        'label = "c"', 'label = "d"\ntrain = { epochs = 2 }')
    path = write(tmp_path, two_models)
    run = RunDir(reportgen.run(path, ["train.epochs=1"], runs_dir=tmp_path / "runs", reporter=Reporter()))
    assert (f"--set train.epochs=1 replaces models.0.train.epochs = 3 and models.1.train.epochs = 2 of {path}"
            in capsys.readouterr().err)
    assert [len(read_run_csv(run.model(label).history, run.path)) for label in ("c", "d")] == [1, 1]
    assert load_experiment(run.experiment).models[1].train.epochs == 1


# --- every mistake names the file and the key, with the valid choices ------------------------------------

def image_folders(root: Path, *folders: str) -> Path:
    for folder in folders:
        (root / folder).mkdir(parents=True)
    return root


def data_table(dataset: str, root: Path, extra: str = "") -> tuple[str, str]:
    return 'dataset = "synthetic"', f'dataset = "{dataset}"\nroot = "{root}"\n{extra}'


@pytest.mark.parametrize("case", ["root", "root is the train folder", "train_dir", "test_dir", "csv", "cifar10",
                                  "image size", "params", "train key", "arch"])
def test_each_data_and_model_mistake_names_file_key_and_what_would_do(tmp_path, case):
    data = tmp_path / "data"
    edit, key, needles = {
        "root": (data_table("imagefolder", data / "imges"), "data.root",
                 ["does not exist", "(did you mean 'images'?)", "--set data.root=PATH"]),
        "root is the train folder": (data_table("imagefolder", data / "images" / "train"), "data.train_dir",
                                     ["names the 'train' folder itself", f"--set data.root={data / 'images'}"]),
        "train_dir": (data_table("imagefolder", data / "images", 'train_dir = "trian"'), "data.train_dir",
                      ["holds these folders: test, train (did you mean 'train'?)", "--set data.root=PATH"]),
        "test_dir": (data_table("imagefolder", data / "images", 'test_dir = "tests"'), "data.test_dir",
                     ["holds these folders: test, train (did you mean 'test'?)", "--set data.root=PATH"]),
        "csv": (data_table("csv", data / "images", 'csv = "trian.csv"'), "data.csv",
                ["label file", "holds these files: train.csv (did you mean 'train.csv'?)", "--set data.root=PATH"]),
        "cifar10": (data_table("cifar10", data / "images"), "data.root",
                    ["has no cifar-10-batches-py folder", "--set data.root=PATH", "data.download = true"]),
        "image size": (("[data]", "[data]\nimage_size = 20"), "data.image_size",
                       ["model 'Small CNN' (models.0): cnn needs an image_size divisible by 8"]),
        "params": (("fc_neurons = 16", "fc_neurons = 16, filters = [1, 2, 3]"), "models.0.params.filters",
                   ["(did you mean `conv_filters`?); arch 'cnn' takes: conv_filters, kernel_size, pool_type, "
                    "fc_neurons, dropout_rate"]),
        "train key": (("epochs = 3", "epoch = 3"), "train.epoch", ["unknown key (did you mean `epochs`?)"]),
        "arch": (('arch = "resnet18_cifar"', 'arch = "resnet43"'), "models.1.arch",
                 ["(did you mean 'resnet34'?); expected one of: cnn, resnet18_cifar,"]),
    }[case]
    image_folders(data / "images", "train/cat", "test/cat")
    (data / "images" / "train.csv").write_text("filename,label\n")
    path = write(tmp_path, GOOD.replace(*edit))
    with pytest.raises(UserError) as err:
        load_experiment(path)
    message = str(err.value)
    assert message.startswith(f"{path}: invalid experiment: `{key}`: "), message
    for needle in needles:
        assert needle in message, message


def test_a_missing_experiment_file_says_how_to_get_one(tmp_path):
    with pytest.raises(UserError, match=r"no such experiment file; `reportgen init --template NAME` writes a "
                                        r"starter \(demo, imagefolder, csv, cifar10, tuning, resnet34\)"):
        load_experiment(tmp_path / "nope.toml")


# --- fast answers: validation imports no torch ---------------------------------------------------------

def test_validation_and_the_command_line_import_no_torch():
    probe = ("import sys, reportgen.config, reportgen.cli, reportgen.models.catalog; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision', 'optuna')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_a_configuration_error_answers_in_under_two_seconds(tmp_path):
    # The CPU seconds the command spends, not the wall clock: on a shared 2-core machine under load the
    # wall clock measures the other sessions (importing torch first took about 7 CPU seconds).
    path = write(tmp_path, GOOD.replace("epochs = 3", "epoch = 3"))
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "reportgen", "run", str(path)], capture_output=True, text=True,
                          cwd=tmp_path)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    assert proc.returncode == 2 and "did you mean `epochs`" in proc.stderr
    print(f"a configuration error answered after {cpu:.2f} CPU s ({wall:.2f} s wall, load {os.getloadavg()[0]:.1f})")
    assert cpu < 2, f"{cpu:.2f} CPU s"


def test_help_says_to_repeat_set():
    for command in ("run", "tune"):
        result = CliRunner().invoke(app, [command, "--help"])
        assert "--set KEY=VALUE" in result.output and "repeat it for several" in result.output


@pytest.mark.parametrize("tune,key,needle", [
    ('pruner = "hyperband"\nstartup_trials = 3', "tune.startup_trials",
     "startup_trials set the median pruner, but tune.pruner is 'hyperband'"),
    ('pruner = "none"\nprune_from_epoch = 2\nstartup_trials = 3', "tune.prune_from_epoch",
     "prune_from_epoch and startup_trials set the median pruner, but tune.pruner is 'none'"),
    ("prune_from_epoch = 4", "tune.prune_from_epoch",
     "4 is past the last epoch of 'Small CNN' (3): no trial could be stopped"),
    ("prune_from_epoch = 0", "tune.prune_from_epoch", "Input should be greater than or equal to 1"),
    ("startup_trials = -1", "tune.startup_trials", "Input should be greater than or equal to 0"),
])
def test_a_pruner_setting_mistake_names_its_key(tmp_path, tune, key, needle):
    path = write(tmp_path, GOOD + f'[tune]\nmodel = "Small CNN"\nspace = {{ "train.lr" = [0.1] }}\n{tune}\n')
    with pytest.raises(UserError) as err:
        load_experiment(path)
    message = str(err.value)
    assert message.startswith(f"{path}: invalid experiment: `{key}`: "), message
    assert needle in message, message


def test_the_median_pruners_settings_default_to_two_trials_and_the_first_epoch(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD + '[tune]\nmodel = "Small CNN"\nspace = { "train.lr" = [0.1] }\n'))
    assert (exp.tune.pruner, exp.tune.startup_trials, exp.tune.prune_from_epoch) == ("median", 2, 1)
    searched_epochs = GOOD + '[tune]\nmodel = "Small CNN"\nspace = { "train.epochs" = [1, 8] }\nprune_from_epoch = 4\n'
    assert load_experiment(write(tmp_path, searched_epochs)).tune.prune_from_epoch == 4  # some trials reach it
