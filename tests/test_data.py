"""Datasets, the seeded split and the batch transforms (incl. the reference notebook's transform bug)."""

import numpy as np
import pytest
import torch
from PIL import Image

from reportgen.config import DataConfig
from reportgen.data import BatchLoader, BatchTransform, load_dataset, make_transforms
from reportgen.errors import UserError


def image_folder(root, classes=("cat", "dog"), per_class=6, size=12):
    rng = np.random.default_rng(0)
    for c in classes:
        (root / c).mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(root / c / f"{i}.png")
    return root


def test_imagefolder_with_test_split(tmp_path):
    image_folder(tmp_path / "train")
    image_folder(tmp_path / "test", per_class=2)
    cfg = DataConfig(dataset="imagefolder", root=str(tmp_path), test_dir="test", val_split=4, image_size=16)
    data = load_dataset(cfg, seed=1)
    assert data.classes == ["cat", "dog"]
    assert (len(data.train), len(data.val), len(data.test)) == (8, 4, 4)
    assert data.train.images.shape == (8, 3, 16, 16) and data.train.images.dtype == torch.uint8
    assert data.eval_split == "test" and data.val.labels.bincount().tolist() == [2, 2]  # stratified


def test_csv_layout(tmp_path):
    image_folder(tmp_path / "raw")
    (tmp_path / "train").mkdir()
    rows = ["filename,label"]
    for i, p in enumerate(sorted((tmp_path / "raw").rglob("*.png"))):
        p.rename(tmp_path / "train" / f"img{i}.png")
        rows.append(f"img{i}.png,{'rendang' if i % 2 else 'bakso'}")
    (tmp_path / "train.csv").write_text("\n".join(rows))
    data = load_dataset(DataConfig(dataset="csv", root=str(tmp_path), val_split=0.25, image_size=8), seed=0)
    assert data.classes == ["bakso", "rendang"] and data.test is None and data.eval_split == "val"
    assert len(data.train) + len(data.val) == 12 and len(data.val) == 3


def test_split_is_seeded(tmp_path):
    cfg = DataConfig(dataset="digits", image_size=8, val_split=0.2, limit_train=500)
    a, b, c = (load_dataset(cfg, seed) for seed in (7, 7, 8))
    assert torch.equal(a.val.images, b.val.images) and torch.equal(a.train.labels, b.train.labels)
    assert not torch.equal(a.val.images, c.val.images)
    assert len(a.train) + len(a.val) == 500 and len(a.test) == 360  # the fixed digits test split


def test_corrupt_image_is_named(tmp_path):
    image_folder(tmp_path / "train")
    bad = tmp_path / "train" / "dog" / "broken.jpg"
    bad.write_bytes(b"not an image at all")
    with pytest.raises(UserError, match="broken.jpg"):
        load_dataset(DataConfig(dataset="imagefolder", root=str(tmp_path), val_split=2), seed=0)


def test_val_split_larger_than_pool(tmp_path):
    image_folder(tmp_path / "train")
    with pytest.raises(UserError, match="val_split = 50 is not smaller than the training pool"):
        load_dataset(DataConfig(dataset="imagefolder", root=str(tmp_path), val_split=50), seed=0)


def test_missing_cifar10_says_where_to_put_it(tmp_path):
    (tmp_path / "cifar" / "cifar-10-batches-py").mkdir(parents=True)  # the folder, without its files
    with pytest.raises(UserError, match="cifar-10-batches-py"):
        load_dataset(DataConfig(dataset="cifar10", root=str(tmp_path / "cifar")), seed=0)


@pytest.mark.parametrize("existing", [(), ("data",)])
def test_a_failed_cifar10_download_leaves_no_folder_it_made(tmp_path, monkeypatch, existing):
    import urllib.error

    import torchvision.datasets.utils

    def offline(url, *args, **kwargs):  # the first request of torchvision's download, after it made `root`
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torchvision.datasets.utils, "_get_redirect_url", offline)
    for folder in existing:
        (tmp_path / folder).mkdir()
    with pytest.raises(UserError, match=r"no network.*--set data\.root=PATH"):
        load_dataset(DataConfig(dataset="cifar10", root=str(tmp_path / "data" / "cifar10"), download=True), seed=0)
    assert [p.name for p in tmp_path.iterdir()] == list(existing)  # what was there before stays


def test_train_and_eval_transforms_are_independent():
    """Regression for the reference notebook, which gave its training subset the validation transforms:
    only the training pipeline augments, and changing one pipeline leaves the other as it was."""
    cfg = DataConfig(dataset="synthetic", augment=["random_crop", "hflip"])
    train_tf, eval_tf = make_transforms(cfg)
    assert train_tf is not eval_tf and train_tf.augment == ("random_crop", "hflip") and eval_tf.augment == ()
    data = load_dataset(cfg, seed=0)
    x = data.train.images[:32]
    plain = eval_tf(x)
    assert torch.equal(plain, eval_tf(x))  # evaluation is deterministic
    augmented = train_tf(x, torch.Generator().manual_seed(0))
    assert not torch.equal(augmented, plain)
    eval_tf.augment = ("hflip",)  # what the reference notebook did to its shared dataset object
    assert train_tf.augment == ("random_crop", "hflip")
    train_loader = BatchLoader(data.train, 8, train_tf, torch.device("cpu"), shuffle=True,
                               generator=torch.Generator())
    assert train_loader.transform is train_tf


