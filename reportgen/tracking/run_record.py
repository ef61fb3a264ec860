"""What an export sends, read from the run directory alone (never the dataset): each model's trained
seeds with their history, final metrics and recipe, and the documents the run folder holds.

The only module of reportgen.tracking that reads run files: it goes through the run directory's
typed readers (`read_experiment`, `read_model`) and the analysis's `model_facts`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from reportgen.analysis.facts import model_facts
from reportgen.errors import UserError
from reportgen.renderers import DEFAULT_NAMES
from reportgen.rundir import DATASET_ADVICE, RunDir, open_run, read_experiment, read_model
from reportgen.schema.analysis import ModelAnalysis
from reportgen.schema.run import DatasetFile

# history.csv's columns as tracker metrics (TensorBoard groups a chart per prefix before "/")
EPOCH_METRICS = {"train_loss": "loss/train", "val_loss": "loss/val", "train_acc": "accuracy/train",
                 "val_acc": "accuracy/val", "lr": "lr", "seconds": "epoch_seconds"}
# The evaluation split's name as the final metrics' prefix ("val/..." would read as a per-epoch value)
EVAL_PREFIX = {"test": "test", "val": "validation"}


@dataclass(frozen=True)
class TrainedModel:
    """One model trained with one seed: one TensorBoard run, one MLflow run."""

    name: str  # the model's label, with the seed when it trained with several
    folder: tuple[str, ...]  # its path under the run's export folder: (slug,) or (slug, "seed-N")
    seed: int
    facts: ModelAnalysis  # read from its own files by the analysis readers

    def epoch_metrics(self) -> dict[str, list[tuple[int, float]]]:
        """Each tracker metric's (epoch, value) pairs, as history.csv holds them; an epoch whose
        value is not a finite number (a diverged epoch) has no point."""
        history = self.facts.history
        return {tag: [(epoch, value) for epoch, value in zip(history.epoch, getattr(history, column))
                      if value is not None]
                for column, tag in EPOCH_METRICS.items()}

    def final_metrics(self, eval_split: str) -> dict[str, float]:
        """How its training went, and the evaluated checkpoint's scores (none for a model that was
        never evaluated)."""
        facts = self.facts
        metrics = {"training/epochs_run": float(facts.epochs_run), "training/total_seconds": facts.train_seconds}
        if facts.best_epoch is not None:
            metrics["training/best_epoch"] = float(facts.best_epoch)
        if facts.accuracy is not None:
            prefix = EVAL_PREFIX[eval_split]
            metrics |= {f"{prefix}/accuracy": facts.accuracy, f"{prefix}/macro_f1": facts.macro.f1,
                        f"{prefix}/macro_precision": facts.macro.precision,
                        f"{prefix}/macro_recall": facts.macro.recall, f"{prefix}/weighted_f1": facts.weighted.f1}
        return metrics

    def params(self) -> dict[str, bool | int | float | str]:
        """The resolved training recipe (`train.*`, this seed's) and the architecture's parameters
        (`model.*`, defaults filled in), flat; a list or an unset value as its JSON text."""
        return {"arch": self.facts.arch, **flat("train", self.facts.train_config),
                **flat("model", self.facts.model_params)}


def flat(prefix: str, table: dict) -> dict[str, bool | int | float | str]:
    out: dict[str, bool | int | float | str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out |= flat(f"{prefix}.{key}", value)
        elif isinstance(value, (bool, int, float, str)):
            out[f"{prefix}.{key}"] = value
        else:  # a list, or None
            out[f"{prefix}.{key}"] = json.dumps(value)
    return out


@dataclass(frozen=True)
class RunRecord:
    run: RunDir
    experiment: str  # the experiment's name
    key: str  # "<experiment>/<run folder>": names the run in a tracker, so a new export replaces it
    language: str  # the experiment's report language
    classes: list[str]
    eval_split: str  # "test", or "val" when the run has no test split
    models: list[TrainedModel]
    documents: list[Path]  # the rendered report and deck in the run folder, analysis.json, experiment.toml


def documents(run: RunDir) -> list[Path]:
    """The run folder's own files worth keeping beside a tracker's run: every rendered document (any
    language, e.g. report-en.pdf), the analysis and the experiment as it ran."""
    rendered = sorted(path for name in DEFAULT_NAMES.values()
                      for path in run.path.glob(f"{Path(name).stem}*{Path(name).suffix}") if path.is_file())
    return rendered + [path for path in (run.analysis, run.experiment) if path.is_file()]


def read_run(run_dir: Path) -> RunRecord:
    run = open_run(Path(run_dir))
    exp = read_experiment(run)
    info = read_model(run.dataset, run.path, DatasetFile, DATASET_ADVICE)
    models = []
    for spec in exp.models:
        seeds = spec.train.run_seeds
        for seed, model_dir in run.model_seeds(spec.slug, seeds):
            seeded = spec.with_seed(seed)
            facts = model_facts(seeded, model_dir, info.classes, info.image_size)
            if facts.status == "missing":  # never started: nothing to send
                continue
            folder = (spec.slug,) if len(seeds) == 1 else (spec.slug, f"seed-{seed}")
            models.append(TrainedModel(name=seeded.run_name, folder=folder, seed=seed, facts=facts))
    if not models:
        raise UserError(f"{run.path}: no model has started training, so there is nothing to export; train it with "
                        f"`reportgen run <experiment.toml> --resume {run.path}`")
    # A tracker's filters take the key as an identifier: anything else in the folder's name becomes "_"
    key = f"{exp.name}/{re.sub(r'[^A-Za-z0-9._-]', '_', run.path.name)}"
    return RunRecord(run=run, experiment=exp.name, key=key, language=exp.report.language, classes=info.classes,
                     eval_split=info.eval_split, models=models, documents=documents(run))
