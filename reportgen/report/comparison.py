"""Perbandingan Model: every model side by side on the evaluation split, every pair's McNemar test,
what the tests allow to be said (the ranking, the best model, each pair, each
model against the baseline, the degradation experiment), the seeds, and the qualitative table.
A model is called more accurate than another only where the analysis's pair test says so."""

from __future__ import annotations

from collections.abc import Callable

from reportgen.report.context import Context, present
from reportgen.report.document import Column, Prose, Section, Table
from reportgen.report.qualitative import qualitative_table
from reportgen.report.seeds import seed_comparison
from reportgen.report.state import state_words
from reportgen.schema.analysis import PairConclusion, PairTest


def comparison_section(cx: Context) -> Section | None:
    comparison = cx.analysis.comparison
    if comparison is None:
        return None
    pairs = pairs_table(cx)
    blocks = present(comparison_table(cx), pairs if pairs.rows else None,
                     Prose(comparison_sentences(cx), id="text-comparison"))
    qualitative = Section("qualitative", cx.say("ui.qualitative.heading"), [qualitative_table(cx)], numbered=False)
    return Section("comparison", cx.say("ui.section.comparison"), blocks + seed_comparison(cx), [qualitative])


def comparison_table(cx: Context) -> Table:
    fmt, comparison = cx.fmt, cx.analysis.comparison
    deltas = {d.label: d for d in comparison.deltas}
    # Without a test split the evaluated accuracy is the validation accuracy: one column, not two.
    tested = cx.analysis.dataset.eval_split == "test"
    rows = [[cx.name(m.label), *([fmt.percent(m.val_acc)] if tested else []), fmt.decimal(m.val_loss),
             cx.with_interval(fmt.percent, m.accuracy, m.accuracy_ci),
             cx.with_interval(fmt.decimal, m.macro.f1 if m.macro else None, m.macro_f1_ci), fmt.integer(m.params),
             fmt.number(m.train_seconds, 1),
             cx.say("ui.baseline") if m.label == comparison.baseline else fmt.pp(deltas[m.label].accuracy_pp)]
            for m in cx.analysis.models]
    validation = cx.say("ui.validation").lower()
    evaluated = cx.say(f"ui.{'test' if tested else 'validation'}").lower()
    ci = cx.say("ui.stats.ci")
    headers = [*([f"{cx.say('ui.accuracy')} {validation}"] if tested else []), f"{cx.say('ui.loss')} {validation}",
               f"{cx.say('ui.accuracy')} {evaluated} [{ci}]", f"{cx.say('ui.stats.macro_f1')} [{ci}]",
               cx.say("ui.params"), cx.say("ui.time"), cx.say("ui.delta")]
    caption = cx.say("ui.caption.comparison", baseline=cx.name(comparison.baseline), split=cx.split)
    return Table("table-comparison", caption, [Column(cx.say("ui.model"))] + [Column(h, numeric=True) for h in headers],
                 rows)


def per_class_accuracy_table(cx: Context) -> Table | None:
    """Every class's accuracy, a column per model with a result (the deck's; the report draws it)."""
    if cx.analysis.comparison is None:
        return None
    scored = [m for m in cx.analysis.models if m.accuracy is not None]
    return Table("table-per-class-accuracy", cx.say("ui.caption.per_class_accuracy"),
                 [Column(cx.say("ui.class"))] + [Column(cx.name(m.label), numeric=True) for m in scored],
                 [[cx.clean(name)] + [cx.fmt.percent(m.per_class[i].accuracy) for m in scored]
                  for i, name in enumerate(cx.analysis.dataset.classes)])


