"""Builders the test files share (imported as `from helpers import ...`; no test file imports another):
hand-made run directories and experiments, synthetic analyses and model facts, and readers of what the
renderers wrote."""

from __future__ import annotations

import html
import json
import os
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pymupdf
import pypdf
import pytest
import torch

from reportgen.analysis.advice import run_health
from reportgen.analysis.calibration import calibration
from reportgen.analysis.diagnostics import compare, diagnose
from reportgen.analysis.findings import conclude
from reportgen.analysis.states import model_state
from reportgen.analysis.stats import model_intervals
from reportgen.analysis.verdicts import judge
from reportgen.config import validate_experiment
from reportgen.data import load_dataset
from reportgen.figures.cache import painted
from reportgen.language.format import Formatter
from reportgen.language.phrases import LANGUAGES, Phrases, _table
from reportgen.metrics import classification_metrics
from reportgen.models import build
from reportgen.rundir import HISTORY_COLUMNS, RunDir, save_torch, write_csv, write_model
from reportgen.runner import dataset_info
from reportgen.schema.analysis import (
    Analysis, Averages, ClassMetrics, DatasetInfo, Environment, History, ModelAnalysis, SeedResult, SeedSummary,
)
from reportgen.schema.run import EnvironmentFile, MetricsFile


# --- hand-made run directories (no training) ------------------------------------------------------

TRUE = [0, 0, 0, 1, 1, 1, 2, 2, 2]  # the synthetic test split's labels
CNN_PRED = [0, 0, 0, 1, 1, 2, 2, 2, 2]  # 8 of 9 right
RESNET_PRED = [0, 1, 1, 1, 1, 1, 2, 2, 0]  # 6 of 9 right
HANDMADE = {
    "name": "handmade",
    "report": {"title": "Eksperimen Buatan", "course": "Pembelajaran Mendalam", "assignment": "Uji",
               "authors": [{"name": "Ani", "id": "001"}, {"name": "Budi", "id": "002"}], "baseline": "Small CNN"},
    "data": {"dataset": "synthetic", "num_classes": 3, "samples_per_class": 12, "image_size": 16,
             "val_split": 0.25, "augment": ["hflip"]},
    "train": {"epochs": 6, "batch_size": 8, "early_stopping_patience": 3, "monitor": "val_acc"},
    "models": [
        {"arch": "cnn", "label": "Small CNN", "params": {"conv_filters": [4, 8, 8], "fc_neurons": 16}},
        {"arch": "resnet18_cifar", "label": "ResNet18", "description": "ResNet18 versi CIFAR."},
    ],
}


# The smallest real experiment, for tests that drive the CLI: one epoch of a tiny CNN on synthetic data.
TINY = """
name = "t"
[data]
dataset = "synthetic"
image_size = 16
[train]
epochs = 1
device = "cpu"
[[models]]
arch = "cnn"
label = "c"
params = { conv_filters = [4, 8, 8], fc_neurons = 16 }
"""
# Appended to TINY: a [tune] search over the model "c".
TUNE_TABLE = '\n[tune]\nmodel = "c"\nspace = { "train.lr" = [0.1] }\n'


def write_experiment(folder: Path, *edits: tuple[str, str]) -> Path:
    """folder/exp.toml: TINY with each (old, new) replacement made."""
    text = TINY
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "exp.toml"
    path.write_text(text)
    return path


def starter_data(dataset: str, folder: Path) -> list[str]:
    """A tiny dataset in `folder` laid out as a starter experiment of `dataset` expects it (its
    train_dir, csv and folder names left as shipped), and the --set that points the starter at it."""
    from PIL import Image

    root = folder / "starter-data"
    if dataset == "cifar10":
        (root / "cifar-10-batches-py").mkdir(parents=True)  # enough to validate; never loaded here
    elif dataset in ("imagefolder", "csv"):
        rows = ["filename,label"]
        for label in ("bakso", "rendang"):
            for k in range(4):
                name = f"{label}/{k}.png" if dataset == "imagefolder" else f"{label}-{k}.png"
                (root / "train" / name).parent.mkdir(parents=True, exist_ok=True)
                Image.new("RGB", (12, 12), (60 * k, 0, 0)).save(root / "train" / name)
                rows.append(f"{name},{label}")
        if dataset == "csv":
            (root / "train.csv").write_text("\n".join(rows) + "\n")
    else:
        return []  # built-in data: nothing to point at
    return [f"data.root={root}"]


