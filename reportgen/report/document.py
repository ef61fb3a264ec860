"""The report document: a format-free tree of sections, tables and figures, every number in it
already a formatted string in the document's language. It is the renderers' only input, so the
PDF, the HTML page and the deck show the same strings and a renderer only lays them out.

The tree is built from the analysis by reportgen.report.sections, one function per section.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Column:
    header: str
    numeric: bool = False  # right-aligned, so the digits of its cells line up

    @property
    def align(self) -> str:
        return "right" if self.numeric else "left"


@dataclass
class Table:
    caption: str
    columns: list[Column]
    rows: list[list[str]]
    emphasis_rows: int = 0  # trailing summary rows (totals, averages) shown in bold

    @property
    def header(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def aligns(self) -> list[str]:
        return [c.align for c in self.columns]


@dataclass(frozen=True)
class Figure:
    caption: str
    path: Path | None  # the PNG in the document's language; None when it cannot be drawn
    absent: str = ""  # then the sentence shown in its place, saying why


@dataclass(frozen=True)
class Stat:
    """A headline number with its label (a card in the deck)."""

    value: str
    label: str
    interval: str = ""  # e.g. "IK 95% [85,10%; 92,30%]"


@dataclass(frozen=True)
class Author:
    name: str
    id: str


@dataclass
class FrontMatter:
    title: str
    subtitle: str
    course: str
    assignment: str
    date: str
    logo: Path | None  # the run's copy of [report] logo
    authors: list[Author]
    introduction: list[str]  # paragraphs
    objectives: list[str]


@dataclass
class DatasetSection:
    table: Table
    seed_note: str
    samples: Figure | None
    distribution: Table | None = None  # images per class and split (None: a run that did not count them)
    distribution_figure: Figure | None = None


@dataclass
class FeatureMapCase:
    correct: bool  # a correctly classified image, or a mistake
    figure: Figure
    notes: list[str]


@dataclass
class ExplainedFigure:
    """A Grad-CAM figure and the sentences on it; no figure when there was nothing to draw."""

    heading: str  # short, e.g. "Galeri Kesalahan CNN" (a slide's title)
    figure: Figure | None
    notes: list[str]


@dataclass
class ModelExplanation:
    overview: list[str]  # the layer, and how concentrated the maps are
    figures: list[ExplainedFigure]  # the body's: the feature-map cases
    detail: list[ExplainedFigure] = field(default_factory=list)  # the appendix's: per class, the gallery of mistakes


@dataclass
class ModelResult:
    """What a model achieved; absent when it has no evaluated checkpoint."""

    stats: list[Stat]  # training, validation and evaluation accuracy, macro F1
    facts: list[str]  # best epoch, training time, parameters
    curve_facts: list[str]  # accuracy and loss at the best epoch
    per_class: Table | None
    confusion: Figure | None
    feature_maps: list[FeatureMapCase]
    confusion_top: Figure | None = None  # the most-confused classes alone, when the full matrix is large
    confusion_normalized: Figure | None = None  # each row as shares (recall on the diagonal), beside the counts
    evaluation: Table | None = None  # accuracy and macro-F1 with their 95% intervals, ECE
    reliability: Figure | None = None  # the reliability diagram
    calibration_notes: list[str] = field(default_factory=list)
    explanation: ModelExplanation | None = None  # Grad-CAM maps and mistakes (None: not computed)


@dataclass
class SeedResults:
    """A model trained once per seed of `train.seeds`: one row per seed, then mean ± sd."""

    table: Table
    summary: list[str]  # mean ± sd over n seeds, and the seed every other number and figure comes from


@dataclass
class SeedComparison:
    """The models over their seeds: mean ± sd, each seed's accuracy, and the seed-level tests."""

    table: Table  # per model: mean ± sd of accuracy, macro-F1, best epoch and time, with n
    per_seed: Table  # seed x model accuracy
    notes: list[str]  # the test, one sentence per pair, the seed the figures come from


