"""Analysing a run: its files read and checked (read_run_files), then every stage in order
(analyse_files) into analysis.json and figure-data/; `analyse(run_dir)` does both."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportgen.analysis import figures
from reportgen.analysis.advice import run_health
from reportgen.analysis.architecture import layer_table
from reportgen.analysis.calibration import calibration
from reportgen.analysis.conditions import timing, training_conditions
from reportgen.analysis.depth import weight_depth
from reportgen.analysis.diagnostics import compare, cross_entropies, diagnose
from reportgen.analysis.distribution import class_counts
from reportgen.analysis.explain import explain_models
from reportgen.analysis.facts import Predictions, model_facts, read_predictions
from reportgen.analysis.featuremaps import feature_map_cases
from reportgen.analysis.findings import conclude
from reportgen.analysis.modifications import modifications
from reportgen.analysis.objectives import objective_scopes
from reportgen.analysis.seeds import seed_summary, seed_tests
from reportgen.analysis.source import model_code
from reportgen.analysis.states import model_state
from reportgen.analysis.stats import model_intervals
from reportgen.analysis.verdicts import judge
from reportgen.config import Experiment
from reportgen.data import DatasetSplits, load_dataset
from reportgen.errors import UserError
from reportgen.figures import files
from reportgen.models import ARCHITECTURES, build
from reportgen.progress import Reporter
from reportgen.rundir import (DATASET_ADVICE, ModelDir, RunDir, load_run_checkpoint, open_run, open_run_file,
                              present, read_experiment, read_model, recorded_data, write_model)
from reportgen.schema.analysis import Analysis, DatasetInfo, Environment, ModelAnalysis, Note, Tuning
from reportgen.schema.run import DatasetFile, EnvironmentFile, TuningSummary

ENVIRONMENT_ADVICE = "delete it: the report then leaves out where the run happened"
TUNING_ADVICE = ("it is the run's copy of the search summary (report.tuning): delete it, and the report leaves "
                 "the search out")


def try_load_data(exp: Experiment, info: DatasetInfo, environment: Environment,
                  notes: list[Note]) -> DatasetSplits | None:
    """The images behind predictions.csv, for feature maps and samples, where the run found them;
    a run can still be analysed without them (e.g. copied to another machine)."""
    try:
        data = load_dataset(recorded_data(exp.data, environment), exp.train.seed)
    except UserError as e:
        notes.append(Note(key="data_unavailable", values={"reason": str(e)}))
        return None
    if len(data.eval) != (info.test_size or info.val_size):
        notes.append(Note(key="data_changed"))
        return None
    return data


def analyse_model(m: ModelAnalysis, model_dir: ModelDir, run: RunDir, exp: Experiment, info: DatasetInfo,
                  data: DatasetSplits | None, prediction: Predictions | None, tuning: Tuning | None) -> None:
    """Fill in one model's figures, diagnostics, layer table, training conditions and feature maps."""
    spec = exp.model(m.label)
    net = build(spec.arch, len(info.classes), info.image_size, spec.params)
    m.architecture = layer_table(net, info.image_size)
    m.conditions = training_conditions(m, net, info.augment, tuning)
    m.architecture.depth = weight_depth(net)
    m.figures = figures.model_figures(m, len(info.classes))
    if m.accuracy is None:
        return
    labels, preds, probs = prediction
    m.diagnostics = diagnose(m, info.val_size, cross_entropies(labels, probs))
    if data is not None and present(model_dir.best):
        net.load_state_dict(load_run_checkpoint(model_dir.best, run.path)["model"])
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


def tuning_facts(run: RunDir, summary: TuningSummary | None) -> Tuning | None:
    """The search that chose the configuration, with its figure."""
    if summary is None:
        return None
    return Tuning(**summary.model_dump(exclude={"schema_version", "study"}), figure=files.SEARCH)


def read_environment(run: RunDir) -> Environment:
    """environment.json (empty for a run that lacks it)."""
    if not present(run.environment):
        return Environment()
    record = read_model(run.environment, run.path, EnvironmentFile, ENVIRONMENT_ADVICE)
    return Environment(**record.model_dump(exclude={"schema_version"}))


@dataclass
class RunFiles:
    """What analysis reads from a run directory, every file validated before anything is computed
    (so a damaged file fails at once, in one line)."""

    run: RunDir
    exp: Experiment
    info: DatasetInfo
    environment: Environment
    models: list[ModelAnalysis]  # each model's facts from its own files
    tuning: TuningSummary | None


