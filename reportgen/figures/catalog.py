"""Every figure an analysis can name (files.py's ids) and how each is drawn in one language: the
plots from facts analysis.json holds, the pictures from the run's figure data. Each is drawn in two
steps: a check, when the document is built, of everything the figure needs (Absent says why it
cannot be drawn, as a clause in the language: its data was never made or was not copied with the
run, every map in it is zero, ...), then the painting, only when a renderer reads the figure."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from reportgen.errors import UserError
from reportgen.figures import cams, files, pixels, plots
from reportgen.language.phrases import Phrases
from reportgen.rundir import RunDir
from reportgen.schema.analysis import Analysis, CamFacts, FeatureMapCase, ModelAnalysis

Paint = Callable[[Path], None]  # paints one checked figure to the file
Draw = Callable[[Phrases], Paint]  # checks one figure in the language of its Phrases (Absent: why not)


def always(paint: Callable[[Phrases, Path], None]) -> Draw:
    """A figure its facts can always draw: nothing to check."""
    return lambda t: lambda path: paint(t, path)


class Absent(Exception):
    """A figure that cannot be drawn; its message is why, in the language drawn."""


def data(run: RunDir, path: Path, t: Phrases, *names: str) -> dict:
    """A figure-data file's arrays (at least `names`), or Absent saying it is missing or unreadable."""
    name = str(path.relative_to(run.path))
    if not path.is_file():
        raise Absent(t("figure.absent.no_data", file=name))
    try:
        arrays = files.load_arrays(path)
    except (OSError, ValueError, zipfile.BadZipFile):  # truncated, or not a plain array file
        arrays = {}
    if not set(names) <= set(arrays):
        raise Absent(t("figure.absent.bad_data", file=name))
    return arrays


def check_maps(items: list[CamFacts], t: Phrases) -> None:
    """Absent when none of a figure's maps can be drawn: all zero, not finite, or some of each."""
    issues = {c.map_issue for c in items}
    if items and None not in issues:
        raise Absent(t(f"figure.absent.maps_{issues.pop() if len(issues) == 1 else 'unusable'}"))


def check_finite(t: Phrases, *columns: list[float | None]) -> None:
    if all(v is None for column in columns for v in column):
        raise Absent(t("figure.absent.no_finite_values"))


def curves(m: ModelAnalysis, metric: str) -> Draw:
    h = m.history
    train, val = (h.train_loss, h.val_loss) if metric == "loss" else (h.train_acc, h.val_acc)

    def draw(t: Phrases) -> Paint:
        check_finite(t, train, val)
        return lambda path: plots.curves(h.epoch, train, val, metric, m.label, t, path)
    return draw


def feature_maps(run: RunDir, m: ModelAnalysis, case: FeatureMapCase) -> Draw:
    def draw(t: Phrases) -> Paint:
        if case.issue:
            raise Absent(t(f"figure.absent.features_{case.issue}"))
        names = [f"stage{k}" for k in range(len(case.stages))]
        arrays = data(run, files.feature_map_data(run, m.slug, case.correct), t, "image", *names)
        return lambda path: pixels.feature_grid(
            arrays["image"], {s.stage: (s.shape, arrays[name]) for s, name in zip(case.stages, names)}, t, path)
    return draw


def grad_cams(run: RunDir, m: ModelAnalysis, name: str) -> Draw:
    items = getattr(m.explanation, name)
    maps = [c for group in items for c in group.images] if name == "gallery" else items

    def draw(t: Phrases) -> Paint:
        check_maps(maps, t)
        arrays = cams.Maps.of(data(run, files.cam_data(run, m.slug), t, *cams.ARRAYS))
        return lambda path: cams.DRAW[name](arrays, items, t, path)
    return draw


def model_figure(a: Analysis, run: RunDir, m: ModelAnalysis, kind: str) -> Draw:
    """One model's figure `kind` (files.model_figure); KeyError when the model has no such figure."""
    classes = a.dataset.classes
    if kind in ("loss", "accuracy"):
        return curves(m, kind)
    if kind in ("confusion", "confusion_normalized"):
        return always(lambda t, path: plots.confusion(m.confusion_matrix, classes, m.label, t, path,
                                                      normalized=kind == "confusion_normalized"))
    if kind == "confusion_top":
        return always(lambda t, path: plots.confusion_top(m.confusion_matrix, classes, m.label, t, path))
    cases = {f"featuremaps-{'correct' if c.correct else 'wrong'}": c for c in m.feature_maps}
    if kind in cases:
        return feature_maps(run, m, cases[kind])
    if kind.removeprefix("cam-") in cams.DRAW and m.explanation:
        return grad_cams(run, m, kind.removeprefix("cam-"))
    raise KeyError(kind)