@dataclass
class CodeListing:
    """A model's own source for the appendix, highlighted by each renderer, with its walkthrough."""

    model: str  # the model's label
    heading: str  # "Kode CNN Kustom"
    caption: str  # what it defines
    origin: str  # where the code comes from: the run's record, or the installed reportgen's
    source: str  # Python source, plain text
    # The code in plain words: what it defines; each stage as it runs; the initial weights and parameters
    intro: str
    steps: list[str]
    facts: list[str]


@dataclass
class ModelSection:
    label: str
    arch: str
    description: str
    params: str
    layers: Table | None
    final: Table | None  # accuracy and loss at the best epoch, training vs validation
    loss_curve: Figure | None
    accuracy_curve: Figure | None
    curve_notes: list[str]
    confusion_notes: list[str]  # or why there is no result
    notes: list[str]  # what could not be computed and why
    result: ModelResult | None
    stages: Table | None = None  # the compact architecture of the body; `layers` is the appendix's
    history: Table | None = None  # every epoch, when too few for curves (loss_curve is then None)
    seeds: SeedResults | None = None  # with two or more seeds
    code: CodeListing | None = None  # its own source and walkthrough, for the appendix
    lr_schedule: Figure | None = None  # the learning rate of every epoch, for the appendix


@dataclass
class ComparisonSection:
    table: Table
    cards: list[tuple[str, list[Stat]]]  # per model with a result: its accuracies
    loss_overlay: Figure
    accuracy_overlay: Figure
    per_class_figure: Figure
    per_class_accuracy: Table  # class x model
    notes: list[str]
    pairs: Table | None = None  # McNemar test of every pair of models
    seeds: SeedComparison | None = None  # with two or more seeds


@dataclass
class TuningSection:
    intro: str
    strategy: str
    best: str  # "" when no trial completed
    space: Table
    figure: Figure
    trials: Table | None = None  # the top trials by the search metric (None: the study has none)
    importance: str = ""  # the parameters that mattered most ("" when Optuna could not estimate it)


@dataclass(frozen=True)
class Variant:
    """A model in the discussion of each variant: what it changes and why (the author's words), what
    its test against the baseline shows, and what speaks against it."""

    label: str
    hypothesis: str  # the experiment's `description` of a model other than the baseline ("" otherwise)
    outcome: str  # the pair test against the baseline ("" for the baseline itself)
    limits: list[str]


@dataclass
class Qualitative:
    """The closing comparison (reportgen/report/qualitative.py), with two or more evaluated models."""

    table: Table  # per model: depth, parameters, training time, gap and overfitting, stability, accuracy
    intro: str  # what the discussion of the variants holds
    variants: list[Variant]
    insight: str  # the key insight ("" when fewer than two models can be judged)


@dataclass(frozen=True)
class Link:
    label: str
    url: str  # http(s), shown as a link and never fetched


@dataclass(frozen=True)
class AppendixPart:
    """A part after the references (in the deck, after the closing slide) holding detail the body
    points to by its letter, so the body stays within its length and nothing is left out."""

    key: str  # what it holds: layers, calibration, explanation, disagreements
    heading: str  # "Lampiran B Diagram Reliabilitas"
    reference: str  # the body's sentence pointing to it


@dataclass
class Document:
    lang: str
    front: FrontMatter
    dataset: DatasetSection
    environment: Table
    training: Table
    models: list[ModelSection]
    comparison: ComparisonSection | None  # None with fewer than two evaluated models
    training_log: Table
    tuning: TuningSection | None
    discussion: list[str]
    conclusion: list[str]
    references: list[str] = field(default_factory=list)
    disagreements: list[ExplainedFigure] = field(default_factory=list)  # the baseline vs each other model
    appendix: list[AppendixPart] = field(default_factory=list)  # the parts with content, in letter order
    qualitative: Qualitative | None = None
    tools: list[str] = field(default_factory=list)  # the statement of tools used, in paragraphs
    links: list[Link] = field(default_factory=list)

    def part(self, key: str) -> AppendixPart | None:
        return next((p for p in self.appendix if p.key == key), None)
