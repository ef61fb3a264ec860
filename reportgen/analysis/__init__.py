"""Analysis: a run directory -> the `Analysis` tree (analysis.json) of language-free facts, and
the figure data pictures are drawn from (figure-data/). Renderers read the tree and draw the
figures in their language (reportgen.figures); they never recompute.

    analyse(run_dir)       computes everything and writes RUN/analysis.json + figure-data/
    load_analysis(run_dir) reads analysis.json, computing it first when it is missing or outdated
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from reportgen.analysis import figures
from reportgen.analysis.architecture import layer_table
from reportgen.analysis.calibration import calibration
from reportgen.analysis.depth import weight_depth
from reportgen.analysis.diagnostics import compare, cross_entropies, diagnose
from reportgen.analysis.distribution import class_counts
from reportgen.analysis.explain import explain_models
from reportgen.analysis.facts import Predictions, model_facts, read_predictions
from reportgen.analysis.featuremaps import feature_map_cases
from reportgen.analysis.seeds import seed_summary, seed_tests
from reportgen.analysis.source import model_code
from reportgen.analysis.stats import model_intervals
from reportgen.schema.analysis import Analysis, DatasetInfo, Environment, ModelAnalysis, Note, Tuning
from reportgen.config import Experiment, validate_experiment
from reportgen.data import DatasetSplits, load_dataset
from reportgen.errors import UserError
from reportgen.figures import files
from reportgen.models import ARCHITECTURES, build
from reportgen.rundir import ModelDir, RunDir, atomic_write_text, load_torch, open_run, read_json

__all__ = ["analyse", "load_analysis", "Analysis"]


def load_run_experiment(run: RunDir) -> Experiment:
    return validate_experiment(tomllib.loads(run.experiment.read_text(encoding="utf-8")), str(run.experiment))


def try_load_data(exp: Experiment, info: DatasetInfo, notes: list[Note]) -> DatasetSplits | None:
    """The images behind predictions.csv, for feature maps and samples; a run can still be
    analysed without them (e.g. copied to another machine)."""
    try:
        data = load_dataset(exp.data, exp.train.seed)
    except UserError as e:
        notes.append(Note(key="data_unavailable", values={"reason": str(e)}))
        return None
    if len(data.eval) != (info.test_size or info.val_size):
        notes.append(Note(key="data_changed"))
        return None
    return data


def analyse_model(m: ModelAnalysis, model_dir: ModelDir, run: RunDir, exp: Experiment, info: DatasetInfo,
                  data: DatasetSplits | None, prediction: Predictions | None) -> None:
    """Fill in one model's figures, diagnostics, layer table and feature maps."""
    spec = exp.model(m.label)
    net = build(spec.arch, len(info.classes), info.image_size, spec.params)
    m.architecture = layer_table(net, info.image_size)
    m.code, m.init = model_code(spec.arch, model_dir, run), ARCHITECTURES[spec.arch].init
    m.architecture.depth = weight_depth(net)
    m.figures = figures.model_figures(m, len(info.classes))
    if m.accuracy is None:
        return
    labels, preds, probs = prediction
    m.diagnostics = diagnose(m, info.val_size, cross_entropies(labels, probs))
    if data is not None and model_dir.best.is_file():
        net.load_state_dict(load_torch(model_dir.best)["model"])
        m.feature_maps = feature_map_cases(net, data.eval.images, exp.data.norm, info.classes, labels, preds, probs,
                                           run, m.slug)


def read_evaluations(models: list[ModelAnalysis], run: RunDir) -> dict[str, Predictions]:
    """Every evaluated model's predictions.csv, read once for every stage that needs it, by label;
    refused when two of them do not hold the same evaluation images."""
    predictions, labels = {}, None
    for m in models:
        if m.accuracy is None:
            continue
        model_dir = run.model(m.slug)
        predictions[m.label] = read_predictions(model_dir)
        own_labels = predictions[m.label][0]
        if labels and own_labels != labels:
            raise UserError(f"{model_dir.predictions} does not hold the same evaluation images as the other models' "
                            "predictions.csv, so the models cannot be compared; delete it and its metrics.json and "
                            f"`reportgen run <experiment.toml> --resume {run.path}` evaluates that model again")
        labels = own_labels
    return predictions


