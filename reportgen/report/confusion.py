"""Confusion Matrix dan Metrik per Kelas: every model's confusion matrix (its per-class precision,
recall and F1 and its intervals in the appendix), what they show (the best and hardest classes as far as their intervals separate
them, the most confused pairs, a collapse), its accuracy and macro-F1 with their intervals, and its
calibration; then the per-class accuracy of every model."""

from __future__ import annotations

from reportgen.report.context import Context, beside, present
from reportgen.report.document import Column, Figure, FigureRow, Prose, Section, Table
from reportgen.report.state import may, state_words
from reportgen.schema.analysis import Interval, ModelAnalysis


def confusion_section(cx: Context) -> Section:
    """Every model's matrix two a row, then what each shows; the tables of numbers behind them are
    in the appendix (per_class_detail), so four models take a page of matrices, not six pages."""
    shown = [figure for m in cx.analysis.models for figure in matrices(cx, m)]
    blocks = [FigureRow(shown[i:i + 2]) for i in range(0, len(shown), 2)]
    for m in cx.analysis.models:
        blocks += present(Prose(confusion_sentences(cx, m), id=f"text-confusion-{m.slug}"),
                          Prose(calibration_sentences(cx, m), id=f"text-calibration-{m.slug}"))
    comparison = cx.analysis.comparison
    per_class = cx.figure("figure-per-class", cx.say("ui.caption.per_class_accuracy"),
                          comparison.figures["per_class"]) if comparison else None
    return Section("confusion", cx.say("ui.section.confusion"),
                   blocks + present(cx.see("per_class"), cx.see("calibration"), per_class))


def matrices(cx: Context, m: ModelAnalysis) -> list[Figure]:
    """The matrix the body shows: its row shares when drawn (they read the same whatever a class's
    size), else its counts, and with many classes the most-confused classes beside it."""
    if m.accuracy is None:
        return []
    figures = m.figures
    if figures.get("confusion_normalized"):
        return [normalized_matrix(cx, m)]
    return present(counts_matrix(cx, m), cx.figure(
        f"figure-confusion-top-{m.slug}", cx.say("ui.layout.confusion_top_caption", model=cx.name(m.label)),
        figures["confusion_top"]) if figures.get("confusion_top") else None)


def counts_matrix(cx: Context, m: ModelAnalysis) -> Figure | None:
    if not m.figures.get("confusion"):
        return None
    return cx.figure(f"figure-confusion-{m.slug}", cx.say("ui.caption.confusion", model=cx.name(m.label),
                                                          split=cx.split), m.figures["confusion"])


def normalized_matrix(cx: Context, m: ModelAnalysis) -> Figure:
    return cx.figure(f"figure-confusion-normalized-{m.slug}",
                     cx.say("ui.figure_caption.confusion_normalized", model=cx.name(m.label)),
                     m.figures["confusion_normalized"])


def per_class_detail(cx: Context) -> list:
    """The appendix part: every model's evaluation with its intervals in one table, then per model
    the matrix of counts (when the body shows the shares) beside its per-class table where it fits."""
    scored = [m for m in cx.analysis.models if m.accuracy is not None]
    blocks = present(evaluation_table(cx, scored) if scored else None)
    for m in scored:
        counts = counts_matrix(cx, m) if m.figures.get("confusion_normalized") else None
        blocks += beside(counts, per_class_table(cx, m))
    return blocks


def per_class_table(cx: Context, m: ModelAnalysis) -> Table | None:
    if not m.per_class:
        return None
    fmt = cx.fmt
    rows = [[cx.clean(c.name), fmt.decimal(c.precision), fmt.decimal(c.recall), fmt.decimal(c.f1), str(c.support)]
            for c in m.per_class]
    support = str(sum(c.support for c in m.per_class))
    for key, avg in (("ui.macro_avg", m.macro), ("ui.weighted_avg", m.weighted)):
        rows.append([cx.say(key), fmt.decimal(avg.precision), fmt.decimal(avg.recall), fmt.decimal(avg.f1), support])
    columns = [Column(cx.say("ui.class"))] + [Column(cx.say(key), numeric=True)
                                              for key in ("ui.precision", "ui.recall", "ui.f1", "ui.support")]
    return Table(f"table-per-class-{m.slug}", cx.say("ui.caption.per_class", model=cx.name(m.label)), columns, rows,
                 emphasis_rows=2)