def curve_grid(a: Analysis) -> Draw:
    """The small multiples of every model with curves (MIN_CURVE_EPOCHS epochs or more; the report
    shows a shorter history as a table)."""
    drawn = [m for m in a.models if len(m.history.epoch) >= files.MIN_CURVE_EPOCHS]
    series = {m.label: {"accuracy": (m.history.train_acc, m.history.val_acc),
                        "loss": (m.history.train_loss, m.history.val_loss)} for m in drawn}

    def draw(t: Phrases) -> Paint:
        check_finite(t, *(column for metrics in series.values() for pair in metrics.values() for column in pair))
        return lambda path: plots.curve_grid(series, {m.label: m.history.epoch for m in drawn}, t, path)
    return draw


def search(a: Analysis) -> Draw:
    tuning = a.tuning
    trials = [(trial.number, trial.value, trial.state) for trial in tuning.trials]

    def draw(t: Phrases) -> Paint:
        if all(value is None for _, value, _ in trials):
            raise Absent(t("figure.absent.no_trial_values"))
        return lambda path: plots.search(trials, tuning.importances, tuning.metric, t, path)
    return draw


def disagreement(a: Analysis, run: RunDir, slug_a: str, slug_b: str) -> Draw:
    labels = {m.slug: m.label for m in a.models}
    d = next(d for d in a.disagreements if (d.a, d.b) == (labels[slug_a], labels[slug_b]))

    def draw(t: Phrases) -> Paint:
        check_maps([c for item in d.a_right + d.b_right for c in (item.a, item.b)], t)
        maps = [cams.Maps.of(data(run, files.cam_data(run, slug), t, *cams.ARRAYS)) for slug in (slug_a, slug_b)]
        return lambda path: cams.disagreement(*maps, d, t, path)
    return draw


def samples(a: Analysis, run: RunDir) -> Draw:
    def draw(t: Phrases) -> Paint:
        arrays = data(run, files.samples_data(run), t, "images", "labels")
        return lambda path: pixels.samples_grid(arrays["images"], arrays["labels"], a.dataset.classes, t, path)
    return draw


def figure(a: Analysis, run: RunDir, key: str) -> Draw:
    """How figure `key` of the analysis is drawn; a UserError when the analysis has no facts for it
    (a damaged or hand-edited analysis.json)."""
    models = {m.slug: m for m in a.models}
    try:
        match key.split("/"):
            case ["dataset", "samples"]:
                return samples(a, run)
            case ["dataset", "distribution"] if a.dataset.class_counts:
                return always(lambda t, path: plots.distribution(a.dataset.classes, a.dataset.class_counts, t, path))
            case ["comparison", "curves"]:
                return curve_grid(a)
            case ["models", "lr"]:
                return always(lambda t, path: plots.lr_grid({m.label: (m.history.epoch, m.history.lr)
                                                             for m in a.models if files.scheduled(m)}, t, path))
            case ["models", "reliability"]:
                return always(lambda t, path: plots.reliability_grid({m.label: m.calibration for m in a.models
                                                                      if files.calibrated(m)}, t, path))
            case ["comparison", "per_class"]:
                return always(lambda t, path: plots.per_class_bars(a.dataset.classes, {
                    m.label: [c.accuracy for c in m.per_class] for m in a.models if m.accuracy is not None}, t, path))
            case ["tuning", "search"] if a.tuning:
                return search(a)
            case ["model", slug, kind]:
                return model_figure(a, run, models[slug], kind)
            case ["disagreement", slug_a, slug_b]:
                return disagreement(a, run, slug_a, slug_b)
    except (KeyError, StopIteration):
        pass
    raise UserError(f"{run.analysis} names a figure it holds no facts for ('{key}'): it is damaged; delete it "
                    "and `reportgen render` computes it again from the run's files")
