"""TensorBoard: event files under DIR/<experiment>/<run folder>/<model>[/seed-N], one TensorBoard
run per model and seed, so that `tensorboard --logdir DIR` compares them (and other exported runs)
side by side: every epoch's history.csv values with the epoch as step, the final metrics with the
recipe in the HParams dashboard, and the curves and confusion matrix as images."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from torch.utils.tensorboard import SummaryWriter
from torch.utils.tensorboard.summary import hparams

from reportgen.errors import UserError
from reportgen.tracking.images import draw_images
from reportgen.tracking.run_record import RunRecord, TrainedModel


def write_model(model: TrainedModel, record: RunRecord, folder: Path) -> None:
    writer = SummaryWriter(log_dir=str(folder))
    try:
        for tag, points in model.epoch_metrics().items():
            for epoch, value in points:
                writer.add_scalar(tag, value, epoch)
        final = model.final_metrics(record.eval_split)
        step = model.facts.best_epoch or 0  # the evaluated checkpoint's epoch
        for tag, value in final.items():  # the HParams dashboard reads a metric's value from its scalar
            writer.add_scalar(tag, value, step)
        for summary in hparams({**model.params(), "status": model.facts.status}, final):
            writer.file_writer.add_summary(summary)
        with tempfile.TemporaryDirectory() as drawn:
            for tag, path in draw_images(model, record.classes, record.language, Path(drawn)).items():
                with Image.open(path) as image:
                    writer.add_image(tag, np.asarray(image.convert("RGB")), step, dataformats="HWC")
    finally:
        writer.close()


def replace_folder(new: Path, final: Path) -> None:
    """`new` takes `final`'s place: an export made again replaces the earlier one instead of adding
    a second copy of every point."""
    if final.exists():
        old = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".old"))
        final.rename(old / final.name)
        new.rename(final)
        shutil.rmtree(old)
    else:
        new.rename(final)


def write_tensorboard(record: RunRecord, target: Path) -> Path:
    """The run's event files, written to a staging folder beside their place and moved there whole;
    returns the run's folder under `target`."""
    final = target / record.experiment / record.run.path.name
    staging = None
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp"))
        for model in record.models:
            write_model(model, record, staging.joinpath(*model.folder))
        replace_folder(staging, final)
    except OSError as e:  # read-only, a file where a folder should be, a full disk
        raise UserError(f"cannot write the event files in '{target}': {e.strerror or e}; choose another folder") \
            from None
    finally:
        if staging is not None:  # left over only when the export failed
            shutil.rmtree(staging, ignore_errors=True)
    return final
