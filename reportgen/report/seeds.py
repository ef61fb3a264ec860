"""The report's account of repeated seeds (`train.seeds`): per model a table of its seeds with the
mean ± sd (in the appendix when models are compared), and across models the mean ± sd table, each
seed's accuracy and one sentence per Welch test (the exploratory ones, with too few seeds, in the
appendix). Absent (None) for a run with one seed, whose documents stay as they were."""

from __future__ import annotations

from collections.abc import Callable

from reportgen.report.context import Context, appendix_id
from reportgen.report.document import Column, Group, Prose, Ref, Table
from reportgen.schema.analysis import ModelAnalysis, SeedTest, Spread


def spread_text(s: Spread | None, mean: Callable[[float], str], sd: Callable[[float], str]) -> str:
    """"mean ± sd" with each part formatted by its own function; the mean alone from one seed."""
    if s is None:
        return "–"
    return mean(s.mean) + ("" if s.sd is None else " ± " + sd(s.sd))


def accuracy_text(cx: Context, s: Spread | None) -> str:
    """"95,10% ± 0,80 pp": the spread of a percentage is in percentage points."""
    return spread_text(s, cx.fmt.percent, lambda sd: cx.fmt.pp(100 * sd, signed=False))


def f1_text(cx: Context, s: Spread | None) -> str:
    """A 0–1 score, as the comparison table shows macro-F1: "0,9312 ± 0,0110"."""
    return spread_text(s, cx.fmt.decimal, cx.fmt.decimal)


def number_text(cx: Context, s: Spread | None) -> str:
    return spread_text(s, lambda v: cx.fmt.number(v, 1), lambda v: cx.fmt.number(v, 1))


def seed_note(cx: Context) -> str:
    """What the seeds fix: with `train.seeds`, the split keeps `train.seed` and the trainings vary."""
    train = cx.experiment.train
    if train.seeds is None:
        return cx.say("ui.dataset.seed_note", seed=train.seed)
    return cx.say("ui.seeds.seed_note", seed=train.seed, seeds=cx.fmt.listing([str(s) for s in train.seeds]))


def seed_results(cx: Context, m: ModelAnalysis) -> Group | None:
    """The model's row per seed, then the mean ± sd row, with the sentences saying what they show."""
    fmt, summary = cx.fmt, m.seeds
    if summary is None:
        return None
    name = cx.name(m.label)
    rows = [[cx.say("ui.seeds.figures_mark", seed=r.seed) if r.seed == summary.figure_seed else str(r.seed),
             cx.say(f"narrative.status.{r.status}"), fmt.percent(r.accuracy), fmt.decimal(r.macro_f1),
             str(r.best_epoch) if r.best_epoch is not None else "–",
             fmt.number(r.train_seconds, 1) if r.epochs_run else "–"] for r in summary.seeds]
    counted = summary.accuracy.n if summary.accuracy else 0  # seeds with a result
    rows.append([cx.say("ui.seeds.mean_sd", n=counted), "", accuracy_text(cx, summary.accuracy),
                 f1_text(cx, summary.macro_f1), number_text(cx, summary.best_epoch),
                 number_text(cx, summary.train_seconds)])
    columns = [Column(cx.say("ui.seeds.seed")), Column(cx.say("ui.seeds.status"))] + [
        Column(h, numeric=True) for h in (f"{cx.say('ui.accuracy')} {cx.split}", cx.say("ui.seeds.macro_f1"),
                                          cx.say("ui.seeds.best_epoch"), cx.say("ui.time"))]
    table = Table(f"table-seeds-{m.slug}", cx.say("ui.seeds.model_caption", model=name, split=cx.split), columns,
                  rows, emphasis_rows=1)
    with_result = [r.seed for r in summary.seeds if r.accuracy is not None]
    if counted >= 2:
        sentences = [cx.say("narrative.seeds.model", n=counted, seeds=fmt.listing([str(x) for x in with_result]),
                            split=cx.split, model=name, acc=accuracy_text(cx, summary.accuracy),
                            f1=f1_text(cx, summary.macro_f1), seed=summary.figure_seed)]
    elif counted == 1:
        sentences = [cx.say("narrative.seeds.model_one", total=len(summary.seeds), seed_with_result=with_result[0],
                            acc=fmt.percent(summary.accuracy.mean), split=cx.split, model=name,
                            seed=summary.figure_seed)]
    else:
        sentences = []
    missing = [str(r.seed) for r in summary.seeds if r.accuracy is None]
    if missing and counted >= 2:
        sentences.append(cx.say("narrative.seeds.missing", seeds=fmt.listing(missing), n=counted))
    return Group([table, Prose(sentences, id=f"text-seeds-{m.slug}")])