def history_rows(train_acc, val_acc, train_loss, val_loss):
    return [[e + 1, train_loss[e], train_acc[e], val_loss[e], val_acc[e], 0.01, 1.5] for e in range(len(train_acc))]


def handmade_metrics(spec, rows: list[list], classes: list[str], params: int, status: str = "completed") -> MetricsFile:
    """metrics.json as training writes it, for a model whose history.csv has `rows` (its best
    epoch: the highest val_acc)."""
    best = dict(zip(HISTORY_COLUMNS, max(rows, key=lambda r: r[4])))
    return MetricsFile(label=spec.label, slug=spec.slug, arch=spec.arch, seed=spec.train.seed, status=status,
                       classes=classes, eval_split="test", monitor=spec.train.monitor, best_epoch=best["epoch"],
                       epochs_run=len(rows), stopped_early=False, diverged=status == "diverged",
                       train_seconds=sum(r[6] for r in rows), precision="fp32", params=params,
                       **{k: best[k] for k in ("train_acc", "val_acc", "train_loss", "val_loss")})


def build_run(folder: Path, predictions: dict[str, list[int]], histories: dict[str, list[list]],
              raw: dict | None = None, status: dict[str, str] | None = None, missing: tuple[str, ...] = ()) -> Path:
    """folder/run: a run directory as training leaves it, without training (see the make_run fixture).

    Predictions cover the synthetic test split (9 images: 3 per class, labels 0,0,0,1,1,1,2,2,2
    after sorting by class); each model gets a real (randomly initialised) best.pt."""
    raw = json.loads(json.dumps(raw or HANDMADE))
    exp = validate_experiment(raw, "handmade")
    run = RunDir.at(folder / "run")
    (run.experiment).write_text(exp.to_toml())
    data = load_dataset(exp.data, exp.train.seed)
    write_model(run.dataset, dataset_info(exp.data, data))
    write_model(run.environment, EnvironmentFile(
        device="cpu", device_name="Test CPU", python="3.11", torch="2", torchvision="0", platform="linux",
        git_commit="abc", command="reportgen run x.toml", started="2026-01-02T03:04:05"))
    labels = data.eval.labels.tolist()
    for spec in exp.models:
        if spec.label in missing:
            continue
        out = run.model(spec.slug)
        rows = histories[spec.label]
        write_csv(out.history, HISTORY_COLUMNS, rows)
        state = (status or {}).get(spec.label, "completed")
        if state == "interrupted":
            continue
        preds = predictions[spec.label]
        n = len(data.classes)
        probs = [[0.8 if c == p else 0.2 / (n - 1) for c in range(n)] for p in preds]
        write_csv(out.predictions, ["index", "label", "pred", *[f"prob_{c}" for c in data.classes]],
                  [[i, y, p, *pr] for i, (y, p, pr) in enumerate(zip(labels, preds, probs))])
        best = max(rows, key=lambda r: r[4])
        torch.manual_seed(0)  # the same weights every time: what the maps show (or whether they are flat) is fixed
        model = build(spec.arch, len(data.classes), exp.data.image_size, spec.params)
        save_torch(out.best, {"model": model.state_dict(), "arch": spec.arch, "params": spec.params,
                              "num_classes": len(data.classes), "image_size": exp.data.image_size,
                              "epoch": best[0]})
        write_model(out.metrics, handmade_metrics(spec, rows, data.classes,
                                                  sum(p.numel() for p in model.parameters()), state))
    return run.path


# The hand-made run: two models on 9 test images; the CNN gets 8 right, ResNet18 6; ResNet18 overfits.
HANDMADE_PREDICTIONS = {"Small CNN": CNN_PRED, "ResNet18": RESNET_PRED}
HANDMADE_HISTORIES = {
    "Small CNN": history_rows([.5, .6, .7, .75, .8, .82], [.5, .55, .65, .7, .78, .80],
                              [1.0, .9, .8, .7, .6, .55], [1.1, 1.0, .9, .85, .8, .78]),
    "ResNet18": history_rows([.6, .8, .9, .95, .99, 1.0], [.5, .6, .62, .6, .61, .6],
                             [.9, .5, .3, .2, .1, .05], [1.0, .8, .9, 1.4, 1.3, 1.5]),
}