def evaluation_table(cx: Context, models: list[ModelAnalysis]) -> Table:
    """Every model's accuracy and macro-F1 on the evaluation split with their 95% intervals, and its
    ECE; how each interval was computed, in the caption (the same for every model, or each said)."""
    fmt = cx.fmt

    def methods(intervals: list[Interval | None]) -> str:
        said = dict.fromkeys(cx.say(f"ui.stats.method_{ci.method}", resamples=fmt.integer(ci.resamples or 0),
                                    seed=ci.seed) for ci in intervals if ci)
        return "; ".join(said) or "–"

    rows = [[cx.name(m.label), fmt.percent(m.accuracy), cx.bounds(fmt.percent, m.accuracy_ci), fmt.decimal(m.macro.f1),
             cx.bounds(fmt.decimal, m.macro_f1_ci), fmt.decimal(m.calibration.ece) if m.calibration else "–"]
            for m in models]
    ci = cx.say("ui.stats.ci")
    columns = [Column(cx.say("ui.model")), Column(cx.say("ui.accuracy"), numeric=True), Column(ci, numeric=True),
               Column(cx.say("ui.stats.macro_f1"), numeric=True), Column(ci, numeric=True),
               Column(cx.say("ui.stats.ece"), numeric=True)]
    return Table("table-evaluation", cx.say("ui.stats.evaluation_caption", split=cx.split,
                                            accuracy=methods([m.accuracy_ci for m in models]),
                                            f1=methods([m.macro_f1_ci for m in models])), columns, rows)


# --- what the matrix shows -------------------------------------------------------------------------


def confusion_sentences(cx: Context, m: ModelAnalysis) -> list[str]:
    """The accuracy and macro averages; a collapse, whose mistakes are not read as confusions; the
    best and hardest classes; the most confused pairs."""
    fmt, name = cx.fmt, cx.name(m.label)
    if m.accuracy is None:
        return [cx.say("narrative.conclusion.no_result", model=name, status=cx.say(f"narrative.status.{m.status}"))]
    out = [cx.say("narrative.confusion.summary", model=name, accuracy=fmt.percent(m.accuracy), split=cx.split,
                  precision=fmt.percent(m.macro.precision), recall=fmt.percent(m.macro.recall),
                  f1=fmt.percent(m.macro.f1))]
    diagnostics = m.diagnostics
    if diagnostics is None:
        return out
    if not may(m, "class_extremes"):  # collapsed, at chance or diverged: its mistakes say nothing of the classes
        reasons = collapse(cx, m) or ([cx.say("narrative.confusion.state", model=name, state=state_words(cx, m))]
                                      if m.state else [])
        return out + reasons + [cx.say("narrative.failure.confusion_not_interpreted")]
    out += bias(cx, m) + classes(cx, m)
    if not diagnostics.confused_pairs:
        return out + [cx.say("narrative.confusion.no_confusion")]
    top, *rest = diagnostics.confused_pairs
    out.append(cx.say("narrative.confusion.top_confusion", true=cx.clean(top.true_label),
                      pred=cx.clean(top.pred_label), count=top.count, share=fmt.percent(top.share)))
    if rest:
        out.append(cx.say("narrative.confusion.other_confusions", pairs=fmt.listing(
            [cx.say("narrative.confusion.pair", true=cx.clean(p.true_label), pred=cx.clean(p.pred_label),
                    count=p.count) for p in rest])))
    return out


def collapse(cx: Context, m: ModelAnalysis) -> list[str]:
    """Why the model counts as collapsed (empty when it does not)."""
    fmt, diagnostics = cx.fmt, m.diagnostics
    out = []
    if "one_class" in diagnostics.collapse:
        out.append(cx.say("narrative.failure.one_class", model=cx.name(m.label),
                          cls=cx.clean(diagnostics.top_pred_class), share=fmt.percent(diagnostics.top_pred_share),
                          split=cx.split, threshold=fmt.percent(diagnostics.collapse_share),
                          own=fmt.percent(diagnostics.top_pred_true_share),
                          ratio=fmt.general(diagnostics.collapse_ratio)))
    if "chance" in diagnostics.collapse:
        out.append(cx.say("narrative.failure.chance", accuracy=fmt.percent(m.accuracy), ci=cx.ci_percent(m.accuracy_ci),
                          chance=fmt.percent(diagnostics.chance), classes=len(m.per_class)))
    return out


