"""What every part of the document reads: the analysis, the run's experiment, the language's
phrases and number formats, and the run folder. Model names and figure files go through one
method each (`name`, `figure`), so how a model is named or a figure obtained changes in one place.

The parts of the document (front.py, methods.py, results.py, ...) import this module and the
document's types, never each other's internals in a circle.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

from reportgen.config import Experiment, validate_stored_experiment
from reportgen.figures.cache import Drawings
from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases
from reportgen.language.text import clean_user_text
from reportgen.report.document import Beside, Cite, Column, Emphasis, Figure, Link, Prose, Ref, Table, Text
from reportgen.schema.analysis import Analysis, Interval, ModelAnalysis


class Context:
    def __init__(self, analysis: Analysis, lang: str, vector: bool = False):
        self.analysis = analysis
        self.vector = vector  # the plots also as PDFs, for a format that prints vectors
        self.lang = lang
        self.phrases = Phrases(lang)
        self.fmt = Formatter(lang)
        self.run = Path(analysis.run_dir)
        # A model's name as the document prints it, by its label in the analysis.
        self.names = {m.label: clean_user_text(m.label) for m in analysis.models}
        self.appendix: set[str] = set()  # the keys of the appendix parts with content (appendix.py)

    @cached_property
    def experiment(self) -> Experiment:
        """The run's experiment, validated when first read (a part that needs no experiment works
        from an analysis alone), as stored: never against this machine's files."""
        return validate_stored_experiment(self.analysis.experiment, "analysis.json")

    # --- words ---------------------------------------------------------------------------------

    def say(self, key: str, **values: Any) -> str:
        """The phrase `key` in the document's language, with its placeholders filled in."""
        return self.phrases(key, **values)

    def say_with(self, key: str, **values: Any) -> Text:
        """The phrase `key` as inline parts: a value that is an inline part itself (a `Ref`, a
        `Cite`, a `Link`, an `Emphasis`) stays one, so a sentence can hold a link ("… ada di Lampiran B.")."""
        parts = {name: value for name, value in values.items() if isinstance(value, (Ref, Cite, Link, Emphasis))}
        marks = {name: f"\x00{i}\x00" for i, name in enumerate(parts)}
        sentence = self.say(key, **{**values, **marks})
        out: Text = []
        for i, piece in enumerate(sentence.split("\x00")):
            if i % 2:
                out.append(parts[list(parts)[int(piece)]])
            elif piece:
                out.append(piece)
        return out

    @cached_property
    def split(self) -> str:
        """The evaluation split's name in a sentence ("uji" / "test")."""
        return self.say(f"narrative.split.{self.analysis.dataset.eval_split}")

    def clean(self, text: str) -> str:
        """User text (a title, a class name, a description) made safe for any document."""
        return clean_user_text(text)

    # --- models ------------------------------------------------------------------------------

    def name(self, label: str) -> str:
        """The name the document prints for the model with this label."""
        return self.names.get(label) or clean_user_text(label)

    def listing(self, labels: list[str]) -> str:
        """Model names in a sentence: "A, B, dan C"."""
        return self.fmt.listing([self.name(label) for label in labels])

    def model(self, label: str) -> ModelAnalysis:
        return next(m for m in self.analysis.models if m.label == label)

    # --- figures -----------------------------------------------------------------------------

    def figure(self, id: str, caption: str, key: str, kind: str = "plot", short: str = "",
               role: str = "") -> Figure:
        """Figure `key` (the id the analysis names it by) in the document's language, checked now,
        drawn when a renderer first reads it and cached in the run directory (reportgen.figures);
        when it cannot be drawn, the sentence saying why stands in its place."""
        drawing = self.drawings.get(key)
        absent = "" if drawing.path else self.say("figure.absent.sentence", caption=caption, reason=drawing.absent)
        vector = self.drawings.get(key, "pdf").path if self.vector and kind == "plot" and drawing.path else None
        return Figure(id=id, caption=caption, path=drawing.path, absent=absent, kind=kind, vector=vector, short=short,
                      role=role)

    @cached_property
    def drawings(self) -> Drawings:
        return Drawings(self.analysis, self.lang)

    # --- shared pieces -----------------------------------------------------------------------

    def settings(self, id: str, caption: str, rows: list[list[str]]) -> Table:
        """A two-column (setting, value) table."""
        return Table(id, caption, [Column(self.say("ui.setting")), Column(self.say("ui.value"))], rows)

    def bounds(self, shown: Callable[[float], str], ci: Interval | None) -> str:
        """An interval's bounds formatted as its value is (`shown`: e.g. Formatter.percent): "[85,10%; 92,30%]"."""
        return self.fmt.interval(shown(ci.low), shown(ci.high)) if ci else "–"

    def with_interval(self, shown: Callable[[float], str], value: float | None, ci: Interval | None) -> str:
        """A value and its 95% interval: "89,26% [85,10%; 92,30%]"."""
        return shown(value) if ci is None else f"{shown(value)} {self.bounds(shown, ci)}"

    def ci_percent(self, ci: Interval | None) -> str:
        """"IK 95% [85,10%; 92,30%]" (id) / "95% CI [85.10%; 92.30%]" (en)."""
        return "" if ci is None else f"{self.say('narrative.stats.ci')} {self.bounds(self.fmt.percent, ci)}"

    def ci_pp(self, ci: Interval) -> str:
        return f"{self.say('narrative.stats.ci')} {self.bounds(self.fmt.pp, ci)}"

    def see(self, key: str) -> Prose | None:
        """The sentence pointing to the appendix part `key`, when the part has content."""
        if key not in self.appendix:
            return None
        return Prose([self.say_with(f"ui.layout.see_{key}", appendix=Ref(appendix_id(key)))], id=f"see-{key}",
                     role="pointer")


def appendix_id(key: str) -> str:
    return f"appendix-{key}"


BESIDE_ROWS = 14  # a table of up to this many rows fits beside its figure


def fits_beside(table: Table | None) -> bool:
    return table is not None and len(table.rows) <= BESIDE_ROWS


def beside(figure: Figure | None, table: Table | None) -> list:
    """A figure and its table side by side when the table is short, else one after the other."""
    if figure and fits_beside(table):
        return [Beside(figure, table)]
    return present(figure, table)


def once_or_each(names: list[str], values: list[str | None], sep: str = "\n") -> str:
    """A value said once where every model that has it agrees, else model by model ("A: x", a line
    each in a family table, "; " between them in a sentence); None: the model lacks it."""
    given = [(name, v) for name, v in zip(names, values) if v is not None]
    if len({v for _, v in given}) == 1:
        return given[0][1]
    return sep.join(f"{name}: {v}" for name, v in given)


def present(*blocks) -> list:
    """The blocks that exist (a part the analysis could not make is None)."""
    return [b for b in blocks if b is not None and b != []]