# --- synthetic analyses: predictions of the same images, judged as analyse() judges them ----------

PER_CLASS = 12
LABELS = [c for c in range(3) for _ in range(PER_CLASS)]  # 36 evaluation images


def wrong_on(indices: range) -> list[int]:
    return [(y + 1) % 3 if i in indices else y for i, y in enumerate(LABELS)]


def model_analysis(label: str, arch: str, labels: list[int], pred: list[int], probs: np.ndarray, classes: list[str],
                   params: int, seconds: float) -> ModelAnalysis:
    """A model's facts as analyse() computes them from its predictions.csv (no training, no figures)."""
    scores = classification_metrics(labels, pred, classes)
    m = ModelAnalysis(
        label=label, slug=label.lower(), arch=arch, description="", reference="", status="completed",
        params=params, train_config={"monitor": "val_acc", "lr": 0.01}, model_params={}, accuracy=scores["accuracy"],
        macro=Averages(**scores["macro"]), weighted=Averages(**scores["weighted"]),
        per_class=[ClassMetrics(name=k, **v) for k, v in scores["per_class"].items()],
        confusion_matrix=scores["confusion_matrix"], best_epoch=1, epochs_run=1, stopped_early=False,
        train_seconds=seconds, train_acc=None, val_acc=None, train_loss=1.0, val_loss=1.0, history=History(),
        architecture=None, diagnostics=None, feature_maps=[], figures={}, notes=[])
    m.accuracy_ci, m.macro_f1_ci = model_intervals(m.confusion_matrix)
    m.calibration = calibration(labels, pred, probs)
    return m


def analysis_of(labels: list[int], preds: dict[str, list[int]], alpha: float = 0.05, archs: dict | None = None,
                probs: dict | None = None) -> Analysis:
    """The analysis of models with these predictions of the same images."""
    classes = [f"class_{c}" for c in range(max(max(labels), *(max(p) for p in preds.values())) + 1)]
    probs = probs or {label: np.eye(len(classes))[pred] * 0.8 + 0.2 / len(classes) for label, pred in preds.items()}
    models = [model_analysis(label, (archs or {}).get(label, "cnn"), labels, pred, probs[label], classes,
                             params=1000 * (i + 1), seconds=1.5 * (i + 1))
              for i, (label, pred) in enumerate(preds.items())]
    n = len(labels)
    dataset = DatasetInfo(name="synthetic", classes=classes, train_size=4 * n, val_size=n, test_size=n,
                          eval_split="test", image_size=16, normalize_mean=[0.5] * 3, normalize_std=[0.5] * 3,
                          augment=[], samples_figure="")
    for m in models:  # each model's state and the pair conclusions, as analyse() decides them
        m.state = model_state(m, n)
    health = run_health(models, dataset.image_size)
    comparison = compare(models, None, labels, preds, alpha)
    if comparison is not None:
        conclude(comparison, models, health.weak)
    return judge(Analysis(run_dir="run", experiment={}, environment=Environment(), dataset=dataset, models=models,
                          comparison=comparison, health=health))


NAMES = ["Alfa", "Beta", "Gamma", "Delta"]