def pairs_table(cx: Context) -> Table:
    """Every pair's exact McNemar test: discordant counts, the accuracy difference with its paired
    bootstrap interval, raw and Holm-adjusted p, and the decision at alpha; each pair's minimum
    detectable difference too when the pairs are summarised (no sentence of its own says it)."""
    fmt, comparison = cx.fmt, cx.analysis.comparison
    summarised = len(comparison.pairs) > SAID_PAIRS
    rows = [[f"{cx.name(p.a)} vs {cx.name(p.b)}", f"{p.a_only_correct} / {p.b_only_correct}",
             f"{fmt.pp(p.diff_pp)} {cx.bounds(fmt.pp, p.diff_ci_pp)}", fmt.p_value(p.p_value),
             fmt.p_value(p.p_adjusted), *([fmt.pp(p.mdd_pp, signed=False)] if summarised else []),
             cx.say("ui.stats.yes" if p.significant else "ui.stats.no")] for p in comparison.pairs]
    columns = [Column(cx.say("ui.stats.pair")), Column(cx.say("ui.stats.discordant"), numeric=True),
               Column(f"{cx.say('ui.stats.difference')} [{cx.say('ui.stats.ci')}]", numeric=True),
               Column(cx.say("ui.stats.p"), numeric=True), Column(cx.say("ui.stats.p_holm"), numeric=True),
               *([Column(cx.say("ui.stats.mdd"), numeric=True)] if summarised else []),
               Column(cx.say("ui.stats.significant"))]
    images = comparison.pairs[0].n if comparison.pairs else 0
    return Table("table-pairs", cx.say("ui.stats.pairs_caption", n=fmt.integer(images), split=cx.split,
                                       alpha=fmt.general(comparison.alpha)), columns, rows)


# --- what the tests allow to be said --------------------------------------------------------------


def comparison_sentences(cx: Context) -> list[str]:
    comparison, fmt = cx.analysis.comparison, cx.fmt
    if comparison is None:
        return []
    key = "method_single" if len(comparison.pairs) == 1 else "method"
    out = [cx.say(f"narrative.comparison.{key}", n=fmt.integer(comparison.pairs[0].n), pairs=len(comparison.pairs),
                  alpha=fmt.general(comparison.alpha)), ranking(cx)]
    if comparison.supported_best is not None:  # more accurate than every other, and a model that learned
        leader = cx.model(comparison.supported_best)
        out.append(cx.say("narrative.comparison.best", best=cx.name(leader.label),
                          best_acc=fmt.percent(leader.accuracy), ci=cx.ci_percent(leader.accuracy_ci)))
    if len(comparison.pairs) > SAID_PAIRS:
        out += pair_summary(cx)
    else:
        for pair, found in zip(comparison.pairs, comparison.conclusions):
            out += pair_sentences(cx, pair, found)
    base = cx.model(comparison.baseline)
    for d in comparison.deltas:
        m = cx.model(d.label)
        if d.label == comparison.baseline or m.accuracy is None:
            continue
        out.append(cx.say("narrative.comparison.delta", model=cx.name(d.label), acc=fmt.percent(m.accuracy),
                          versus=versus(cx, d.accuracy_pp, comparison.baseline), base_acc=fmt.percent(base.accuracy),
                          params=param_change(cx, d.params_pct, m.label, comparison.baseline)))
    return out + degradation_sentences(cx) + time_sentences(cx)


def time_sentences(cx: Context) -> list[str]:
    """Each model's training time, the mean over its seeds, and whether the times may be ranked: not
    when the machine was shared while a model trained, nor when its load was not recorded."""
    timing, fmt = cx.analysis.timing, cx.fmt
    if timing is None or not timing.models:
        return []
    out = [cx.say("narrative.comparison.time", times=fmt.listing([
        cx.say("narrative.comparison.time_entry_seeds" if t.seeds > 1 else "narrative.comparison.time_entry",
               model=cx.name(t.label), time=fmt.seconds(t.seconds), seeds=t.seeds) for t in timing.models]))]
    if timing.shared:
        out.append(cx.say("narrative.comparison.time_shared", models=cx.listing(timing.shared), cpus=timing.cpu_count))
    elif not timing.comparable:
        out.append(cx.say("narrative.comparison.time_unknown"))
    return out


