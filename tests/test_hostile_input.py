"""Hostile and careless input to `reportgen run`, `tune` and `models`, one row per way in: the exit
code, exactly one line on stderr, no traceback, and for a refused command nothing written at all
(not even an empty runs/<name>/ folder)."""

from __future__ import annotations

import os
import struct
import threading
import zlib
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from helpers import write_experiment
from reportgen.cli import app

SYNTHETIC = 'dataset = "synthetic"'


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def png_bomb(path: Path, side: int) -> Path:
    """A real decompression bomb: a 1-bit PNG of side x side black pixels, a few hundred kB on disk."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer, row = zlib.compressobj(9), bytes(1 + side // 8)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
                     + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def image_folder(root: Path, classes: dict[str, int], split: str = "train") -> Path:
    """root/split/<class>/<i>.png: `count` small images per class."""
    for name, count in classes.items():
        (root / split / name).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            Image.new("RGB", (8, 8), (40 * i % 255, 90, 20)).save(root / split / name / f"{i}.png")
    return root


def imagefolder(root: Path, test: bool = False) -> tuple[str, str]:
    extra = '\ntest_dir = "test"' if test else ""
    return SYNTHETIC, f'dataset = "imagefolder"\nroot = "{root}"{extra}\nnum_workers = 0'


def csv_table(folder: Path, body: bytes) -> tuple[str, str]:
    """folder/data/train.csv = header + body, over six real images a.png..f.png."""
    data = folder / "data"
    (data / "train").mkdir(parents=True)
    for i, name in enumerate("abcdef"):
        Image.new("RGB", (8, 8), (40 * i, 0, 0)).save(data / "train" / f"{name}.png")
    (data / "train.csv").write_bytes(b"filename,label\n" + body)
    return SYNTHETIC, f'dataset = "csv"\nroot = "{data}"\nnum_workers = 0'


GOOD_CSV = b"a.png,x\nb.png,y\nc.png,x\nd.png,y\n"


def logo(folder: Path, make) -> tuple[str, str]:
    path = make(folder)
    return 'name = "t"', f'name = "t"\n[report]\nlogo = "{path}"'


def fifo(folder: Path) -> Path:
    os.mkfifo(folder / "logo.png")
    return folder / "logo.png"


def empty_class(folder: Path, split: str) -> tuple[str, str]:
    root = image_folder(folder / "data", {"cat": 3, "dog": 3})
    image_folder(root, {"cat": 1, "dog": 1}, "test")
    (root / split / "zebra").mkdir()
    if split == "train":
        (root / "test" / "zebra").mkdir()
        (root / "train" / "zebra" / "._0.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")  # not an image
    else:
        image_folder(root, {"zebra": 3})
    return imagefolder(root, test=True)


def bomb_in_data(folder: Path) -> tuple[str, str]:
    root = image_folder(folder / "data", {"cat": 3, "dog": 3})
    png_bomb(root / "train" / "dog" / "huge.png", 20_000)
    return imagefolder(root)


def one_class(folder: Path) -> tuple[str, str]:
    return imagefolder(image_folder(folder / "data", {"cat": 4}))


# Each row: a function of the sandbox folder returning the (old, new) edit of the tiny experiment,
# the `reportgen run` options after the experiment, and a part of the one line on stderr.
RUN_CASES = {
    # a logo or data file that never yields its bytes, or yields billions of pixels
    "logo that is a FIFO": (lambda f: logo(f, fifo), [], "is not a regular file"),
    "logo that is a decompression bomb": (lambda f: logo(f, lambda d: png_bomb(d / "logo.png", 20_000)), [],
                                          "is too large to decode"),
    "logo over the pixel limit but under PIL's": (lambda f: logo(f, lambda d: png_bomb(d / "logo.png", 11_000)), [],
                                                  "(11,000 x 11,000 = 121,000,000 pixels)"),
    "decompression bomb in the data": (bomb_in_data, [], "huge.png' is too large to decode"),
    # classes the averages cannot be computed over
    "class folder with no images in train": (lambda f: empty_class(f, "train"), [], "class 'zebra' has no images"),
    "class folder with no images in test": (lambda f: empty_class(f, "test"), [], "class 'zebra' has no images"),
    "one class": (one_class, [], "has only 1 class ('cat')"),
    "CSV with one class": (lambda f: csv_table(f, b"a.png,x\nb.png,x\n"), [], "has only 1 class ('x')"),
    "CSV listing a file twice with two labels": (lambda f: csv_table(f, GOOD_CSV + b"a.png,y\n"), [],
                                                 "lists 'a.png' twice with the labels 'x' (row 2) and 'y' (row 6)"),
    "CSV listing a file twice": (lambda f: csv_table(f, GOOD_CSV + b"./a.png,x\n"), [], "(rows 2 and 6)"),
    # files that do not parse
    "CSV row without a comma": (lambda f: csv_table(f, GOOD_CSV + b"e.png\n"), [], "row 6: ['e.png'] has no"),
    "CSV label that is not UTF-8": (lambda f: csv_table(f, GOOD_CSV + b"e.png,\xff\xfe\n"), [],
                                    "row 6: not UTF-8 text"),
    "CSV field over the csv module's limit": (lambda f: csv_table(f, GOOD_CSV + b"e.png," + b"y" * 200_000), [],
                                              "row 6: not a readable CSV row (field larger than field limit"),
    "experiment nested 5,000 deep": (lambda f: ('name = "t"', 'name = "t"\nx = ' + "[" * 5000 + "]" * 5000), [],
                                     "nested more than 16 tables or lists deep"),
    "experiment nested 5,000 tables deep": (lambda f: ("fc_neurons = 16 }\n", "fc_neurons = 16 }\n["
                                                       + ".".join(["a"] * 5000) + "]\nb = 1\n"), [],
                                            "nested more than 16"),
    # values no run can use
    "normalize with nan": (lambda f: ("image_size = 16", "image_size = 16\nnormalize = { mean = [nan, 0.5, 0.5], "
                                      "std = [0.5, 0.5, 0.5] }"), [], "Input should be a finite number"),
    "normalize with inf": (lambda f: ("image_size = 16", "image_size = 16\nnormalize = { mean = [0.5, 0.5, 0.5], "
                                      "std = [inf, 0.5, 0.5] }"), [], "Input should be a finite number"),
    "learning rate inf": (lambda f: ("epochs = 1", "epochs = 1"), ["--set", "train.lr=inf"],
                          "`train.lr`: Input should be a finite number"),
    "negative seed in seeds": (lambda f: ("epochs = 1", "epochs = 1\nseeds = [-5, 2]"), [], "`train.seeds.0`"),
    "negative seed": (lambda f: ("epochs = 1", "epochs = 1\nseed = -1"), [], "`train.seed`: Input should be greater"),
    "seed of 2**32": (lambda f: ("epochs = 1", "epochs = 1\nseed = 4294967296"), [],
                      "less than or equal to 4294967295"),
    "a billion hidden neurons": (lambda f: ("fc_neurons = 16", "fc_neurons = 1000000000"), [], "needs about"),
    "list index past the end": (lambda f: ("epochs = 1", "epochs = 1"), ["--set", "models.0.params.conv_filters.3=5"],
                                "'3' is not an index of models.0.params.conv_filters, which has 3 item(s)"),
    "name of 300 characters": (lambda f: ('name = "t"', f'name = "{"n" * 300}"'), [], "at most 100 characters"),
    "labels that share a folder name": (lambda f: ('label = "c"', 'label = "??"\n[[models]]\narch = "cnn"\n'
                                                   'label = "!!"'), [],
                                        "model labels '??' and '!!' would share the folder name 'model'"),
}


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def unblock_after(path: Path, seconds: float) -> threading.Timer:
    """Opens the FIFO `path` for writing after `seconds`, so code that waits on it (before the fix)
    fails the test instead of hanging it."""
    def open_writer() -> None:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass

    timer = threading.Timer(seconds, open_writer)
    timer.daemon = True
    timer.start()
    return timer


@pytest.mark.parametrize("case", list(RUN_CASES))
def test_hostile_runs_are_refused_in_one_line_before_anything_is_written(sandbox, case):
    make_edit, options, message = RUN_CASES[case]
    path = write_experiment(sandbox, make_edit(sandbox))
    timer = unblock_after(sandbox / "logo.png", 20) if (sandbox / "logo.png").is_fifo() else None
    before = files_under(sandbox)
    result = CliRunner().invoke(app, ["run", str(path), *options])
    if timer:
        timer.cancel()
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert files_under(sandbox) == before  # no run directory, no runs/ folder


def test_an_experiment_that_is_not_utf8_is_one_line(sandbox):
    path = write_experiment(sandbox)
    path.write_bytes(path.read_bytes().replace(b'name = "t"', b'name = "t"\n# caf\xe9'))
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 2 and result.stderr.strip() == f"error: {path}: line 3 is not UTF-8 text; save the " \
                                                              "file as UTF-8"
    assert not (sandbox / "runs").exists()


def test_a_bad_decode_budget_is_one_line(sandbox, monkeypatch):
    monkeypatch.setenv("REPORTGEN_MAX_DECODED_GB", "abc")
    path = write_experiment(sandbox, imagefolder(image_folder(sandbox / "data", {"cat": 3, "dog": 3})))
    before = files_under(sandbox)
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "REPORTGEN_MAX_DECODED_GB = 'abc' is not a size in GB" in result.stderr
    assert files_under(sandbox) == before


def test_a_failed_cifar10_download_leaves_no_folder(sandbox, monkeypatch):
    """No network (here: a closed local port): neither a run directory nor an empty data/cifar10."""
    import torchvision

    monkeypatch.setattr(torchvision.datasets.CIFAR10, "url", "http://127.0.0.1:9/cifar-10-python.tar.gz")
    path = write_experiment(sandbox, (SYNTHETIC, 'dataset = "cifar10"\nroot = "data/cifar10"\ndownload = true'))
    before = files_under(sandbox)
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, result.output
    assert "CIFAR-10 is not under" in result.stderr and "Traceback" not in result.output
    assert files_under(sandbox) == before


# --- tune --------------------------------------------------------------------------------------

def tune_experiment(folder: Path, space: str = '{ "train.lr" = [0.1] }') -> Path:
    return write_experiment(folder, ("fc_neurons = 16 }\n", f'fc_neurons = 16 }}\n\n[tune]\nmodel = "c"\n'
                                                            f"space = {space}\n"))


TUNE_CASES = {
    "in-memory SQLite, no path": (lambda f: ["--storage", "sqlite://"], "is in memory"),
    "in-memory SQLite, :memory:": (lambda f: ["--storage", "sqlite:///:memory:"], "is in memory"),
    "runs folder that cannot be written": (lambda f: ["--runs-dir", str(f / "file" / "runs")],
                                           "cannot write the search's folder"),
    "a 1,024-point grid without --yes": (lambda f: [], "the grid has 1,024 points (4 train.lr x 4 train.momentum "
                                                       "x 4 train.weight_decay x 4 train.batch_size x 4 train.epochs)"),
}
BIG_SPACE = ('{ "train.lr" = [0.1, 0.2, 0.3, 0.4], "train.momentum" = [0.1, 0.2, 0.3, 0.4], '
             '"train.weight_decay" = [0.0, 0.1, 0.2, 0.3], "train.batch_size" = [1, 2, 3, 4], '
             '"train.epochs" = [1, 2, 3, 4] }')


@pytest.mark.parametrize("case", list(TUNE_CASES))
def test_hostile_tune_options_are_refused_in_one_line(sandbox, case):
    options, message = TUNE_CASES[case]
    (sandbox / "file").write_text("a file where a folder should be")
    path = tune_experiment(sandbox, BIG_SPACE if "grid" in case else '{ "train.lr" = [0.1] }')
    before = files_under(sandbox)
    result = CliRunner().invoke(app, ["tune", str(path), *options(sandbox)])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert files_under(sandbox) == before


def test_a_tune_name_too_long_for_a_folder_is_one_line(sandbox):
    path = tune_experiment(sandbox)
    result = CliRunner().invoke(app, ["tune", str(path), "--set", f"name={'n' * 300}"])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "`name`: String should have at most 100 characters" in result.stderr
    assert not (sandbox / "runs").exists()


# --- models ------------------------------------------------------------------------------------

@pytest.mark.parametrize("options,message", [
    (["--image-size", "100000"], "--image-size must be in [8, 1024], as data.image_size (got 100000)"),
    (["--num-classes", "1"], "--num-classes must be at least 2 (got 1)"),
])
def test_models_refuses_sizes_no_experiment_may_use(options, message):
    result = CliRunner().invoke(app, ["models", *options])
    assert result.exit_code == 2 and result.stderr.strip() == f"error: {message}"


def test_models_counts_a_model_too_large_to_allocate_and_says_it_does_not_fit():
    """At 1024 px the cnn's hidden layer alone has 4.3 billion weights: counted on the meta device,
    never allocated, with its estimate against this machine's memory."""
    result = CliRunner().invoke(app, ["models", "--image-size", "1024"], terminal_width=200)
    assert result.exit_code == 0, result.output
    cnn = next(line for line in result.output.splitlines() if "│ cnn " in line)
    assert "4,295,350,282" in cnn and "(this machine has" in cnn


