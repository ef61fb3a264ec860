"""Run-directory layout (the README's "What a run directory holds") and atomic file I/O. The run
directory is the only thing training and analysis share.

    runs/<name>/<YYYYmmdd-HHMMSS>/
      experiment.toml  environment.json  dataset.json  analysis.json  [tuning.json]
      figure-data/   what the pictures are drawn from (reportgen/figures/files.py)
      figures/<lang>/   the figures as last drawn in each language (a cache)
      <model-slug>/history.csv metrics.json predictions.csv best.pt last.pt model.py
      <model-slug>/seeds/<seed>/...   the same files for each further seed of `train.seeds`
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import torch

from reportgen.errors import UserError

HISTORY_COLUMNS = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, fsync, then rename: a reader (or a crash)
    sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 would hide results from other users
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, obj: Any) -> None:
    """Strict JSON: a NaN or infinity raises here rather than writing a file other parsers reject
    (writers state a value that is not a finite number as None)."""
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def save_torch(path: Path, obj: Any) -> None:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_torch(path: Path) -> Any:
    try:
        # weights_only: a checkpoint is data, never code to unpickle.
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # a damaged file fails as EOFError, RuntimeError, UnpicklingError, KeyError, OSError...
        raise UserError(
            f"{path} cannot be read as a checkpoint ({type(e).__name__}): it is damaged or incomplete. Delete it to "
            "restart that model with `reportgen run <experiment.toml> --resume <run directory>` (the epochs in "
            "its history are lost)"
        ) from None


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    atomic_write_text(path, out.getvalue())


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Entry:
    """A file or folder of a run or model directory, by name: `RunDir(p).analysis` is
    p/analysis.json. Declared once per name, so the layout reads as a list."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, owner_dir, owner_type=None) -> Path:
        return owner_dir.path / self.name


@dataclass(frozen=True)
class ModelDir:
    path: Path
    history, metrics, predictions = Entry("history.csv"), Entry("metrics.json"), Entry("predictions.csv")
    best, last = Entry("best.pt"), Entry("last.pt")
    code = Entry("model.py")  # the model's own source as it was when training began (the report lists it)

    def is_finished(self) -> bool:
        return self.metrics.is_file()

    def seed(self, seed: int) -> ModelDir:
        """The same files for a further seed of `train.seeds`, in seeds/<seed>/."""
        return ModelDir(self.path / "seeds" / str(seed))


@dataclass(frozen=True)
class RunDir:
    path: Path
    experiment, environment, dataset = Entry("experiment.toml"), Entry("environment.json"), Entry("dataset.json")
    analysis, figures = Entry("analysis.json"), Entry("figures")
    tuning = Entry("tuning.json")  # the search summary, when this run's configuration came from one
    logo = Entry("logo.png")  # the copy of [report] logo the documents show

    @classmethod
    def at(cls, path: Path) -> RunDir:
        path.mkdir(parents=True, exist_ok=True)
        return cls(path)

    @classmethod
    def create(cls, runs_dir: Path, name: str) -> RunDir:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        try:
            (runs_dir / name).mkdir(parents=True, exist_ok=True)
            for suffix in itertools.count(1):
                path = runs_dir / name / (stamp if suffix == 1 else f"{stamp}-{suffix}")
                try:
                    path.mkdir()  # atomic: of runs started in the same second, each gets its own folder
                    return cls(path)
                except FileExistsError:
                    continue
        except OSError as e:  # read-only, full, or a file where a folder should be
            raise UserError(f"cannot create the run directory in '{runs_dir}': {e.strerror or e}; "
                            "choose another --runs-dir") from None

    def model(self, slug: str) -> ModelDir:
        return ModelDir(self.path / slug)

    def model_seeds(self, slug: str, seeds: list[int]) -> list[tuple[int, ModelDir]]:
        """Each seed's folder: the first seed's is the model's own (every per-model analysis reads
        it), each further seed's is under it in seeds/<seed>/."""
        first = self.model(slug)
        return [(seed, first if i == 0 else first.seed(seed)) for i, seed in enumerate(seeds)]


def remove_orphan_temps(folder: Path) -> None:
    """Temporary files of atomic writes that a killed process left behind (never a finished file)."""
    for tmp in folder.rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def open_run(path: Path) -> RunDir:
    """A run directory to read: says what is missing instead of failing later on a file."""
    run = RunDir(Path(path))
    if not run.path.is_dir():
        raise UserError(f"{path}: no such run directory")
    for needed in (run.experiment, run.dataset):
        if not needed.is_file():
            raise UserError(
                f"{run.path}: not a reportgen run directory ({needed.name} is missing); "
                "make one with `reportgen run EXPERIMENT.toml`"
            )
    return run


def newest_run(runs_dir: Path) -> RunDir:
    """The most recent finished run under runs/: one whose analysis was written (a run that failed
    or is still training has none)."""
    candidates = [p.parent for p in runs_dir.glob("*/*/analysis.json")] if runs_dir.is_dir() else []
    if not candidates:
        raise UserError(
            f"no finished run under '{runs_dir}'; train one first, e.g. `reportgen run experiments/demo.toml`"
        )
    return RunDir(max(candidates, key=lambda p: (p.stat().st_mtime, p.name)))