def test_random_crop_matches_torchvision_semantics():
    norm = DataConfig(dataset="synthetic", normalize={"mean": [0, 0, 0], "std": [1, 1, 1]}).norm
    images = torch.full((64, 3, 32, 32), 255, dtype=torch.uint8)
    out = BatchTransform(norm, ("random_crop",))(images, torch.Generator().manual_seed(3))
    assert out.shape == (64, 3, 32, 32)
    # Zero padding of 4 px: shifted crops show up to 4 black rows/columns, never more.
    black_rows = (out[:, 0].amax(2) == 0).sum(1)
    assert black_rows.max() <= 4 and black_rows.float().mean() > 0.5
    # Each image gets its own offset.
    assert len({tuple(r.tolist()) for r in (out[:, 0, :, 0] == 0).int()}) > 5


def test_hflip_flips_about_half_of_the_images():
    norm = DataConfig(dataset="synthetic").norm
    images = torch.arange(32, dtype=torch.uint8).repeat(400, 3, 32, 1)  # increasing left to right
    out = BatchTransform(norm, ("hflip",))(images, torch.Generator().manual_seed(0))
    flipped = (out[:, 0, 0, 0] > out[:, 0, 0, -1]).float().mean()
    assert 0.4 < flipped < 0.6


def test_loader_covers_every_image_once_per_epoch():
    data = load_dataset(DataConfig(dataset="synthetic"), seed=0)
    _, eval_tf = make_transforms(DataConfig(dataset="synthetic"))
    loader = BatchLoader(data.train, 7, eval_tf, torch.device("cpu"), shuffle=True, generator=torch.Generator())
    labels = torch.cat([y for _, y in loader])
    assert len(loader) == -(-len(data.train) // 7)
    assert sorted(labels.tolist()) == sorted(data.train.labels.tolist())


def test_decoded_images_are_cached_and_invalidated(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTGEN_CACHE", str(tmp_path / "cache"))
    image_folder(tmp_path / "train")
    cfg = DataConfig(dataset="imagefolder", root=str(tmp_path), val_split=2, image_size=8)
    first = load_dataset(cfg, seed=0)
    assert len(list((tmp_path / "cache").glob("images-8px-*.pt"))) == 1
    again = load_dataset(cfg, seed=0)
    assert torch.equal(first.train.images, again.train.images)
    # A changed file is decoded anew, never served stale from the cache.
    Image.new("RGB", (12, 12), (255, 0, 0)).save(tmp_path / "train" / "cat" / "0.png")
    changed = load_dataset(cfg, seed=0)
    assert len(list((tmp_path / "cache").glob("images-8px-*.pt"))) == 2
    assert not torch.equal(torch.cat([first.train.images, first.val.images]),
                           torch.cat([changed.train.images, changed.val.images]))


@pytest.mark.slow
def test_streamed_files_train_exactly_like_decoded_ones(tmp_path, monkeypatch):
    """A dataset too large for memory streams through DataLoader workers; the same seed must give
    the same batches, augmentation and so the same training history as the decoded path."""
    from reportgen.config import ModelSpec
    from reportgen.data import FileSplit
    from reportgen.progress import Reporter
    from reportgen.rundir import ModelDir, read_run_csv
    from reportgen.train import fit

    image_folder(tmp_path / "train", per_class=10, size=20)
    image_folder(tmp_path / "test", per_class=3, size=20)
    cfg = DataConfig(dataset="imagefolder", root=str(tmp_path), test_dir="test", val_split=6, image_size=16,
                     augment=["random_crop", "hflip"], num_workers=1)
    spec = ModelSpec.model_validate({"arch": "cnn", "label": "tiny", "params": {"conv_filters": [4, 4, 8],
                                     "fc_neurons": 8}, "train": {"epochs": 2, "batch_size": 4, "optimizer": "adam",
                                                                 "lr": 0.01, "seed": 3}})
    histories = []
    for budget in ("8", "0"):
        monkeypatch.setenv("REPORTGEN_MAX_DECODED_GB", budget)
        data = load_dataset(cfg, seed=3)
        assert isinstance(data.train, FileSplit) == (budget == "0")
        out = ModelDir(tmp_path / f"out-{budget}")
        fit(spec, data, cfg, out, torch.device("cpu"), Reporter(quiet=True))
        histories.append([{k: v for k, v in row.items() if k != "seconds"} for row in read_run_csv(out.history, out.root)])
    assert histories[0] == histories[1]
    assert torch.equal(data.eval.images[2], load_dataset(cfg, seed=3).eval.images[2])  # lazy decode, one image
