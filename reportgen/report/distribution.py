"""The dataset's class distribution in the report: a table of images per class and split (the
chart beside it is drawn by reportgen/analysis/distribution.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportgen.analysis.distribution import SPLITS
from reportgen.language.text import clean_user_text as clean
from reportgen.report.document import Column, Figure, Table

if TYPE_CHECKING:
    from reportgen.report.sections import Context

SPLIT_NAMES = {"train": "ui.training", "val": "ui.validation", "test": "ui.test"}


def distribution_table(cx: Context) -> Table | None:
    """Images per class in each split, per class its total, and each split's total (its size)."""
    t, f, d = cx.t, cx.f, cx.a.dataset
    splits = [s for s in SPLITS if s in d.class_counts]
    if not splits:
        return None
    rows = [[clean(name)] + [f.integer(d.class_counts[s][i]) for s in splits]
            + [f.integer(sum(d.class_counts[s][i] for s in splits))] for i, name in enumerate(d.classes)]
    rows.append([t("ui.total")] + [f.integer(sum(d.class_counts[s])) for s in splits]
                + [f.integer(sum(sum(d.class_counts[s]) for s in splits))])
    columns = [Column(t("ui.class"))] + [Column(t(SPLIT_NAMES[s]), numeric=True) for s in splits] + [
        Column(t("ui.total"), numeric=True)]
    return Table(t("ui.data.distribution"), columns, rows, emphasis_rows=1)


def distribution_figure(cx: Context) -> Figure | None:
    d = cx.a.dataset
    return cx.figure(cx.t("ui.data.distribution_figure"), d.distribution_figure) if d.distribution_figure else None