def pair_sentence(cx: Context, test: SeedTest) -> str:
    """A seed-level test: a finding only with enough seeds per model, exploratory otherwise; when it
    disagrees with the primary test of the same pair, the sentence says the conclusion rests on that."""
    fmt = cx.fmt
    values = dict(a=cx.name(test.a), b=cx.name(test.b), n_a=test.n_a, n_b=test.n_b, mean_a=fmt.percent(test.mean_a),
                  mean_b=fmt.percent(test.mean_b), diff=fmt.pp(test.diff_pp))
    if test.p_adjusted is None:
        return cx.say("narrative.seeds.untestable", **values)
    values.update(t=fmt.number(test.t, 2), df=fmt.number(test.df, 1), p=fmt.p_statement(test.p_adjusted))
    if test.exploratory:
        return cx.say("narrative.seeds.exploratory", **values, min=test.min_seeds)
    sentence = cx.say("narrative.seeds.better" if test.significant else "narrative.seeds.on_par", **values)
    found = next((c for c in cx.analysis.comparison.conclusions if {c.a, c.b} == {test.a, test.b}), None)
    if found is not None and found.seed_test == "disagrees":
        sentence += " " + cx.say("narrative.seeds.disagrees")
    return sentence


def seed_comparison(cx: Context) -> list:
    """Mean ± sd per model, accuracy per seed (a column per model), and the Welch tests ([] with one seed)."""
    fmt, comparison = cx.fmt, cx.analysis.comparison
    seeded = [m for m in cx.analysis.models if m.seeds is not None]
    if comparison is None or not seeded:
        return []
    accuracy_column = f"{cx.say('ui.accuracy')} {cx.split}"
    table = Table("table-seed-summary", cx.say("ui.seeds.table_caption", split=cx.split), [Column(cx.say("ui.model"))]
                  + [Column(h, numeric=True) for h in (accuracy_column, cx.say("ui.seeds.macro_f1"),
                                                       cx.say("ui.seeds.best_epoch"), cx.say("ui.time"),
                                                       cx.say("ui.seeds.n"))],
                  [[cx.name(m.label), accuracy_text(cx, m.seeds.accuracy), f1_text(cx, m.seeds.macro_f1),
                    number_text(cx, m.seeds.best_epoch), number_text(cx, m.seeds.train_seconds),
                    str(m.seeds.accuracy.n if m.seeds.accuracy else 0)] for m in seeded])
    seeds = list(dict.fromkeys(r.seed for m in seeded for r in m.seeds.seeds))
    accuracy = {m.label: {r.seed: r.accuracy for r in m.seeds.seeds} for m in seeded}
    summary_rows = [[cx.say("ui.seeds.mean")] + [fmt.percent(m.seeds.accuracy.mean if m.seeds.accuracy else None)
                                                  for m in seeded],
                    [cx.say("ui.seeds.sd")] + [fmt.pp(100 * m.seeds.accuracy.sd, signed=False)
                                               if m.seeds.accuracy and m.seeds.accuracy.sd is not None else "–"
                                               for m in seeded]]
    per_seed = Table("table-seed-accuracy", cx.say("ui.seeds.per_seed_caption", split=cx.split),
                     [Column(cx.say("ui.seeds.seed"))] + [Column(cx.name(m.label), numeric=True) for m in seeded],
                     [[str(seed)] + [fmt.percent(accuracy[m.label].get(seed)) for m in seeded] for seed in seeds]
                     + summary_rows, emphasis_rows=2)
    tests = comparison.seed_tests
    findings = [x for x in tests if not x.exploratory]
    notes = welch_sentences(cx, findings) if findings or not tests else []
    if len(findings) < len(tests):  # the exploratory ones are in the appendix, with the per-seed tables
        notes.append(cx.say_with("narrative.seeds.exploratory_pointer", k=len(tests) - len(findings),
                                 min=tests[0].min_seeds, appendix=Ref(appendix_id("seeds"))))
    elif (pointer := cx.see("seeds")) is not None:
        notes += pointer.paragraphs
    firsts = {m.seeds.figure_seed for m in seeded}
    notes.append(cx.say("narrative.seeds.figures", seed=str(next(iter(firsts))) if len(firsts) == 1 else fmt.listing(
        [f"{cx.name(m.label)} {m.seeds.figure_seed}" for m in seeded])))
    return [table, per_seed, Prose(notes, id="text-seed-tests")]


def welch_sentences(cx: Context, tests: list[SeedTest]) -> list[str]:
    """The Welch tests' method (counting every testable pair: Holm adjusts over all of them) and a
    sentence per test; that there is none when no pair has two seeds each."""
    comparison = cx.analysis.comparison
    testable = [x for x in comparison.seed_tests if x.p_adjusted is not None]
    if not comparison.seed_tests:
        return [cx.say("narrative.seeds.no_tests")]
    key = "method_single" if len(testable) == 1 else "method"
    method = [cx.say(f"narrative.seeds.{key}", split=cx.split, pairs=len(testable),
                     alpha=cx.fmt.general(comparison.alpha))] if testable else []
    return method + [pair_sentence(cx, x) for x in tests]


def seed_detail(cx: Context) -> list:
    """The appendix's part for compared models' seeds: each model's per-seed table (the body keeps
    the summary across models) and the exploratory seed tests, too few seeds to be findings."""
    if cx.analysis.comparison is None:  # a lone model's seed table stays in the body
        return []
    blocks = [group for m in cx.analysis.models if (group := seed_results(cx, m))]
    exploratory = [x for x in cx.analysis.comparison.seed_tests if x.exploratory]
    return blocks + ([Prose(welch_sentences(cx, exploratory), id="text-seed-tests-exploratory")] if exploratory else [])