def generated_analysis(seed: int, n: int, models: int, classes: int, copies: list[bool], alpha: float) -> Analysis:
    """Models with random accuracies and confidences (some copying another's predictions) on n images."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    preds, probs = {}, {}
    for i, label in enumerate(NAMES[:models]):
        if i and copies[i]:
            pred = np.asarray(preds[NAMES[i - 1]])
        else:
            right = rng.random(n) < rng.uniform(0.3, 1.0)
            pred = np.where(right, labels, (labels + rng.integers(1, classes, n)) % classes)
        confidence = rng.uniform(1 / classes, 1, n)
        probs[label] = np.repeat(((1 - confidence) / (classes - 1))[:, None], classes, 1)
        probs[label][np.arange(n), pred] = confidence
        preds[label] = pred.tolist()
    return analysis_of(labels.tolist(), preds, alpha, probs=probs)


def template_regex(text: str) -> re.Pattern:
    """A phrase as a regular expression: each {name} captures (repeated names must match again)."""
    pattern, seen = "", set()
    for literal, name, _, _ in string.Formatter().parse(text):
        pattern += re.escape(literal)
        if name is not None:
            pattern += f"(?P={name})" if name in seen else f"(?P<{name}>.+?)"
            seen.add(name)
    return re.compile(pattern + "$")


def templates(lang: str) -> dict[str, tuple[re.Pattern, int]]:
    """Every phrase as a pattern, with the length of its literal text (the most specific match wins)."""
    return {key: (template_regex(v[lang]), len(re.sub(r"\{\w+\}", "", v[lang]))) for key, v in _table().items()}


def numbers(text: str) -> list[str]:
    return re.findall(r"\d(?:[\d.,]*\d)?", text)


def fact_numbers(a: Analysis, f: Formatter) -> set[str]:
    """Every number of the analysis.json facts, as each Formatter method would write it."""
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            found.update(numbers(str(len(node))))
            for v in node:
                walk(v)
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            shown = [f.percent(node), f.pp(node), f.decimal(node), f.general(node), f.p_value(node),
                     f.change_pct(node), f.seconds(node), *(f.number(node, d) for d in (0, 1, 2, 3)),
                     f.number(1 + node / 100, 1)]  # a relative change as a factor ("2,0 kali lipat")
            if float(node).is_integer():
                shown.append(f.integer(node))
            for s in shown:
                found.update(numbers(s))

    walk(json.loads(a.model_dump_json()))
    return found


def significant(a: Analysis, x: str, y: str) -> bool:
    """The pair test says x is more accurate than y."""
    return any(p.significant and (p.a, p.b) == (x, y) for p in a.comparison.pairs)


# --- model facts written by hand (no run directory) -----------------------------------------------

THREE = [c for c in range(3) for _ in range(40)]  # 120 evaluation images, 40 per class


def right_where(labels: list[int], wrong) -> list[int]:
    """Predictions right except on the images where `wrong(i)` holds, each mistaken for the next class."""
    k = max(labels) + 1
    return [(y + 1) % k if wrong(i) else y for i, y in enumerate(labels)]


A110 = right_where(THREE, lambda i: i % 12 == 0)  # 110 of 120 right


def curves(val_acc: list[float], train_loss: list[float] | None = None) -> History:
    """A history with these validation accuracies, training accuracy 2 pp above them (no
    overfitting) and losses that fall with them unless `train_loss` is given."""
    n = len(val_acc)
    falling = [1.0 - 0.1 * e for e in range(n)]
    return History(epoch=list(range(1, n + 1)), train_acc=[min(1.0, v + 0.02) for v in val_acc],
                   val_acc=val_acc, train_loss=train_loss or falling, val_loss=[v + 0.05 for v in falling],
                   lr=[0.01] * n, seconds=[1.0] * n)


CONVERGED = curves([.5, .7, .8, .85, .86, .86])  # the last two epochs within the noise of the best before


@dataclass
class Model:
    label: str
    preds: list[int]
    history: History = field(default_factory=lambda: CONVERGED)
    seeds: list[float] = field(default_factory=list)  # accuracies of its seeds (none: one seed)


def facts(spec: Model, labels: list[int]) -> ModelAnalysis:
    """The model's facts as analyse() has them before judging: metrics from its predictions, its
    history and best-epoch values, diagnostics, intervals and seeds."""
    classes = [f"class_{c}" for c in range(max(labels) + 1)]
    scores = classification_metrics(labels, spec.preds, classes)
    h = spec.history
    best = max(range(len(h.epoch)), key=lambda e: h.val_acc[e])
    m = ModelAnalysis(
        label=spec.label, slug=spec.label.lower(), arch="cnn", description="", reference="", status="completed",
        params=1000, train_config={"lr": 0.01, "monitor": "val_acc"}, model_params={}, accuracy=scores["accuracy"],
        macro=Averages(**scores["macro"]), weighted=Averages(**scores["weighted"]),
        per_class=[ClassMetrics(name=k, **v) for k, v in scores["per_class"].items()],
        confusion_matrix=scores["confusion_matrix"], best_epoch=h.epoch[best], epochs_run=len(h.epoch),
        stopped_early=False, train_seconds=sum(h.seconds), train_acc=h.train_acc[best], val_acc=h.val_acc[best],
        train_loss=h.train_loss[best], val_loss=h.val_loss[best], history=h, architecture=None, diagnostics=None,
        feature_maps=[], figures={}, notes=[])
    m.diagnostics = diagnose(m, len(labels))
    m.accuracy_ci, m.macro_f1_ci = model_intervals(m.confusion_matrix)
    if spec.seeds:
        m.seeds = SeedSummary(figure_seed=1, accuracy=None, macro_f1=None, best_epoch=None, train_seconds=None,
                              seeds=[SeedResult(seed=i + 1, status="completed", accuracy=a, macro_f1=None,
                                                best_epoch=1, epochs_run=1, train_seconds=1.0)
                                     for i, a in enumerate(spec.seeds)])
    return m


# --- tune searches --------------------------------------------------------------------------------

SEARCH = """
name = "search"
[data]
dataset = "synthetic"
image_size = 16
samples_per_class = 16
[train]
epochs = {epochs}
batch_size = 16
optimizer = "adam"
lr = 0.003
seed = 1
[[models]]
arch = "cnn"
label = "Tiny"
params = {{ conv_filters = [4, 8, 8], fc_neurons = 16 }}
[tune]
model = "Tiny"
sampler = "grid"
pruner = "{pruner}"
space = {space}
"""
GRID = '{ "train.lr" = [0.001, 0.01], "params.conv_filters" = [[4, 8, 8], [4, 4, 8]], "params.pool_type" = ["max", "avg"] }'


def write_search(tmp_path, epochs=2, pruner="none", space=GRID):
    path = tmp_path / "search.toml"
    path.write_text(SEARCH.format(epochs=epochs, pruner=pruner, space=space))
    return path


def exit_codes_at_once(ctx, count: int, target, *args) -> list[int]:
    """`count` processes of `target(*args, barrier)`, released together by the barrier."""
    barrier = ctx.Barrier(count)
    procs = [ctx.Process(target=target, args=(*args, barrier)) for _ in range(count)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    return [p.exitcode for p in procs]


def postgres_url() -> str:
    """A PostgreSQL server on loopback: the one .ci/run starts (REPORTGEN_TEST_POSTGRES), else skip."""
    url = os.environ.get("REPORTGEN_TEST_POSTGRES")
    if not url:
        pytest.skip("no PostgreSQL server: set REPORTGEN_TEST_POSTGRES=postgresql://user@127.0.0.1/db, a user "
                    "allowed to create databases (.ci/run installs and starts one)")
    return url


# --- what the renderers wrote ---------------------------------------------------------------------

A4_TEXT_RIGHT = (21 - 1.8) / 2.54 * 72  # the right edge of the page's text area, in points (report.css @page margin)


def words_past_text_width(pdf: Path) -> list[str]:
    return [word for page in pymupdf.open(pdf) for x0, y0, x1, y1, word, *_ in page.get_text("words")
            if x1 > A4_TEXT_RIGHT + 1]


def slide_texts(prs) -> list[str]:
    """Every paragraph on every slide, table cells included; a line wrapped by the renderer is
    joined again with the space it replaced."""
    frames = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                frames.append(shape.text_frame)
            if shape.has_table:
                frames += [cell.text_frame for row in shape.table.rows for cell in row.cells]
    return [p.text.replace("\v", " ") for frame in frames for p in frame.paragraphs]


# --- the texts of figures (tests/test_figure_language.py, test_figure_cache.py) ---

SLOT = "\x00"  # what a placeholder, a number or a name stands as when a text is compared with a phrase
# A number in the language's notation (0,5 and 1.000 in Indonesian; 0.5 and 1,000 in English)
NUMBER = {lang: re.compile(rf"(?<![\w.,])[−+-]?\d+(?:\{thousands}\d{{3}})*(?:\{decimal}\d+)?(?:e[−+-]?\d+)?%?(?![\w.,])")
          for lang, thousands, decimal in (("id", ".", ","), ("en", ",", "."))}


class TextRecorder:
    """style.OBSERVERS and style.PICTURE_OBSERVERS hook: every text drawn, by figure file."""

    def __init__(self):
        self.texts: dict[Path, list[str]] = {}

    def __call__(self, figure, path: Path) -> None:
        self.texts[path] = figure if isinstance(figure, list) else matplotlib_texts(figure)


def matplotlib_texts(fig) -> list[str]:
    """Every text a reader sees in a figure: titles, axis and colorbar labels, tick labels, legend
    entries and free texts."""
    fig.canvas.draw()  # tick labels exist once laid out
    texts = [t.get_text() for t in fig.texts]
    texts += [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    for ax in fig.axes:
        texts += [ax.get_title(loc) for loc in ("left", "center", "right")]
        texts += [ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
        if ax.axison:  # an axis turned off (a picture's) draws no ticks
            texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_visible()]
        if ax.get_legend():
            texts += [t.get_text() for t in ax.get_legend().get_texts()]
    return [t for t in texts if t.strip()]


def shape(text: str, names: list[str], lang: str) -> str:
    """`text` with every name (longest first) and every number of the language as SLOT,
    whitespace as wrapped."""
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", SLOT, text)
    return " ".join(NUMBER[lang].sub(SLOT, text).split())


def phrase_shapes(lang: str) -> set[str]:
    """Every figure phrase of a language (and the parameters' names, language/parameters.py) with
    its placeholders as SLOT."""
    return {" ".join(re.sub(r"\{\w+\}", SLOT, v[lang]).split()) for k, v in _table().items()
            if k.startswith(("figure.", "explain.figure.", "ui.train.", "ui.arch_param."))}


def foreign(texts: list[str], lang: str, names: list[str]) -> list[str]:
    """The texts that are neither a figure phrase of `lang` with names and numbers in its
    placeholders, nor a name or number alone; and those that are a phrase of another language."""
    own = phrase_shapes(lang) | {SLOT, f"{SLOT} {SLOT}", f"{SLOT} ({SLOT}×{SLOT}×{SLOT})"}  # a stage's shape
    others = set().union(*(phrase_shapes(other) for other in LANGUAGES if other != lang)) - phrase_shapes(lang)
    return [t for t in texts if shape(t, names, lang) not in own or shape(t, names, lang) in others]


def names_of(a: Analysis, lang: str) -> list[str]:
    """The user's and the code's names a figure in `lang` shows as they are: classes, model names
    (cut as the figures cut them), the feature-map stages, and the marks of a right and a wrong
    prediction."""
    names = [*a.dataset.classes, *(Phrases(lang)(f"ui.arch.{m.arch}") if m.default_label else m.label
                                   for m in a.models)]
    names += [n[:k] for n in names for k in (14, 16, 24)]
    return names + [s.stage for m in a.models for case in m.feature_maps for s in case.stages] + ["✓", "✗"]


def documents_figures(doc) -> list:
    """Every figure of a document, drawn or not."""
    found = []

    def walk(node) -> None:
        if type(node).__name__ == "Figure":
            found.append(node)
        elif isinstance(node, (list, tuple)):
            for item in node:
                walk(item)
        elif hasattr(node, "__dataclass_fields__"):
            for name in node.__dataclass_fields__:
                walk(getattr(node, name))
    walk(doc)
    return found


def painted_figures(doc) -> list:
    """Every figure a document shows, each painted (as a renderer reading it paints it) and also as
    its PDF where the document has one."""
    shown = [figure for figure in documents_figures(doc) if figure.path]
    for figure in shown:
        painted(figure.path)
        if figure.vector:
            painted(figure.vector)
    return shown


def text_of(page: str) -> str:
    """The words a reader sees on the HTML page: no style sheet, no embedded images, no tags."""
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<img[^>]*>", " ", page)))


def pdf_text(path) -> str:
    reader = pypdf.PdfReader(path)
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