def ranking(cx: Context) -> str:
    """"A = B > C" where the tests separate the ranks; otherwise the ranks listed ("1. A, B; 2. C"),
    which makes no such claim."""
    comparison = cx.analysis.comparison
    levels: dict[int, list[str]] = {}
    for r in comparison.ranks:
        levels.setdefault(r.rank, []).append(cx.name(r.label))
    if comparison.verdicts.ranks_separated:
        return cx.say("narrative.comparison.ranking", split=cx.split,
                      ranking=" > ".join(" = ".join(group) for group in levels.values()))
    return cx.say("narrative.comparison.ranking_overlap", split=cx.split,
                  ranking="; ".join(f"{rank}. {', '.join(group)}" for rank, group in levels.items()))


def pair_sentences(cx: Context, p: PairTest, found: PairConclusion) -> list[str]:
    """The pair's primary test as the analysis concludes it: more accurate only when the test
    rejects and the more accurate model learned; otherwise not distinguishable with this data,
    with the difference the test could have detected (never "equal")."""
    fmt = cx.fmt
    values = dict(a=cx.name(p.a), b=cx.name(p.b), diff=fmt.pp(p.diff_pp), ci=cx.ci_pp(p.diff_ci_pp),
                  a_only=p.a_only_correct, b_only=p.b_only_correct, p=fmt.p_statement(p.p_adjusted))
    if found.outcome == "a_better":
        return [cx.say("narrative.comparison.pair_better", **values)]
    if found.outcome == "not_judged":
        return [cx.say("narrative.comparison.pair_not_judged", **values, state=state_words(cx, cx.model(p.a)))]
    return [cx.say("narrative.comparison.pair_on_par", **values), detectable(cx, p)]


SAID_PAIRS = 2  # up to this many pairs each get their own sentences; more are summarised beside their table


def pair_summary(cx: Context) -> list[str]:
    """The pairs beside their table, for more than SAID_PAIRS: each pair that differs in its own
    sentence with its evidence, the pairs the test separates but whose leader did not learn in one,
    and the pairs not distinguishable in one, with the range of their differences and of what the
    test could have detected (never "equal")."""
    comparison, fmt = cx.analysis.comparison, cx.fmt
    found = list(zip(comparison.pairs, comparison.conclusions))
    out = [pair_sentences(cx, p, c)[0] for p, c in found if c.outcome == "a_better"]
    unjudged = [p for p, c in found if c.outcome == "not_judged"]
    if unjudged:
        leaders = list(dict.fromkeys(p.a for p in unjudged))
        out.append(cx.say("narrative.comparison.pairs_not_judged", pairs=fmt.listing([
            cx.say("narrative.comparison.pair_entry", a=cx.name(p.a), b=cx.name(p.b), diff=fmt.pp(p.diff_pp),
                   ci=cx.ci_pp(p.diff_ci_pp), p=fmt.p_statement(p.p_adjusted)) for p in unjudged]),
            states=fmt.listing([f"{cx.name(a)} {state_words(cx, cx.model(a))}" for a in leaders])))
    alike = [p for p, c in found if c.outcome == "not_distinguishable"]
    if alike:
        out += alike_summary(cx, alike, everyone=len(alike) == len(found))
    return out


def alike_summary(cx: Context, pairs: list[PairTest], everyone: bool) -> list[str]:
    """The pairs not distinguishable, in one sentence: the range of their differences and adjusted
    p, of the differences the test could have detected, and the pointer to the pairs table; the
    pairs with too few discordant images to detect any difference named after it."""
    fmt = cx.fmt
    sized = [p for p in pairs if p.mdd_pp is not None]
    values = dict(count=cx.say("narrative.comparison.pairs_all" if everyone else "narrative.comparison.pairs_rest",
                               k=len(pairs)),
                  n=fmt.integer(pairs[0].n), split=cx.split,
                  alpha=fmt.general(pairs[0].mdd_alpha),
                  diffs=span(cx, [abs(p.diff_pp) for p in pairs], lambda v: fmt.pp(v, signed=False)),
                  ps=span(cx, [p.p_adjusted for p in pairs], fmt.p_value))
    if not sized:
        return [cx.say("narrative.comparison.pairs_on_par_undetectable", **values)]
    out = [cx.say(
        "narrative.comparison.pairs_on_par", **values,
        mdds=span(cx, [p.mdd_pp for p in sized], lambda v: fmt.pp(v, signed=False)),
        power=span(cx, [p.mdd_power for p in sized], fmt.percent))]
    if len(sized) < len(pairs):
        out.append(cx.say("narrative.comparison.pairs_mdd_none", alpha=values["alpha"], pairs=fmt.listing(
            [f"{cx.name(p.a)} vs {cx.name(p.b)}" for p in pairs if p.mdd_pp is None])))
    return out


