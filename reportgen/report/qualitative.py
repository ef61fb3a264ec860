"""The closing comparison, from the analysis facts and verdicts: the qualitative comparison table
(depth, parameters, training time, generalisation gap, stability, accuracy per model), each
modification's hypothesis with what its test against the baseline shows and each model's limits
(an appendix part), and the key insight (the Kesimpulan's).

Like every sentence of the report, each names the numbers it rests on, and a model is called more
or less accurate than another only when the pair's Holm-adjusted McNemar test says so.
"""

from __future__ import annotations

from reportgen.report.context import Context
from reportgen.report.document import Column, Emphasis, ItemList, Prose, Table, Text
from reportgen.report.state import grouped_states, learned, state_words
from reportgen.schema.analysis import Modification, ModelAnalysis


def verdict_cells(cx: Context, m: ModelAnalysis) -> list[str]:
    """The overfitting and stability cells: a diverged model is judged on neither, a verdict the
    noise or the number of epochs does not allow is not made."""
    diagnostics = m.diagnostics
    if m.failure == "diverged":
        return [cx.say("ui.verdict.diverged")] * 2
    if diagnostics is None:
        return ["–", "–"]
    overfit = {True: "ui.overfit_yes", False: "ui.overfit_no", None: "ui.verdict.insufficient"}[diagnostics.overfit]
    stable = {True: cx.say("ui.stable"), False: cx.say("ui.unstable"),
              None: cx.say("ui.verdict.too_short", epochs=m.epochs_run,
                           min=diagnostics.min_epochs_for_stability)}[diagnostics.stable]
    return [cx.say(overfit), stable]


def qualitative_table(cx: Context) -> Table:
    """One row per model, every cell a fact: its depth, parameters, training time, the
    training−validation gap with the overfitting verdict, the stability verdict, the accuracy."""
    fmt = cx.fmt
    rows = []
    for m in cx.analysis.models:
        overfit, stable = verdict_cells(cx, m)
        diagnostics, depth = m.diagnostics, m.architecture.depth if m.architecture else None
        rows.append([cx.name(m.label), "–" if depth is None else str(depth), fmt.integer(m.params),
                     fmt.seconds(m.train_seconds) if m.epochs_run else "–",
                     cx.say("ui.qualitative.gap_verdict", gap=fmt.pp(diagnostics.gap_acc_pp), verdict=overfit)
                     if diagnostics else overfit,
                     stable, cx.with_interval(fmt.percent, m.accuracy, m.accuracy_ci)])
    columns = [Column(cx.say("ui.model")), Column(cx.say("ui.qualitative.depth"), numeric=True),
               Column(cx.say("ui.params"), numeric=True), Column(cx.say("ui.qualitative.time"), numeric=True),
               Column(cx.say("ui.qualitative.gap")), Column(cx.say("ui.stability")),
               Column(cx.say("ui.qualitative.accuracy", split=cx.split), numeric=True)]
    return Table("table-qualitative", cx.say("ui.qualitative.caption", split=cx.split), columns, rows)


def seconds(cx: Context, m: ModelAnalysis) -> float | None:
    """The model's training time as compared: the mean over its seeds (the first seed's alone in an
    analysis without timing)."""
    timing = cx.analysis.timing
    return next((t.seconds for t in timing.models if t.label == m.label), None) if timing else m.train_seconds


def no_result(cx: Context, m: ModelAnalysis) -> str:
    return cx.say("narrative.conclusion.no_result", model=cx.name(m.label),
                  status=cx.say(f"narrative.status.{m.status}"))


def modification_sentence(cx: Context, mod: Modification) -> str:
    """A modification against its parent (the model it modifies), as the analysis concludes it."""
    fmt, values = cx.fmt, dict(model=cx.name(mod.model), parent=cx.name(mod.parent))
    if mod.outcome == "not_evaluated":
        return cx.say("narrative.modification.not_evaluated", **values)
    if mod.outcome == "not_judged":
        return cx.say("narrative.modification.not_judged", **values,
                      states=grouped_states(cx, [cx.model(label) for label in mod.blocked_by]))
    # the interval points the way the sentence does: model - parent, or parent - model when worse
    sign = -1 if mod.outcome == "worse" else 1
    low, high = sorted((sign * mod.diff_ci_pp.low, sign * mod.diff_ci_pp.high))
    values.update(ci=cx.ci_pp(mod.diff_ci_pp.model_copy(update={"low": low, "high": high})),
                  p=fmt.p_statement(mod.p_adjusted))
    if mod.outcome == "not_distinguishable":
        detectable = (cx.say("narrative.modification.undetectable") if mod.mdd_pp is None
                      else cx.say("narrative.modification.detectable", mdd=fmt.pp(mod.mdd_pp, signed=False)))
        return cx.say("narrative.modification.not_distinguishable", **values, diff=fmt.pp(mod.diff_pp),
                      detectable=detectable)
    return cx.say(f"narrative.modification.{mod.outcome}", **values, diff=fmt.pp(sign * mod.diff_pp, signed=False))