def bias(cx: Context, m: ModelAnalysis) -> list[str]:
    """The classes a model that still recognises most classes over-predicts: biased, not collapsed."""
    skew = m.state.skew if m.state else None
    if skew is None or not skew.biased:
        return []
    fmt = cx.fmt
    return [cx.say("narrative.confusion.biased", model=cx.name(m.label), recognised=skew.recognised,
                   classes=len(m.per_class), ratio=fmt.general(skew.bias_ratio), entries=fmt.listing([
                       cx.say("narrative.confusion.bias_entry", name=cx.clean(b.name), share=fmt.percent(b.predicted_share),
                              ci=cx.ci_percent(b.predicted_share_ci), own=fmt.percent(b.true_share))
                       for b in skew.biased]))]


def class_list(cx: Context, names: list[str], shown: int, entry) -> str:
    """The first `shown` classes with their recall, then every other one meeting the same criterion
    by name: a list is complete, or says how many it leaves unnumbered."""
    listed = cx.fmt.listing([entry(n) for n in names[:shown]])
    rest = names[shown:]
    if not rest:
        return listed
    return cx.say("narrative.confusion.bounded", shown=listed, count=len(rest),
                  others=cx.fmt.listing([cx.clean(n) for n in rest]))


def classes(cx: Context, m: ModelAnalysis) -> list[str]:
    """The best and hardest classes when their recall intervals separate them, ties stated;
    otherwise that the split cannot tell the classes apart."""
    fmt, diagnostics = cx.fmt, m.diagnostics
    by_name = {c.name: (c, ci) for c, ci in zip(m.per_class, diagnostics.class_recall_ci) if ci is not None}
    if not by_name:
        return []
    out = []
    def entry(n: str) -> str:
        return cx.say("narrative.confusion.class_entry", name=cx.clean(n), recall=fmt.percent(by_name[n][0].recall),
                      ci=cx.ci_percent(by_name[n][1]))

    for key, names, shown in (("best_classes", diagnostics.best_classes, diagnostics.best_classes_shown),
                              ("worst_classes", diagnostics.worst_classes, diagnostics.worst_classes_shown)):
        if not names:
            continue
        out.append(cx.say(f"narrative.confusion.{key}", classes=class_list(cx, names, shown, entry)))
        for recall in dict.fromkeys(by_name[n][0].recall for n in names[:shown]):
            tied = [cx.clean(n) for n in names[:shown] if by_name[n][0].recall == recall]
            if len(tied) > 1:
                out.append(cx.say("narrative.confusion.tie", classes=fmt.listing(tied), recall=fmt.percent(recall)))
    if out:
        return out
    recalls = [c.recall for c, _ in by_name.values()]
    low, high = min(recalls), max(recalls)
    if low == high:
        return [cx.say("narrative.confusion.classes_equal", recall=fmt.percent(low))]
    supports = sorted({c.support for c, _ in by_name.values()})
    return [cx.say("narrative.confusion.classes_on_par", low=fmt.percent(low), high=fmt.percent(high),
                   low_classes=fmt.listing([cx.clean(n) for n, (c, _) in by_name.items() if c.recall == low]),
                   high_classes=fmt.listing([cx.clean(n) for n, (c, _) in by_name.items() if c.recall == high]),
                   support=fmt.integer(supports[0]) if len(supports) == 1
                   else f"{fmt.integer(supports[0])}–{fmt.integer(supports[-1])}")]


def calibration_sentences(cx: Context, m: ModelAnalysis) -> list[str]:
    """Calibration: the ECE against its threshold and, when flagged, the confident mistakes."""
    fmt, calibration = cx.fmt, m.calibration
    if calibration is None:
        return []
    out = [cx.say("narrative.calibration.summary", model=cx.name(m.label), ece=fmt.decimal(calibration.ece),
                  bins=calibration.n_bins, confidence=fmt.percent(calibration.mean_confidence),
                  accuracy=fmt.percent(m.accuracy), ci=cx.ci_percent(m.accuracy_ci))]
    threshold = dict(ece=fmt.decimal(calibration.ece), threshold=fmt.decimal(calibration.ece_threshold))
    if calibration.overconfident:
        out.append(cx.say("narrative.calibration.overconfident", **threshold))
    elif calibration.ece_above_threshold:
        out.append(cx.say("narrative.calibration.not_overconfident", **threshold))
    else:
        out.append(cx.say("narrative.calibration.calibrated", threshold=fmt.decimal(calibration.ece_threshold)))
    if calibration.wrong:
        out.append(cx.say("narrative.calibration.confident_wrong", count=calibration.confident_wrong,
                          wrong=calibration.wrong, high=fmt.percent(calibration.high_confidence)))
    return out