def read_run_files(run_dir: Path) -> RunFiles:
    run = open_run(Path(run_dir))
    exp = read_experiment(run)
    record = read_model(run.dataset, run.path, DatasetFile, DATASET_ADVICE)
    info = DatasetInfo(**record.model_dump(exclude={"schema_version"}), samples_figure="")
    models = [model_facts(spec, run.model(spec.slug), info.classes, info.image_size) for spec in exp.models]
    for spec, m in zip(exp.models, models):
        m.seeds = seed_summary(spec, run, info.classes, info.image_size)
        m.code, m.init = model_code(spec.arch, run.model(spec.slug), run), ARCHITECTURES[spec.arch].init
        if present(run.model(spec.slug).best):  # loaded later, by the feature maps and Grad-CAM: checked now
            open_run_file(run.model(spec.slug).best, run.path).close()
    if not any(m.accuracy is not None for m in models):
        if all(m.status == "diverged" for m in models):  # resuming would diverge again: the recipe must change
            raise UserError(f"{run.path}: every model diverged before a finite epoch could be evaluated (its loss "
                            "became infinite or NaN), so there is nothing to report; start a new run with a lower "
                            "learning rate, e.g. --set train.lr=0.01 (now "
                            f"{', '.join(sorted({f'{spec.train.lr:g}' for spec in exp.models}))})")
        raise UserError(f"{run.path}: no model has predictions.csv yet, so there is nothing to report; finish "
                        f"the run with `reportgen run <experiment.toml> --resume {run.path}`")
    tuning = read_model(run.tuning, run.path, TuningSummary, TUNING_ADVICE) if present(run.tuning) else None
    return RunFiles(run, exp, info, read_environment(run), models, tuning)


def analyse(run_dir: Path, reporter: Reporter | None = None) -> Analysis:
    """Every fact and figure of the run, written to analysis.json; `reporter` shows its progress."""
    return analyse_files(read_run_files(run_dir), reporter)


def analyse_files(run_files: RunFiles, reporter: Reporter | None = None) -> Analysis:
    # One stage after another over the whole run; each stage is a function of its own.
    reporter = reporter or Reporter(quiet=True)
    run, exp, info, environment, models = (run_files.run, run_files.exp, run_files.info, run_files.environment,
                                           run_files.models)
    data_notes: list[Note] = []
    data = try_load_data(exp, info, environment, data_notes)
    if data is not None:
        info.samples_figure = figures.save_samples(run, data.train.images, data.train.labels, len(info.classes))
    if not info.class_counts and data is not None:  # a run from before dataset.json counted them
        info.class_counts = class_counts(data)
    if info.class_counts:
        info.distribution_figure = files.DISTRIBUTION
    predictions = read_evaluations(models, run)
    tuning = tuning_facts(run, run_files.tuning)
    for number, m in enumerate(models, 1):
        reporter.message(f"analysing {m.label} ({number}/{len(models)})")
        m.notes += data_notes if m.accuracy is not None else []
        analyse_model(m, run.model(m.slug), run, exp, info, data, predictions.get(m.label), tuning)
        if m.label in predictions:
            calibrate(m, predictions[m.label])
        m.state = model_state(m, info.val_size)
    health = run_health(models, info.image_size)

    labels = next(iter(predictions.values()))[0]
    comparison = compare(models, exp.report.baseline, labels, {k: p[1] for k, p in predictions.items()},
                         exp.report.alpha)
    if comparison is not None:
        comparison.seed_tests = seed_tests(models, exp.report.alpha)
        conclude(comparison, models, health.weak)
        comparison.modifications = modifications(exp, models, comparison)
        comparison.figures = figures.comparison_figures()

    reporter.message("analysing the comparison and the Grad-CAM maps" if data is not None else
                     "analysing the comparison")
    disagreements = [] if data is None else explain_models(models, predictions, run, exp, info.classes,
                                                           info.image_size, data,
                                                           comparison.baseline if comparison else None)
    analysis = Analysis(run_dir=str(run.path), experiment=exp.model_dump(mode="json"), environment=environment,
                        dataset=info, models=models, comparison=comparison, tuning=tuning,
                        disagreements=disagreements, health=health, timing=timing(models, exp, run, environment),
                        figures=figures.models_figures(models),
                        objectives=objective_scopes(exp.report.objectives, [m.label for m in models]))
    judge(analysis)
    write_model(run.analysis, analysis)
    return analysis