def span(cx: Context, values: list[float], shown: Callable[[float], str]) -> str:
    """The range of some values as formatted ("6,67 pp sampai 15,00 pp"), or the one value they share."""
    low, high = shown(min(values)), shown(max(values))
    return low if low == high else cx.say("narrative.comparison.span", low=low, high=high)


def detectable(cx: Context, p: PairTest) -> str:
    """What the pair's test could have detected: its minimum detectable difference."""
    fmt = cx.fmt
    values = dict(a=cx.name(p.a), b=cx.name(p.b), n=fmt.integer(p.n), split=cx.split, alpha=fmt.general(p.mdd_alpha))
    if p.mdd_pp is None:
        return cx.say("narrative.comparison.pair_mdd_none", **values)
    return cx.say("narrative.comparison.pair_mdd", **values, mdd=fmt.pp(p.mdd_pp, signed=False),
                  power=fmt.percent(p.mdd_power))


def versus(cx: Context, points: float, other: str) -> str:
    """An accuracy difference in words: "7,67 pp lebih rendah daripada A", or "setara dengan A"
    when it rounds to 0,00 pp (a signed "−7,67 pp" leaves the reader to work out the direction)."""
    if round(abs(points), 2) == 0:
        return cx.say("narrative.comparison.versus_equal", other=cx.name(other))
    key = "versus_higher" if points > 0 else "versus_lower"
    return cx.say(f"narrative.comparison.{key}", delta=cx.fmt.pp(abs(points), signed=False), other=cx.name(other))


def param_change(cx: Context, pct: float, model: str, other: str) -> str:
    """"dengan jumlah parameter 96,7% lebih banyak" / "… lebih sedikit" / "… yang sama"; from twice
    as many on, a factor ("49,1 kali lipat"): "4.809,6% lebih banyak" asks the reader to divide.
    The same count is qualified when it includes frozen parameters (Plain-34's unused projections):
    the two models do not train the same number."""
    if pct == 0:
        frozen = {label: cx.model(label).conditions.frozen_params if cx.model(label).conditions else None
                  for label in (model, other)}
        if any(frozen.values()):
            return cx.say("narrative.comparison.params_same_frozen", frozen=cx.fmt.listing(
                [cx.say("narrative.comparison.frozen_entry", model=cx.name(label), frozen=cx.fmt.integer(count))
                 for label, count in frozen.items() if count]))
        return cx.say("narrative.comparison.params_same")
    if pct >= 100:
        return cx.say("narrative.comparison.params_times", times=cx.fmt.number(1 + pct / 100, 1))
    key = "params_more" if pct > 0 else "params_fewer"
    return cx.say(f"narrative.comparison.{key}", pct=cx.fmt.change_pct(abs(pct), signed=False))


def degradation_sentences(cx: Context) -> list[str]:
    """Plain-34 vs ResNet-34, when both were trained: solved only when the pair test says so."""
    comparison = cx.analysis.comparison
    degradation = comparison.degradation if comparison else None
    if degradation is None:
        return []
    key = ("degradation_solved" if degradation.residual_better
           else "degradation_observed" if degradation.plain_better else "degradation_on_par")
    return [cx.say(f"narrative.comparison.{key}", residual=cx.name(degradation.residual),
                   plain=cx.name(degradation.plain), delta=cx.fmt.pp(abs(degradation.accuracy_pp), signed=False),
                   versus=versus(cx, degradation.accuracy_pp, degradation.plain),
                   p=cx.fmt.p_statement(degradation.p_adjusted))]
