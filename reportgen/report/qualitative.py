"""the closing parts, from the analysis facts: the qualitative comparison table (depth,
parameters, training time, generalisation gap, stability, accuracy per model), each modification's
hypothesis with what its test against the baseline shows, the key insight and each model's limits;
the links and the statement of tools used.

Like the narrative, every sentence names the numbers it rests on, and a model is called more or
less accurate than another only when the pair's Holm-adjusted McNemar test says so.
"""

from __future__ import annotations

from reportgen.schema.analysis import ModelAnalysis
from reportgen.language.text import clean_user_text as clean
from reportgen.report.document import Column, Link, Qualitative, Table, Variant
from reportgen.report.narrative import Writer
from reportgen.report.sections import Context, verdict_cells, with_interval

# A model trains "longer" than another only past this factor: a few percent is the machine's noise.
SLOWER_FACTOR = 1.25
# ... and has "more parameters" only past this one: 21.287.237 against 21.285.573 is no cost to name.
LARGER_FACTOR = 1.05


def qualitative_table(cx: Context) -> Table:
    """One row per model, every cell a fact: its depth, parameters, training time, the
    training−validation gap with the overfitting verdict, the stability verdict, the accuracy."""
    t, f = cx.t, cx.f
    rows = []
    for m in cx.a.models:
        overfit, stable = verdict_cells(cx, m)
        d, depth = m.diagnostics, m.architecture.depth if m.architecture else None
        rows.append([clean(m.label), "–" if depth is None else str(depth), f.integer(m.params),
                     f.seconds(m.train_seconds) if m.epochs_run else "–",
                     t("ui.qualitative.gap_verdict", gap=f.pp(d.gap_acc_pp), verdict=overfit) if d else overfit,
                     stable, with_interval(cx, f.percent, m.accuracy, m.accuracy_ci)])
    columns = [Column(t("ui.model")), Column(t("ui.qualitative.depth"), numeric=True),
               Column(t("ui.params"), numeric=True), Column(t("ui.qualitative.time"), numeric=True),
               Column(t("ui.qualitative.gap")), Column(t("ui.stability")),
               Column(t("ui.qualitative.accuracy", split=cx.split), numeric=True)]
    return Table(t("ui.qualitative.caption", split=cx.split), columns, rows)


