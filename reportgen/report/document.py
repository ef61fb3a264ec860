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
    path: Path  # absolute, inside the run directory


@dataclass(frozen=True)
class Stat:
    """A headline number with its label (a card in the deck)."""

    value: str
    label: str


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


@dataclass
class FeatureMapCase:
    correct: bool  # a correctly classified image, or a mistake
    figure: Figure
    notes: list[str]


@dataclass
class ModelResult:
    """What a model achieved; absent when it has no evaluated checkpoint."""

    stats: list[Stat]  # training, validation and evaluation accuracy, macro F1
    facts: list[str]  # best epoch, training time, parameters
    curve_facts: list[str]  # accuracy and loss at the best epoch
    per_class: Table | None
    confusion: Figure | None
    feature_maps: list[FeatureMapCase]


@dataclass
class ModelSection:
    label: str
    arch: str
    description: str
    params: str
    summary: list[str]  # registered architecture and parameter count, as sentences
    layers: Table | None
    hyperparameters: Table  # this model's column of the training-configuration table
    final: Table | None  # accuracy and loss at the best epoch, training vs validation
    loss_curve: Figure | None
    accuracy_curve: Figure | None
    curve_notes: list[str]
    confusion_notes: list[str]  # or why there is no result
    notes: list[str]  # what could not be computed and why
    result: ModelResult | None


@dataclass
class ComparisonSection:
    table: Table
    cards: list[tuple[str, list[Stat]]]  # per model with a result: its accuracies
    loss_overlay: Figure
    accuracy_overlay: Figure
    per_class_figure: Figure
    per_class_accuracy: Table  # class x model
    notes: list[str]


@dataclass
class TuningSection:
    intro: str
    strategy: str
    best: str  # "" when no trial completed
    space: Table
    figure: Figure


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
