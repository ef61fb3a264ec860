"""The report's account of repeated seeds (`train.seeds`): per model a table of its seeds with the
mean ± sd, and across models the mean ± sd table, each seed's accuracy and one sentence per
Welch test. Absent (None) for a run with one seed, whose documents stay as they were."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportgen.schema.analysis import ModelAnalysis, SeedTest, Spread
from reportgen.language.text import clean_user_text as clean
from reportgen.report.document import Column, SeedComparison, SeedResults, Table

if TYPE_CHECKING:
    from reportgen.report.sections import Context


def spread_text(s: Spread | None, mean, sd) -> str:
    """"mean ± sd" with each part formatted by its own function; the mean alone from one seed."""
    if s is None:
        return "–"
    return mean(s.mean) + ("" if s.sd is None else " ± " + sd(s.sd))


def accuracy_text(cx: Context, s: Spread | None) -> str:
    """"95,10% ± 0,80 pp": the spread of a percentage is in percentage points."""
    return spread_text(s, cx.f.percent, lambda sd: cx.f.pp(100 * sd, signed=False))


def f1_text(cx: Context, s: Spread | None) -> str:
    """A 0–1 score, as the comparison table shows macro-F1: "0,9312 ± 0,0110"."""
    return spread_text(s, cx.f.decimal, cx.f.decimal)


def number_text(cx: Context, s: Spread | None) -> str:
    return spread_text(s, lambda v: cx.f.number(v, 1), lambda v: cx.f.number(v, 1))


def seed_note(cx: Context) -> str:
    """What the seeds fix: with `train.seeds`, the split keeps `train.seed` and the trainings vary."""
    train = cx.exp.train
    if train.seeds is None:
        return cx.t("ui.dataset.seed_note", seed=train.seed)
    return cx.t("ui.seeds.seed_note", seed=train.seed, seeds=cx.f.listing([str(s) for s in train.seeds]))


def seed_results(cx: Context, m: ModelAnalysis) -> SeedResults | None:
    """The model's row per seed, then the mean ± sd row; the sentence saying what they show."""
    t, f, s = cx.t, cx.f, m.seeds
    if s is None:
        return None
    label = clean(m.label)
    rows = [[t("ui.seeds.figures_mark", seed=r.seed) if r.seed == s.figure_seed else str(r.seed),
             t(f"narrative.status.{r.status}"), f.percent(r.accuracy), f.decimal(r.macro_f1),
             str(r.best_epoch) if r.best_epoch is not None else "–",
             f.number(r.train_seconds, 1) if r.epochs_run else "–"] for r in s.seeds]
    n = s.accuracy.n if s.accuracy else 0
    rows.append([t("ui.seeds.mean_sd", n=n), "", accuracy_text(cx, s.accuracy), f1_text(cx, s.macro_f1),
                 number_text(cx, s.best_epoch), number_text(cx, s.train_seconds)])
    columns = [Column(t("ui.seeds.seed")), Column(t("ui.seeds.status"))] + [
        Column(h, numeric=True) for h in (f"{t('ui.accuracy')} {cx.split}", t("ui.seeds.macro_f1"),
                                          t("ui.seeds.best_epoch"), t("ui.time"))]
    table = Table(t("ui.seeds.model_caption", model=label, split=cx.split), columns, rows, emphasis_rows=1)
    with_result = [r.seed for r in s.seeds if r.accuracy is not None]
    if n >= 2:
        summary = [t("narrative.seeds.model", n=n, seeds=f.listing([str(x) for x in with_result]), split=cx.split,
                     model=label, acc=accuracy_text(cx, s.accuracy), f1=f1_text(cx, s.macro_f1),
                     seed=s.figure_seed)]
    elif n == 1:
        summary = [t("narrative.seeds.model_one", total=len(s.seeds), seed_with_result=with_result[0],
                     acc=f.percent(s.accuracy.mean), split=cx.split, model=label, seed=s.figure_seed)]
    else:
        summary = []
    missing = [str(r.seed) for r in s.seeds if r.accuracy is None]
    if missing and n >= 2:
        summary.append(t("narrative.seeds.missing", seeds=f.listing(missing), n=n))
    return SeedResults(table=table, summary=summary)


def pair_sentence(cx: Context, test: SeedTest) -> str:
    f = cx.f
    values = dict(a=clean(test.a), b=clean(test.b), n_a=test.n_a, n_b=test.n_b, mean_a=f.percent(test.mean_a),
                  mean_b=f.percent(test.mean_b), diff=f.pp(test.diff_pp))
    if test.p_adjusted is None:
        return cx.t("narrative.seeds.untestable", **values)
    return cx.t("narrative.seeds.better" if test.significant else "narrative.seeds.on_par", **values,
                t=f.number(test.t, 2), df=f.number(test.df, 1), p=f.p_statement(test.p_adjusted))


def seed_comparison(cx: Context) -> SeedComparison | None:
    """Mean ± sd per model, accuracy per seed (a column per model), and the Welch tests."""
    t, f, c = cx.t, cx.f, cx.a.comparison
    seeded = [m for m in cx.a.models if m.seeds is not None]
    if c is None or not seeded:
        return None
    table = Table(t("ui.seeds.table_caption", split=cx.split), [Column(t("ui.model"))] + [
        Column(h, numeric=True) for h in (f"{t('ui.accuracy')} {cx.split}", t("ui.seeds.macro_f1"),
                                          t("ui.seeds.best_epoch"), t("ui.time"), t("ui.seeds.n"))],
        [[clean(m.label), accuracy_text(cx, m.seeds.accuracy), f1_text(cx, m.seeds.macro_f1),
          number_text(cx, m.seeds.best_epoch), number_text(cx, m.seeds.train_seconds),
          str(m.seeds.accuracy.n if m.seeds.accuracy else 0)] for m in seeded])
    seeds = list(dict.fromkeys(r.seed for m in seeded for r in m.seeds.seeds))
    accuracy = {m.label: {r.seed: r.accuracy for r in m.seeds.seeds} for m in seeded}
    per_seed = Table(t("ui.seeds.per_seed_caption", split=cx.split),
                     [Column(t("ui.seeds.seed"))] + [Column(clean(m.label), numeric=True) for m in seeded],
                     [[str(seed)] + [f.percent(accuracy[m.label].get(seed)) for m in seeded] for seed in seeds]
                     + [[t("ui.seeds.mean")] + [f.percent(m.seeds.accuracy.mean if m.seeds.accuracy else None)
                                                for m in seeded],
                        [t("ui.seeds.sd")] + [f.pp(100 * m.seeds.accuracy.sd, signed=False)
                                              if m.seeds.accuracy and m.seeds.accuracy.sd is not None else "–"
                                              for m in seeded]],
                     emphasis_rows=2)
    tests = c.seed_tests
    testable = [x for x in tests if x.p_adjusted is not None]
    if testable:
        key = "method_single" if len(testable) == 1 else "method"
        notes = [t(f"narrative.seeds.{key}", split=cx.split, pairs=len(testable), alpha=f.general(c.alpha))]
    else:
        notes = [] if tests else [t("narrative.seeds.no_tests")]
    notes += [pair_sentence(cx, x) for x in tests]
    firsts = {m.seeds.figure_seed for m in seeded}
    notes.append(t("narrative.seeds.figures", seed=str(next(iter(firsts))) if len(firsts) == 1 else f.listing(
        [f"{clean(m.label)} {m.seeds.figure_seed}" for m in seeded])))
    return SeedComparison(table=table, per_seed=per_seed, notes=notes)
