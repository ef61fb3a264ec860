"""Diskusi and Kesimpulan: the training log with its verdicts, what the verdicts suggest (a
diverged or collapsed model, overfitting, instability, over-confidence, whether the largest model
is the most accurate), and the conclusion as far as the tests support it, with the key insight."""

from __future__ import annotations

from reportgen.report.comparison import degradation_sentences
from reportgen.report.context import Context, present
from reportgen.report.document import Column, Emphasis, ItemList, Prose, Section, Table
from reportgen.report.qualitative import insight, no_result, verdict_cells


def discussion_section(cx: Context) -> Section:
    return Section("discussion", cx.say("ui.section.discussion"), present(
        training_log_table(cx), ItemList(discussion_sentences(cx), id="list-discussion"), cx.see("variants")))


def conclusion_section(cx: Context) -> Section:
    key_insight = insight(cx)
    return Section("conclusion", cx.say("ui.section.conclusion"), present(
        ItemList(conclusion_sentences(cx), numbered=True, id="list-conclusion"),
        Prose([[Emphasis(f"{cx.say('ui.qualitative.insight')}:"), f" {key_insight}"]], id="text-insight")
        if key_insight else None))


def training_log_table(cx: Context) -> Table:
    """Per model: accuracies and losses at the best epoch, the gap, and the two verdicts."""
    fmt = cx.fmt
    rows = []
    for m in cx.analysis.models:
        diagnostics = m.diagnostics
        rows.append([cx.name(m.label), fmt.percent(m.train_acc), fmt.percent(m.val_acc), fmt.decimal(m.train_loss),
                     fmt.decimal(m.val_loss), fmt.pp(diagnostics.gap_acc_pp) if diagnostics else "–",
                     *verdict_cells(cx, m)])
    training, validation = cx.say("ui.training").lower(), cx.say("ui.validation").lower()
    accuracy, loss = cx.say("ui.accuracy"), cx.say("ui.loss")
    numbers = [f"{accuracy} {training}", f"{accuracy} {validation}", f"{loss} {training}", f"{loss} {validation}",
               cx.say("ui.gap")]
    return Table("table-training-log", cx.say("ui.caption.training_log"),
                 [Column(cx.say("ui.model"))] + [Column(h, numeric=True) for h in numbers]
                 + [Column(cx.say("ui.overfit")), Column(cx.say("ui.stability"))], rows)


def discussion_sentences(cx: Context) -> list[str]:
    fmt = cx.fmt
    out = [cx.say(f"narrative.failure.discussion_{m.failure}", model=cx.name(m.label),
                  lr=fmt.general(m.train_config["lr"])) for m in cx.analysis.models if m.failure]
    for m in cx.analysis.models:
        diagnostics, name = m.diagnostics, cx.name(m.label)
        if diagnostics and diagnostics.overfit:
            out.append(cx.say("narrative.discussion.overfit", model=name,
                              gap=fmt.pp(diagnostics.gap_acc_pp, signed=False)))
        if diagnostics and diagnostics.stable is False:  # None: not judged (too few epochs, or diverged)
            out.append(cx.say("narrative.discussion.unstable", model=name))
        if m.calibration and m.calibration.overconfident:
            out.append(cx.say("narrative.discussion.overconfident", model=name, ece=fmt.decimal(m.calibration.ece)))
    judged = [m.diagnostics for m in cx.analysis.models if m.diagnostics]  # all_good claims both verdicts
    if not out and judged and all(d.overfit is not None and d.stable is not None for d in judged):
        out.append(cx.say("narrative.discussion.all_good"))
    comparison = cx.analysis.comparison
    if comparison is not None and comparison.verdicts.largest is not None:
        largest = cx.model(comparison.verdicts.largest)
        key = "largest_best" if comparison.verdicts.largest_best else "largest_not_best"
        out.append(cx.say(f"narrative.discussion.{key}", model=cx.name(largest.label),
                          params=fmt.integer(largest.params), train_size=fmt.integer(cx.analysis.dataset.train_size)))
    return out


def conclusion_sentences(cx: Context) -> list[str]:
    """The best model, when the tests single one out; else the models they cannot tell apart; the
    others by rank; models without a result; failed models, whose accuracy judges nothing; the
    verdicts across seeds and of the degradation experiment."""
    fmt, models = cx.fmt, cx.analysis.models
    scored = sorted((m for m in models if m.accuracy is not None), key=lambda m: (-m.accuracy, m.label))
    if len(scored) == 1:
        m = scored[0]
        out = [cx.say("narrative.conclusion.single", model=cx.name(m.label), accuracy=fmt.percent(m.accuracy),
                      ci=cx.ci_percent(m.accuracy_ci), f1=fmt.decimal(m.macro.f1), split=cx.split)]
    else:
        out = ranked_conclusion(cx, scored)
    out += [no_result(cx, m) for m in models if m.accuracy is None]
    # A failed model's accuracy says nothing about its architecture: the reader must not take the
    # ranking above as a verdict on it.
    out += [cx.say(f"narrative.conclusion.{m.failure}", model=cx.name(m.label)) for m in models
            if m.failure and m.accuracy is not None]
    return out + seed_conclusion(cx) + degradation_sentences(cx)


def ranked_conclusion(cx: Context, scored: list) -> list[str]:
    fmt, verdicts = cx.fmt, cx.analysis.comparison.verdicts
    leader = cx.model(verdicts.leader)
    tied = [cx.model(label) for label in verdicts.tied_with_leader]
    group = [leader, *tied]
    if tied:
        accuracies = "; ".join(f"{cx.name(m.label)} {fmt.percent(m.accuracy)}, {cx.ci_percent(m.accuracy_ci)}"
                               for m in group)
        out = [cx.say("narrative.conclusion.no_best", leader=cx.name(leader.label), split=cx.split,
                      accuracies=accuracies, others=cx.listing([m.label for m in tied]))]
    else:
        out = [cx.say("narrative.conclusion.best", model=cx.name(leader.label), accuracy=fmt.percent(leader.accuracy),
                      ci=cx.ci_percent(leader.accuracy_ci), f1=fmt.decimal(leader.macro.f1), split=cx.split)]
    ranks = {r.label: r.rank for r in cx.analysis.comparison.ranks}
    return out + [cx.say("narrative.conclusion.other", model=cx.name(m.label), accuracy=fmt.percent(m.accuracy),
                         ci=cx.ci_percent(m.accuracy_ci), rank=ranks[m.label], leader=cx.name(leader.label))
                  for m in scored if m.label not in {g.label for g in group}]


def seed_conclusion(cx: Context) -> list[str]:
    """The verdicts across seeds (Welch), which rest on more than the one seed the rest reports."""
    comparison = cx.analysis.comparison
    if comparison is None:
        return []
    return [cx.say("narrative.conclusion.seeds_better" if s.significant else "narrative.conclusion.seeds_on_par",
                   a=cx.name(s.a), b=cx.name(s.b), n=min(s.n_a, s.n_b), diff=cx.fmt.pp(s.diff_pp),
                   p=cx.fmt.p_statement(s.p_adjusted))
            for s in comparison.seed_tests if s.p_adjusted is not None]