class Verdicts:
    """The sentences of the closing parts, in one language; `w` gives the pair tests and intervals."""

    def __init__(self, cx: Context):
        self.cx, self.t, self.f = cx, cx.t, cx.f
        self.w = Writer(cx.a, cx.t.lang)
        self.c = cx.a.comparison
        # A failed model's accuracy does not judge its architecture: it takes part in no comparison here.
        self.judged = [m for m in cx.a.models if m.accuracy is not None and not m.failure]

    def outcome(self, m: ModelAnalysis) -> str:
        """What the pair test of a modification against the baseline shows."""
        t, f, base = self.t, self.f, self.c.baseline
        if m.accuracy is None:
            return t("narrative.conclusion.no_result", model=m.label, status=t(f"narrative.status.{m.status}"))
        if m.failure:
            return t(f"narrative.conclusion.{m.failure}", model=m.label)
        p = next(p for p in self.c.pairs if {p.a, p.b} == {m.label, base})
        # The pair stores a - b; the sentence speaks of the model against the baseline, and its
        # interval must point the way the sentence does: m - base, or base - m when m is worse.
        sign = 1 if p.a == m.label else -1
        if p.significant:
            key = "outcome_better" if sign * p.diff_pp > 0 else "outcome_worse"
            sign *= 1 if key == "outcome_better" else -1
            diff = f.pp(sign * p.diff_pp, signed=False)
        else:
            key, diff = "outcome_on_par", f.pp(sign * p.diff_pp)
        low, high = sorted((sign * p.diff_ci_pp.low, sign * p.diff_ci_pp.high))
        return t(f"narrative.qualitative.{key}", model=m.label, baseline=base, diff=diff,
                 ci=self.w.ci_pp(p.diff_ci_pp.model_copy(update={"low": low, "high": high})),
                 p=f.p_statement(p.p_adjusted))

    def variant(self, m: ModelAnalysis) -> Variant:
        """A model's hypothesis (its description) and outcome against the baseline, and its limits."""
        modified = m.label != self.c.baseline
        return Variant(clean(m.label), clean(m.description) if modified else "",
                       clean(self.outcome(m)) if modified else "",
                       [clean(s) for s in self.limits(m, stated=self.c.baseline if modified else None)])

    def insight(self) -> str:
        """The key insight: what the most accurate models cost, as far as the tests tell them apart."""
        t, f, w, models = self.t, self.f, self.w, self.judged
        if len(models) < 2:
            return ""
        if not any(w.better(a.label, b.label) for a in models for b in models):
            cheapest = min(models, key=lambda m: m.params)
            return t("narrative.qualitative.none_differ", n=f.integer(self.c.pairs[0].n), split=self.cx.split,
                     alpha=f.general(self.c.alpha), model=cheapest.label, params=f.integer(cheapest.params))
        leader = max(models, key=lambda m: m.accuracy)
        others = [m for m in models if m is not leader]
        if all(w.better(leader.label, m.label) for m in others):  # what its margin over the closest costs
            closest = max(others, key=lambda m: m.accuracy)
            p = next(p for p in self.c.pairs if (p.a, p.b) == (leader.label, closest.label))
            return t("narrative.qualitative.best_tradeoff", model=leader.label, other=closest.label,
                     diff=f.pp(p.diff_pp, signed=False), p=f.p_statement(p.p_adjusted),
                     params=f.integer(leader.params), other_params=f.integer(closest.params),
                     time=f.seconds(leader.train_seconds), other_time=f.seconds(closest.train_seconds))
        tied = [m for m in others if not w.better(leader.label, m.label)]
        cheapest = min(tied, key=lambda m: m.params)
        if cheapest.params < leader.params:
            return t("narrative.qualitative.simpler_on_par", model=cheapest.label, params=f.integer(cheapest.params),
                     leader=leader.label, leader_params=f.integer(leader.params))
        return t("narrative.qualitative.leader_cheapest", leader=leader.label, params=f.integer(leader.params),
                 others=f.listing([m.label for m in tied]))

    def limits(self, m: ModelAnalysis, stated: str | None = None) -> list[str]:
        """What speaks against a model: a model significantly more accurate (unless it is `stated`,
        whose test the outcome already gives), a smaller or faster one not shown to be less accurate,
        overfitting, instability, over-confidence."""
        t, f, w, d = self.t, self.f, self.w, m.diagnostics
        if m.accuracy is None:
            return [t("narrative.conclusion.no_result", model=m.label, status=t(f"narrative.status.{m.status}"))]
        if m.failure:
            return [t(f"narrative.conclusion.{m.failure}", model=m.label)]
        out = []
        better = [o for o in self.judged if w.better(o.label, m.label)]
        if better and (top := max(better, key=lambda o: o.accuracy)).label != stated:
            p = next(p for p in self.c.pairs if (p.a, p.b) == (top.label, m.label))
            out.append(t("narrative.qualitative.less_accurate", other=top.label, diff=f.pp(p.diff_pp, signed=False),
                         p=f.p_statement(p.p_adjusted)))
        on_par = [o for o in self.judged if o is not m and not w.better(m.label, o.label)]
        if smaller := [o for o in on_par if LARGER_FACTOR * o.params < m.params]:
            o = min(smaller, key=lambda o: o.params)
            out.append(t("narrative.qualitative.more_params", other=o.label, params=f.integer(m.params),
                         other_params=f.integer(o.params)))
        if faster := [o for o in on_par if o.epochs_run and SLOWER_FACTOR * o.train_seconds < m.train_seconds]:
            o = min(faster, key=lambda o: o.train_seconds)
            out.append(t("narrative.qualitative.slower", other=o.label, time=f.seconds(m.train_seconds),
                         other_time=f.seconds(o.train_seconds)))
        if d is not None:
            gap = dict(gap=f.pp(d.gap_acc_pp, signed=False), threshold=f.pp(d.overfit_threshold_pp, signed=False),
                       noise=f.pp(d.val_noise_pp, signed=False), n=f.integer(d.val_size))
            if d.overfit:
                out.append(t("narrative.qualitative.overfit", **gap))
            elif d.overfit is None:
                out.append(t("narrative.qualitative.overfit_insufficient", **gap))
            if d.stable is False:
                out.append(t("narrative.qualitative.unstable"))
            elif d.stable is None:
                out.append(t("narrative.qualitative.too_short", epochs=m.epochs_run, min=d.min_epochs_for_stability))
        if m.calibration and m.calibration.overconfident:
            out.append(t("narrative.qualitative.overconfident", ece=f.decimal(m.calibration.ece),
                         threshold=f.decimal(m.calibration.ece_threshold)))
        return out or [t("narrative.qualitative.none")]


def qualitative(cx: Context) -> Qualitative | None:
    """The closing parts that compare models; None with fewer than two evaluated models."""
    if cx.a.comparison is None:
        return None
    v = Verdicts(cx)
    return Qualitative(table=qualitative_table(cx), intro=cx.t("ui.qualitative.variants_intro",
                                                               baseline=clean(v.c.baseline)),
                       variants=[v.variant(m) for m in cx.a.models], insight=clean(v.insight()))


def links(cx: Context) -> list[Link]:
    return [Link(clean(link.label), link.url) for link in cx.exp.report.links]


def tools_statement(cx: Context) -> list[str]:
    """The statement of tools used, a paragraph per blank-line-separated block."""
    return [clean(p) for p in cx.exp.report.tools_statement.split("\n\n") if p.strip()]
