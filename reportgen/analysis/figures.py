"""The figures a run's analysis names, by their language-free ids (reportgen/figures/files.py),
and the sample images pictures are drawn from. Which figures exist follows from the facts: curves
from MIN_CURVE_EPOCHS epochs on (fewer are a table), the confusion matrix's row shares beside it up
to ANNOTATED_CLASSES classes, its most-confused classes alone beyond. reportgen.figures draws them
when a document is rendered, in its language; nothing here draws."""

from __future__ import annotations

import torch

from reportgen.figures import files
from reportgen.rundir import RunDir
from reportgen.schema.analysis import ModelAnalysis


def model_figures(m: ModelAnalysis, classes: int) -> dict[str, str]:
    """A model's plots: its curves (when it has enough epochs), and with predictions its confusion
    matrix and the matrix's row shares or most-confused part."""
    kinds = ["loss", "accuracy"] if len(m.history.epoch) >= files.MIN_CURVE_EPOCHS else []
    if m.accuracy is not None:
        kinds += ["confusion", "confusion_normalized" if classes <= files.ANNOTATED_CLASSES else "confusion_top"]
    return {kind: files.model_figure(m.slug, kind) for kind in kinds}


def models_figures(models: list[ModelAnalysis]) -> dict[str, str]:
    """Every model's learning-rate schedule and reliability diagram, each kind one figure with a
    panel per model: those of the models that have one."""
    kinds = [kind for kind, has in (("lr", files.scheduled), ("reliability", files.calibrated))
             if any(map(has, models))]
    return {kind: files.models_figure(kind) for kind in kinds}


def comparison_figures() -> dict[str, str]:
    """Every model's curves as small multiples, and their per-class accuracy."""
    return {kind: files.comparison_figure(kind) for kind in ("curves", "per_class")}


def to_pixels(images: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) -> (N, H, W, 3): how pictures are stored and drawn."""
    return images.permute(0, 2, 3, 1)


def save_samples(run: RunDir, images: torch.Tensor, labels: torch.Tensor, classes: int) -> str:
    """The first SAMPLES_PER_CLASS training images of each of the first SAMPLE_CLASSES classes,
    as the sample grid's data; its id."""
    picks = torch.cat([(labels == k).nonzero().flatten()[:files.SAMPLES_PER_CLASS]
                       for k in range(min(classes, files.SAMPLE_CLASSES))])
    files.save_arrays(files.samples_data(run), images=files.stored_images(to_pixels(images[picks]).numpy()),
                      labels=labels[picks].numpy())
    return files.SAMPLES
