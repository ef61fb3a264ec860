"""The conditions each model trained under, as facts, so that a sentence states them instead of
hedging ("dropout and augmentation, if used"): its trainable and frozen parameters, its dropout,
the training images' augmentation, whether a tuning search chose its configuration, and its
training time with the machine's load while it trained.

Times are compared only when they are comparable: the mean over a model's seeds, and no model
trained while the machine was shared (its mean 1-minute load average, recorded in metrics.json,
above environment.json's CPU count: more runnable work than cores, so its time includes waiting).
"""

from __future__ import annotations

import statistics

from torch import nn

from reportgen.analysis.facts import read_metrics
from reportgen.config import Experiment, ModelSpec
from reportgen.rundir import RunDir
from reportgen.schema.analysis import Environment, ModelAnalysis, ModelTiming, Timing, TrainingConditions, Tuning

DROPOUT_LAYERS = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)


def training_conditions(m: ModelAnalysis, net: nn.Module, augment: list[str],
                        tuning: Tuning | None) -> TrainingConditions:
    """What `m` (with its layer table) trained with; `net` is the model as built for the analysis."""
    trainable = m.architecture.trainable_params if m.architecture else None
    dropouts = [module.p for module in net.modules() if isinstance(module, DROPOUT_LAYERS)]
    return TrainingConditions(
        params=m.params, trainable_params=trainable,
        frozen_params=None if trainable is None else m.architecture.total_params - trainable,
        dropout=max(dropouts) if dropouts else None, augmentation=list(augment),
        tuned=tuning is not None and tuning.model == m.label)


def load_average(spec: ModelSpec, run: RunDir) -> float | None:
    """The mean of the model's seeds' mean load averages; None unless every seed recorded one."""
    metrics = [read_metrics(folder) for _, folder in run.model_seeds(spec.slug, spec.train.run_seeds)]
    loads = [m.load_average for m in metrics if m is not None]
    return statistics.fmean(loads) if loads and None not in loads else None


def timing(models: list[ModelAnalysis], exp: Experiment, run: RunDir, environment: Environment) -> Timing:
    """Every model that trained: its time (mean over seeds) and load, and whether they may be ranked."""
    cpu_count = environment.cpu_count
    rows = []
    for m in models:
        if not m.epochs_run:
            continue
        spread = m.seeds.train_seconds if m.seeds else None
        rows.append(ModelTiming(label=m.label, seconds=spread.mean if spread else m.train_seconds,
                                seeds=spread.n if spread else 1, sd=spread.sd if spread else None,
                                load_average=load_average(exp.model(m.label), run)))
    shared = [r.label for r in rows if cpu_count and r.load_average is not None and r.load_average > cpu_count]
    known = cpu_count is not None and all(r.load_average is not None for r in rows)
    return Timing(cpu_count=cpu_count, models=rows, shared=shared, comparable=known and not shared)
