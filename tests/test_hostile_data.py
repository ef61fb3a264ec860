"""Hostile inputs: CSV names that leave the image folder, an Excel CSV with a BOM, user text that
looks like mathtext in figures, files that tools leave beside the images, and class names with
control characters."""

import numpy as np
import pytest
import torch
from PIL import Image

from reportgen.figures import pixels, plots
from reportgen.config import DataConfig
from reportgen.data import load_dataset
from reportgen.errors import UserError
from reportgen.language.phrases import Phrases


def png(path, value=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((8, 8, 3), value, dtype=np.uint8)).save(path)
    return path


def csv_dataset(root, extra_row=None, bom=False):
    """root/train/img{i}.png for two classes, listed in root/train.csv (+ one extra row)."""
    rows = ["filename,label"] + [f"img{i}.png,{'b' if i % 2 else 'a'}" for i in range(6)]
    for i in range(6):
        png(root / "train" / f"img{i}.png", 40 * i)
    if extra_row:
        rows.append(extra_row)
    (root / "train.csv").write_text(("\ufeff" if bom else "") + "\n".join(rows), encoding="utf-8")
    return DataConfig(dataset="csv", root=str(root), val_split=2, image_size=8)


@pytest.mark.parametrize("name", ["../outside.png", "sub/../../outside.png", "ABSOLUTE"])
def test_csv_name_outside_the_image_folder_is_refused(tmp_path, name):
    outside = png(tmp_path / "outside.png", 255)
    name = str(outside) if name == "ABSOLUTE" else name
    cfg = csv_dataset(tmp_path, extra_row=f"{name},a")
    with pytest.raises(UserError, match=r"train\.csv.* row 8: .*outside\.png.* is outside the image folder"):
        load_dataset(cfg, seed=0)


def test_symlinks_out_of_the_tree_are_followed_in_both_layouts(tmp_path):
    """A link is made deliberately: both layouts read what it points to (the module docstring)."""
    outside = png(tmp_path / "elsewhere" / "linked.png", 255)
    cfg = csv_dataset(tmp_path / "csv", extra_row="linked.png,a")
    (tmp_path / "csv" / "train" / "linked.png").symlink_to(outside)
    data = load_dataset(cfg, seed=0)
    assert len(data.train) + len(data.val) == 7

    for c in ("a", "b"):
        for i in range(3):
            png(tmp_path / "folder" / "train" / c / f"{i}.png", 10 * i)
    (tmp_path / "folder" / "train" / "a" / "linked.png").symlink_to(outside)
    data = load_dataset(DataConfig(dataset="imagefolder", root=str(tmp_path / "folder"), val_split=2), seed=0)
    assert len(data.train) + len(data.val) == 7


def test_csv_with_utf8_bom_is_read(tmp_path):
    """Excel's "CSV UTF-8" starts with a byte-order mark before the header."""
    data = load_dataset(csv_dataset(tmp_path, bom=True), seed=0)
    assert data.classes == ["a", "b"] and len(data.train) + len(data.val) == 6


def test_user_text_that_looks_like_mathtext_is_drawn_literally(tmp_path):
    label, classes = "CNN $\\frac{a}$", ["$x^$", "cost $\\alpha"]
    epochs, t = [1, 2], Phrases("id")
    plots.curves(epochs, [0.5, 0.6], [0.4, 0.5], "accuracy", label, t, tmp_path / "curves.png")
    plots.curve_grid({label: {"accuracy": ([0.5, 0.6], [0.4, 0.5]), "loss": ([1.0, 0.8], [1.1, 0.9])}}, {label: epochs}, t,
                     tmp_path / "grid.png")
    plots.confusion([[3, 1], [0, 4]], classes, label, t, tmp_path / "confusion.png")
    plots.per_class_bars(classes, {label: [0.5, 0.9]}, t, tmp_path / "bars.png")
    images = np.zeros((4, 8, 8, 3), dtype=np.uint8)
    pixels.samples_grid(images, np.array([0, 0, 1, 1]), classes, t, tmp_path / "samples.png")
    pixels.feature_grid(images[0], {"$conv\\frac{1}$": ([2, 4, 4], np.full((2, 4, 4), 128, np.uint8))}, t,
                        tmp_path / "features.png")
    files = ["curves", "grid", "confusion", "bars", "samples", "features"]
    assert all((tmp_path / f"{n}.png").read_bytes()[:4] == b"\x89PNG" for n in files)


def test_a_corrupt_image_on_the_streaming_path_is_one_line_naming_it(tmp_path, monkeypatch):
    from reportgen.data import BatchLoader, make_transforms
    from reportgen.errors import UserError

    for cls in ("a", "b"):
        (tmp_path / "train" / cls).mkdir(parents=True)
        for k in range(4):
            Image.new("RGB", (16, 16), (40 * k, 0, 0)).save(tmp_path / "train" / cls / f"{k}.png")
    (tmp_path / "train" / "a" / "2.png").write_bytes(b"not a png")
    monkeypatch.setenv("REPORTGEN_MAX_DECODED_GB", "0")  # too large for memory: stream through workers
    cfg = DataConfig(dataset="imagefolder", root=str(tmp_path), val_split=2, image_size=16, num_workers=1)
    data = load_dataset(cfg, seed=0)
    train_tf, _ = make_transforms(cfg)
    loader = BatchLoader(data.train, 8, train_tf, torch.device("cpu"), workers=1)
    with pytest.raises(UserError) as err:
        list(loader)
    message = str(err.value)
    assert "2.png" in message and len(message.splitlines()) == 1 and "Traceback" not in message


def test_files_and_folders_made_by_tools_are_skipped_in_every_folder(tmp_path):
    """A zip made on a Mac: AppleDouble `._x.png` beside every image (garbage to a decoder), a
    hidden `.thumbnails/` inside a class, and `__MACOSX/` beside the classes; none is an image or a class."""
    for cls in ("a", "b"):
        for i in range(3):
            png(tmp_path / "train" / cls / f"{i}.png", 30 * i)
            (tmp_path / "train" / cls / f"._{i}.png").write_bytes(b"\x00\x05\x16\x07AppleDouble")
        png(tmp_path / "train" / cls / ".thumbnails" / "0.png")
    png(tmp_path / "train" / "__MACOSX" / "a" / "0.png")
    data = load_dataset(DataConfig(dataset="imagefolder", root=str(tmp_path), val_split=2, image_size=8,
                                   num_workers=0), seed=0)
    assert data.classes == ["a", "b"] and len(data.train) + len(data.val) == 6


@pytest.mark.slow
def test_class_names_lose_their_control_characters(tmp_path):
    """A class folder named with a terminal escape (or a bidi override) is shown without it in every
    table and line; its images are still read from the folder as named."""
    for cls in ("cat\x1b[31m", "dog\u202e"):
        for i in range(3):
            png(tmp_path / "train" / cls / f"{i}.png", 30 * i)
    data = load_dataset(DataConfig(dataset="imagefolder", root=str(tmp_path), val_split=2, image_size=8,
                                   num_workers=0), seed=0)
    assert data.classes == ["cat[31m", "dog"] and len(data.train) + len(data.val) == 6


def test_class_names_equal_once_cleaned_are_refused(tmp_path):
    for cls in ("cat", "cat\x1b"):
        for i in range(2):
            png(tmp_path / "train" / cls / f"{i}.png", 30 * i)
    with pytest.raises(UserError, match=r"classes 'cat' and 'cat\\x1b' are one name without their control"):
        load_dataset(DataConfig(dataset="imagefolder", root=str(tmp_path), val_split=2, image_size=8), seed=0)
