"""Where a run keeps its figures, importable without matplotlib (the analysis writes figure data
through it, the render reads it back):

    analysis.json names every figure by a language-free id, e.g. "model/cnn/loss", "comparison/per_class"
    figure-data/   what pixel figures are drawn from: sample images, activations, Grad-CAM maps (.npz)
    figures/<lang>/<id>.png   each figure as last drawn in that language (a cache; render redraws it)

Ids are paths of lower-case words, so a figure's cache file can never lie outside its folder.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
from PIL import Image

from reportgen.rundir import RunDir, atomic_write_bytes
from reportgen.schema.analysis import ModelAnalysis

DATA = "figure-data"
ID = re.compile(r"[a-z0-9_-]+(/[a-z0-9_-]+)*")

SAMPLES, DISTRIBUTION = "dataset/samples", "dataset/distribution"
SEARCH = "tuning/search"
MIN_CURVE_EPOCHS = 3  # fewer epochs are no curve: the report shows them as a table instead
ANNOTATED_CLASSES = 12  # a larger confusion matrix has no per-cell numbers (they could not be read)
SAMPLE_CLASSES = 16  # the sample grid shows at most this many classes (the dataset table names them all)
SAMPLES_PER_CLASS = 6  # images a class in the grid with one column of classes (two thirds of it with two)
FEATURE_CHANNELS = 5  # activation maps kept and shown per stage of a feature-map case
# Pixels a side of a stored image or map at most: the largest any figure prints one (a Grad-CAM
# panel, 152 px), so a 224 px run's figure data stays a few MB.
STORED_SIDE = 160


def model_figure(slug: str, kind: str) -> str:
    """The id of one model's figure: kind is loss, accuracy, confusion, confusion_normalized,
    confusion_top, featuremaps-correct, featuremaps-wrong, cam-cases, cam-per_class or cam-gallery."""
    return f"model/{slug}/{kind}"


def scheduled(m: ModelAnalysis) -> bool:
    """A model whose learning rate is drawn: one for every epoch, of enough epochs for a curve."""
    h = m.history
    return len(h.epoch) >= MIN_CURVE_EPOCHS and len(h.lr) == len(h.epoch)


def calibrated(m: ModelAnalysis) -> bool:
    """A model whose reliability diagram is drawn: one with predictions and their calibration."""
    return m.accuracy is not None and m.calibration is not None


def models_figure(kind: str) -> str:
    """lr or reliability: every model's, as small multiples (a panel per model)."""
    return f"models/{kind}"


def comparison_figure(kind: str) -> str:
    """curves (every model's, as small multiples) or per_class."""
    return f"comparison/{kind}"


def disagreement_figure(slug_a: str, slug_b: str) -> str:
    return f"disagreement/{slug_a}/{slug_b}"


def samples_data(run: RunDir) -> Path:
    """images (N, H, W, 3) uint8 and labels (N,): a few training images of each shown class."""
    return run.path / DATA / "samples.npz"


def feature_map_data(run: RunDir, slug: str, correct: bool) -> Path:
    """image (H, W, 3) uint8 and, per stage in the case's order, "stage<k>" (channels, h, w): the
    index of each value's colour (uint8, analysis/featuremaps.py stored_channels)."""
    return run.path / DATA / slug / f"featuremaps-{'correct' if correct else 'wrong'}.npz"


def cam_data(run: RunDir, slug: str) -> Path:
    """index (N,) rows of predictions.csv, image (N, H, W, 3) uint8 and map (N, H, W) uint8 (as
    stored_maps keeps them) of every image a model's Grad-CAM figures (its own and its
    disagreements) show."""
    return run.path / DATA / slug / "cams.npz"


def save_arrays(path: Path, **arrays: np.ndarray) -> None:
    """Compressed .npz, written atomically."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """A figure-data file's arrays; never unpickles (a run directory is data, not code)."""
    with np.load(path, allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def stored_images(images: np.ndarray) -> np.ndarray:
    """(N, H, W, 3) uint8 images as stored: larger ones filtered down to STORED_SIDE (Lanczos)."""
    if len(images) == 0 or max(images.shape[1:3]) <= STORED_SIDE:
        return np.ascontiguousarray(images, dtype=np.uint8)
    side = (STORED_SIDE, STORED_SIDE)
    return np.stack([np.asarray(Image.fromarray(image).resize(side, Image.Resampling.LANCZOS)) for image in images])


def shrunk(maps: np.ndarray) -> np.ndarray:
    """(N, H, W) float32 maps, larger ones scaled down to STORED_SIDE (bilinear); a value that is
    not finite as zero (such maps are never drawn)."""
    maps = np.nan_to_num(np.asarray(maps, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    if len(maps) and max(maps.shape[1:3]) > STORED_SIDE:
        side = (STORED_SIDE, STORED_SIDE)
        maps = np.stack([np.asarray(Image.fromarray(m, mode="F").resize(side, Image.Resampling.BILINEAR))
                         for m in maps])
    return maps


def stored_maps(maps: np.ndarray) -> np.ndarray:
    """(N, H, W) Grad-CAM maps in [0, 1] as stored: shrunk, then 255 x the map as uint8, which is
    all pytorch-grad-cam's overlay keeps of it (drawn_map gives it back)."""
    return np.uint8(255 * np.clip(shrunk(maps), 0.0, 1.0))


def drawn_map(stored: np.ndarray) -> np.ndarray:
    """A stored map as the overlay takes it: its uint8 value k as (k + 0.5) / 255, which the overlay
    turns back into exactly k."""
    return (stored.astype(np.float32) + 0.5) / 255


def unusable(values: np.ndarray) -> str | None:
    """Why a map cannot be drawn: "not_finite" (a NaN or infinity in it), "all_zero" (nothing but
    zeros: one colour), or None when it can."""
    if not np.isfinite(values).all():
        return "not_finite"
    return "all_zero" if not values.any() else None