def outcome(cx: Context, m: ModelAnalysis) -> str:
    """What the pair test of a model against the baseline shows, for a model that modifies no model
    of the run; a model that has not learned (or a baseline that has not) gets its state instead."""
    fmt, comparison = cx.fmt, cx.analysis.comparison
    if m.accuracy is None:
        return no_result(cx, m)
    unlearned = next((x for x in (m, cx.model(comparison.baseline)) if not learned(x)), None)
    if unlearned is not None:  # the model first: its own state is what its line is about
        return (cx.say("narrative.verdict.not_learned", model=cx.name(unlearned.label), state=state_words(cx, unlearned))
                if unlearned.state else no_result(cx, unlearned))
    pair = comparison.pair(m.label, comparison.baseline)
    # The pair stores a - b; the sentence speaks of the model against the baseline, and its
    # interval must point the way the sentence does: m - base, or base - m when m is worse.
    sign = 1 if pair.a == m.label else -1
    if pair.significant:
        key = "outcome_better" if sign * pair.diff_pp > 0 else "outcome_worse"
        sign *= 1 if key == "outcome_better" else -1
        diff = fmt.pp(sign * pair.diff_pp, signed=False)
    else:
        key, diff = "outcome_on_par", fmt.pp(sign * pair.diff_pp)
    low, high = sorted((sign * pair.diff_ci_pp.low, sign * pair.diff_ci_pp.high))
    return cx.say(f"narrative.qualitative.{key}", model=cx.name(m.label), baseline=cx.name(comparison.baseline),
                  diff=diff, ci=cx.ci_pp(pair.diff_ci_pp.model_copy(update={"low": low, "high": high})),
                  p=fmt.p_statement(pair.p_adjusted))


def limits(cx: Context, m: ModelAnalysis, stated: str | None = None) -> list[str]:
    """What speaks against a model (the analysis's standing of it): a model significantly more
    accurate (unless it is `stated`, whose test the outcome already gives), a smaller or faster one
    not shown to be less accurate, overfitting, instability, over-confidence."""
    fmt, comparison, diagnostics = cx.fmt, cx.analysis.comparison, m.diagnostics
    if m.accuracy is None:
        return [no_result(cx, m)]
    if not learned(m):
        return [cx.say("narrative.verdict.not_learned", model=cx.name(m.label), state=state_words(cx, m))]
    standing = next((s for s in comparison.verdicts.standings if s.label == m.label), None)
    if standing is None:
        return [cx.say("narrative.qualitative.none")]
    out = []
    if standing.less_accurate_than and standing.less_accurate_than != stated:
        pair = comparison.pair(standing.less_accurate_than, m.label)
        out.append(cx.say("narrative.qualitative.less_accurate", other=cx.name(standing.less_accurate_than),
                          diff=fmt.pp(pair.diff_pp, signed=False), p=fmt.p_statement(pair.p_adjusted)))
    if standing.larger_than:
        other = cx.model(standing.larger_than)
        out.append(cx.say("narrative.qualitative.more_params", other=cx.name(other.label), params=fmt.integer(m.params),
                          other_params=fmt.integer(other.params)))
    if standing.slower_than:
        other = cx.model(standing.slower_than)
        out.append(cx.say("narrative.qualitative.slower", other=cx.name(other.label), time=fmt.seconds(seconds(cx, m)),
                          other_time=fmt.seconds(seconds(cx, other))))
    if diagnostics is not None:
        out += diagnostic_limits(cx, m)
    if m.calibration and m.calibration.overconfident:
        out.append(cx.say("narrative.qualitative.overconfident", ece=fmt.decimal(m.calibration.ece),
                          threshold=fmt.decimal(m.calibration.ece_threshold)))
    return out or [cx.say("narrative.qualitative.none")]