def calibrate(m: ModelAnalysis, prediction: Predictions) -> None:
    """One evaluated model's intervals and calibration."""
    m.accuracy_ci, m.macro_f1_ci = model_intervals(m.confusion_matrix)
    m.calibration = calibration(*prediction)


def read_tuning(run: RunDir) -> Tuning | None:
    if not run.tuning.is_file():
        return None
    summary = read_json(run.tuning)
    return Tuning(**{k: summary[k] for k in ("model", "sampler", "pruner", "metric", "direction", "space", "train",
                                             "trials", "best", "importances", "search_seconds")},
                  figure=files.SEARCH)


def analyse(run_dir: Path) -> Analysis:
    run = open_run(Path(run_dir))
    exp = load_run_experiment(run)
    info = DatasetInfo(**read_json(run.dataset))
    environment = Environment(**read_json(run.environment)) if run.environment.is_file() else Environment()
    models = [model_facts(spec, run.model(spec.slug), info.classes, info.image_size) for spec in exp.models]
    for spec, m in zip(exp.models, models):
        m.seeds = seed_summary(spec, run, info.classes, info.image_size)
    if not any(m.accuracy is not None for m in models):
        raise UserError(f"{run.path}: no model has predictions.csv yet, so there is nothing to report; finish "
                        f"the run with `reportgen run <experiment.toml> --resume {run.path}`")
    data_notes: list[Note] = []
    data = try_load_data(exp, info, data_notes)
    if data is not None:
        info.samples_figure = figures.save_samples(run, data.train.images, data.train.labels, len(info.classes))
    if not info.class_counts and data is not None:  # a run from before dataset.json counted them
        info.class_counts = class_counts(data)
    if info.class_counts:
        info.distribution_figure = files.DISTRIBUTION
    predictions = read_evaluations(models, run)
    for m in models:
        m.notes += data_notes if m.accuracy is not None else []
        analyse_model(m, run.model(m.slug), run, exp, info, data, predictions.get(m.label))
        if m.label in predictions:
            calibrate(m, predictions[m.label])

    labels = next(iter(predictions.values()))[0]
    comparison = compare(models, exp.report.baseline, labels, {k: p[1] for k, p in predictions.items()},
                         exp.report.alpha)
    if comparison is not None:
        comparison.seed_tests = seed_tests(models, exp.report.alpha)
        comparison.figures = figures.comparison_figures()

    disagreements = [] if data is None else explain_models(models, predictions, run, exp, info.classes,
                                                           info.image_size, data,
                                                           comparison.baseline if comparison else None)
    analysis = Analysis(run_dir=str(run.path), experiment=exp.model_dump(mode="json"), environment=environment,
                        dataset=info, models=models, comparison=comparison, tuning=read_tuning(run),
                        disagreements=disagreements)
    atomic_write_text(run.analysis, analysis.model_dump_json(indent=1))
    return analysis


def load_analysis(run_dir: Path) -> Analysis:
    """analysis.json, recomputed when it is missing or unreadable (its figures are drawn when a
    document is rendered: a missing figure, or its missing data, never recomputes it)."""
    run = open_run(Path(run_dir))
    if run.analysis.is_file():
        try:
            analysis = Analysis.model_validate_json(run.analysis.read_text(encoding="utf-8"))
        except ValidationError:  # another reportgen version's, or damaged: the run's files hold every fact
            return analyse(run.path)
        # One written before the pair tests existed has a comparison without them: recomputed, so
        # no comparison is stated without its test.
        tested = analysis.comparison is None or bool(analysis.comparison.pairs)
        # One written before the models' code and initialisation were recorded lacks them.
        tested = tested and all(m.init for m in analysis.models)
        if tested:
            analysis.run_dir = str(run.path)  # the folder may have been moved or copied since
            return analysis
    return analyse(run.path)
