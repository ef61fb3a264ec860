"""The dataset's class distribution in the appendix: a table of images per class and split beside
its chart (drawn by reportgen/analysis/distribution.py)."""

from __future__ import annotations

from reportgen.report.context import Context, present
from reportgen.report.document import Column, Table

# The splits in the order of the chart's bars and the table's columns, with the words naming them.
SPLIT_NAMES = {"train": "ui.training", "val": "ui.validation", "test": "ui.test"}


def distribution_table(cx: Context) -> Table | None:
    """Images per class in each split, per class its total, and each split's total (its size)."""
    fmt, dataset = cx.fmt, cx.analysis.dataset
    splits = [s for s in SPLIT_NAMES if s in dataset.class_counts]
    if not splits:
        return None
    rows = [[cx.clean(name)] + [fmt.integer(dataset.class_counts[s][i]) for s in splits]
            + [fmt.integer(sum(dataset.class_counts[s][i] for s in splits))] for i, name in enumerate(dataset.classes)]
    rows.append([cx.say("ui.total")] + [fmt.integer(sum(dataset.class_counts[s])) for s in splits]
                + [fmt.integer(sum(sum(dataset.class_counts[s]) for s in splits))])
    columns = [Column(cx.say("ui.class"))] + [Column(cx.say(SPLIT_NAMES[s]), numeric=True) for s in splits] + [
        Column(cx.say("ui.total"), numeric=True)]
    return Table("table-class-distribution", cx.say("ui.data.distribution"), columns, rows, emphasis_rows=1)


def distribution_blocks(cx: Context) -> list:
    """The chart, at the full width (its text would print at 4 pt beside the table), then the table."""
    dataset = cx.analysis.dataset
    chart = cx.figure("figure-class-distribution", cx.say("ui.data.distribution_figure"),
                      dataset.distribution_figure) if dataset.distribution_figure else None
    return present(chart, distribution_table(cx))