def diagnostic_limits(cx: Context, m: ModelAnalysis) -> list[str]:
    """Overfitting (or evidence too thin to say) and instability (or a run too short to judge)."""
    fmt, diagnostics = cx.fmt, m.diagnostics
    gap = dict(gap=fmt.pp(diagnostics.gap_acc_pp, signed=False),
               threshold=fmt.pp(diagnostics.overfit_threshold_pp, signed=False),
               noise=fmt.pp(diagnostics.val_noise_pp, signed=False), n=fmt.integer(diagnostics.val_size))
    out = []
    if diagnostics.overfit:
        out.append(cx.say("narrative.qualitative.overfit", **gap))
    elif diagnostics.overfit is None:
        out.append(cx.say("narrative.qualitative.overfit_insufficient", **gap))
    if diagnostics.stable is False:
        out.append(cx.say("narrative.qualitative.unstable"))
    elif diagnostics.stable is None:
        out.append(cx.say("narrative.qualitative.too_short", epochs=m.epochs_run,
                          min=diagnostics.min_epochs_for_stability))
    return out


def insight(cx: Context) -> str:
    """The key insight: what the most accurate models cost, as far as the tests tell them apart
    ("" when fewer than two models can be judged)."""
    fmt, comparison = cx.fmt, cx.analysis.comparison
    found = comparison.verdicts.insight if comparison else None
    if found is None:
        return ""
    model = cx.model(found.model)
    if found.kind == "none_differ":
        return cx.say("narrative.qualitative.none_differ", n=fmt.integer(comparison.pairs[0].n), split=cx.split,
                      alpha=fmt.general(comparison.alpha), model=cx.name(model.label), params=fmt.integer(model.params))
    if found.kind == "best_tradeoff":
        closest = cx.model(found.other)
        pair = comparison.pair(model.label, closest.label)
        return cx.say("narrative.qualitative.best_tradeoff", model=cx.name(model.label), other=cx.name(closest.label),
                      diff=fmt.pp(pair.diff_pp, signed=False), p=fmt.p_statement(pair.p_adjusted),
                      params=fmt.integer(model.params), other_params=fmt.integer(closest.params),
                      time=fmt.seconds(seconds(cx, model)), other_time=fmt.seconds(seconds(cx, closest)))
    if found.kind == "simpler_on_par":
        leader = cx.model(found.other)
        return cx.say("narrative.qualitative.simpler_on_par", model=cx.name(model.label),
                      params=fmt.integer(model.params), leader=cx.name(leader.label),
                      leader_params=fmt.integer(leader.params))
    return cx.say("narrative.qualitative.leader_cheapest", leader=cx.name(model.label),
                  params=fmt.integer(model.params), others=cx.listing(found.others))


def variant_item(cx: Context, m: ModelAnalysis) -> Text:
    """A model's line of the variants' discussion: its name; for a model other than the baseline its
    hypothesis or motivation (its description) and its test, against its parent when it modifies a
    model of the run, else against the baseline; then its limits, none repeating the outcome."""
    baseline = cx.analysis.comparison.baseline
    mod = next((x for x in cx.analysis.comparison.modifications if x.model == m.label), None)
    parts: Text = [Emphasis(cx.name(m.label)), ":"]
    if m.label == baseline and mod is None:
        return parts + [" " + " ".join(limits(cx, m))]
    if m.description:
        parts += [" ", Emphasis(f"{cx.say('ui.qualitative.hypothesis')}:", strong=False), f" {cx.clean(m.description)}"]
    said = (cx.say("narrative.qualitative.outcome_modification", sentence=modification_sentence(cx, mod))
            if mod is not None else outcome(cx, m))
    parts.append(f" {said}")
    rest = [x for x in limits(cx, m, stated=mod.parent if mod else baseline) if x not in said]
    return parts + ([" " + " ".join(rest)] if rest else [])


def variants(cx: Context) -> list:
    """The appendix's discussion of each variant: what it changes and why (the author's words),
    what its test against its parent shows, and what speaks against it."""
    return [Prose([cx.say("ui.qualitative.variants_intro")], id="text-variants"),
            ItemList([variant_item(cx, m) for m in cx.analysis.models], id="list-variants")]