# --- overrides and names -----------------------------------------------------------------------

def test_set_replaces_one_item_of_a_list(tmp_path):
    from reportgen.config import load_experiment

    exp = load_experiment(write_experiment(tmp_path), ["models.0.params.conv_filters.0=5"])
    assert exp.models[0].params["conv_filters"] == [5, 8, 8]


def test_labels_in_any_script_get_distinct_readable_folders():
    from reportgen.config import validate_experiment

    raw = {"name": "t", "data": {"dataset": "synthetic"},
           "models": [{"arch": "cnn", "label": "日本"}, {"arch": "cnn", "label": "中文"},
                      {"arch": "cnn", "label": "Réseau à 3 blocs"}, {"arch": "cnn", "label": "ResNet-18 (CIFAR)"}]}
    assert [m.slug for m in validate_experiment(raw, "t").models] == ["日本", "中文", "réseau-à-3-blocs",
                                                                     "resnet-18-cifar"]


def test_a_label_too_long_for_a_file_name_is_cut_to_fit():
    """A slug names a folder and, twice, a figure file: at most 100 bytes of UTF-8."""
    from reportgen.config import slugify

    slug = slugify("模型" * 200)
    assert slug == "模型" * 16 + "模" and len(slug.encode()) <= 100


def test_a_tuning_summary_nested_absurdly_deep_is_one_line(sandbox):
    (sandbox / "summary.json").write_text("[" * 100_000 + "]" * 100_000)
    path = write_experiment(sandbox, ('name = "t"', f'name = "t"\n[report]\ntuning = "{sandbox / "summary.json"}"'))
    before = files_under(sandbox)
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "is not the summary.json of `reportgen tune`" in result.stderr and "Traceback" not in result.output
    assert files_under(sandbox) == before


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["html", "pptx"])
def test_a_decompression_bomb_as_a_runs_logo_is_one_line_at_render(sandbox, analysed_run, fmt):
    png_bomb(analysed_run / "logo.png", 20_000)
    before = files_under(sandbox)
    result = CliRunner().invoke(app, ["render", str(analysed_run), "--format", fmt])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "logo.png' is too large to decode" in result.stderr
    assert files_under(sandbox) == before


def test_a_run_whose_every_model_diverged_says_to_lower_the_learning_rate_not_to_resume(make_run):
    """--resume would diverge again (an infinite learning rate is refused outright, see above)."""
    from helpers import CNN_PRED, RESNET_PRED, history_rows

    rows = history_rows([0.3], [0.3], [9.0], [9.0])
    run = make_run(predictions={"Small CNN": CNN_PRED, "ResNet18": RESNET_PRED},
                   histories={"Small CNN": rows, "ResNet18": rows},
                   status={"Small CNN": "diverged", "ResNet18": "diverged"})
    for predictions in run.glob("*/predictions.csv"):
        predictions.unlink()  # diverged before a finite epoch could be evaluated
    result = CliRunner().invoke(app, ["render", str(run), "--format", "html"])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "every model diverged" in result.stderr and "--set train.lr=0.01 (now 0.1)" in result.stderr
    assert "--resume" not in result.stderr
