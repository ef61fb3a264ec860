"""The pictures a tracker shows beside the numbers: one model's loss and accuracy curves and its
confusion matrix, drawn from its facts by the report's own figure functions (the run's PNGs may be
absent or in another language), with the words in the export's language."""

from __future__ import annotations

from pathlib import Path

from reportgen.figures import plots
from reportgen.language.phrases import Phrases
from reportgen.tracking.run_record import TrainedModel


def draw_images(model: TrainedModel, classes: list[str], lang: str, folder: Path) -> dict[str, Path]:
    """PNG files in `folder`, by tracker tag: "curves/loss" and "curves/accuracy" once an epoch is
    recorded, "confusion_matrix" once the model was evaluated."""
    t, history, images = Phrases(lang), model.facts.history, {}
    if history.epoch:
        for metric, train, val in (("loss", history.train_loss, history.val_loss),
                                   ("accuracy", history.train_acc, history.val_acc)):
            images[f"curves/{metric}"] = folder / f"{metric}.png"
            plots.curves(history.epoch, train, val, metric, model.name, t, images[f"curves/{metric}"])
    if model.facts.accuracy is not None:
        images["confusion_matrix"] = folder / "confusion_matrix.png"
        plots.confusion(model.facts.confusion_matrix, classes, model.name, t, images["confusion_matrix"])
    return images
