"""Diskusi and Kesimpulan. Diskusi leads with the run's health when no model learned, then the
training log, then one part per question the run can answer (did the models learn, which is more
accurate, did each modification help), each as asked / evidence / how sure / what next. Kesimpulan
answers the same questions in turn, as far as the primary test and each model's state allow, and
ends with the key finding (or the honest statement that the run supports none)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from reportgen.report.comparison import degradation_sentences
from reportgen.report.context import Context, present
from reportgen.report.document import Column, Emphasis, ItemList, Prose, Section, Table, Text
from reportgen.report.qualitative import insight, modification_sentence, no_result, verdict_cells
from reportgen.report.state import grouped_states, learned, may, state_words
from reportgen.report.tuning import search_metric
from reportgen.schema.analysis import ModelAnalysis


def discussion_section(cx: Context) -> Section:
    return Section("discussion", cx.say("ui.section.discussion"), present(
        health_lead(cx), training_log_table(cx), cx.see("variants")), questions(cx))


def conclusion_section(cx: Context) -> Section:
    key = " ".join(said for said in (key_finding(cx), "" if weak(cx) else insight(cx)) if said)
    return Section("conclusion", cx.say("ui.section.conclusion"), present(
        ItemList(conclusion_sentences(cx), numbered=True, id="list-conclusion"),
        Prose([[Emphasis(f"{cx.say('ui.qualitative.insight')}:"), f" {key}"]], id="text-insight") if key else None,
        Prose([cx.say("ui.discuss.colophon")], id="text-colophon", role="note")))


# --- the run's health -----------------------------------------------------------------------------


def weak(cx: Context) -> bool:
    health = cx.analysis.health
    return health is not None and health.weak and any(m.state for m in cx.analysis.models)


def health_lead(cx: Context) -> Prose | None:
    """When no model learned and converged: that first, each model's state, and what to try."""
    if not weak(cx):
        return None
    return Prose([weak_sentence(cx), *advice(cx)], id="text-health")


def weak_sentence(cx: Context) -> str:
    return cx.say("narrative.health.weak", states=grouped_states(cx, cx.analysis.models))


def advice(cx: Context) -> list[str]:
    """What to try, each suggestion with the fact it rests on ([] when there is none)."""
    health, fmt = cx.analysis.health, cx.fmt
    if health is None or not health.advice:
        return []
    shown = {"more_epochs": lambda v: str(int(v)), "stem": lambda v: str(int(v))}
    items = [cx.say(f"narrative.health.{a.key}", models=cx.listing(a.models),
                    values=fmt.listing(list(dict.fromkeys(shown.get(a.key, fmt.general)(v) for v in a.values))),
                    size=health.image_size, min=health.min_stage_side) for a in health.advice]
    return [cx.say("narrative.health.try", advice="; ".join(items))]


# --- Diskusi --------------------------------------------------------------------------------------


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


def question(cx: Context, key: str, asked: str, evidence: list[str], sure: list[str], next_steps: list[str],
             details: list[str] = ()) -> Section:
    """One question of the Diskusi: what was asked, what the evidence says (with `details`, a list
    of its own under it), how sure, what next."""
    parts = (("asked", [asked]), ("evidence", evidence), ("how_sure", sure), ("next", next_steps))
    items: list[Text] = [[Emphasis(f"{cx.say(f'ui.discuss.{part}')}:"), " " + " ".join(said)]
                         for part, said in parts if said]
    return Section(f"discussion-{key}", cx.say(f"ui.discuss.{key}"), present(
        ItemList(items, id=f"list-discussion-{key}"),
        ItemList(list(details), id="list-discussion") if details else None), numbered=False)


def questions(cx: Context) -> list[Section]:
    out = [training_question(cx)]
    comparison = cx.analysis.comparison
    if comparison is not None and comparison.pairs:
        out.append(accuracy_question(cx))
        if comparison.modifications:
            out.append(modification_question(cx))
    return out


def training_question(cx: Context) -> Section:
    judged = [m for m in cx.analysis.models if m.state]
    evidence = [cx.say("narrative.discuss.state", model=cx.name(m.label), state=state_words(cx, m)) for m in judged]
    evidence += [no_result(cx, m) for m in cx.analysis.models if m.accuracy is None]
    sure = []
    if judged:
        skew = next((m.state.skew for m in judged if m.state.skew), None)
        trend = next((m.state.convergence for m in judged if m.state.convergence), None)
        if skew and trend:
            sure.append(cx.say("narrative.discuss.training_sure", share=cx.fmt.percent(skew.collapse_share),
                               ratio=cx.fmt.general(skew.collapse_ratio), late=cx.fmt.percent(trend.late_gain_share),
                               min=trend.min_epochs))
    next_steps = advice(cx) or ([cx.say("narrative.discuss.training_fine")]
                                if judged and all(may(m, "memorising") for m in judged) else [])
    return question(cx, "training", cx.say("narrative.discuss.training_asked"), evidence, sure, next_steps,
                    discussion_sentences(cx))


def accuracy_question(cx: Context) -> Section:
    comparison, fmt = cx.analysis.comparison, cx.fmt
    found = comparison.conclusions
    count = {outcome: sum(c.outcome == outcome for c in found) for outcome in ("a_better", "not_distinguishable",
                                                                              "not_judged")}
    evidence = [cx.say("narrative.discuss.accuracy_counts", pairs=len(found), better=count["a_better"],
                       unclear=count["not_distinguishable"], blocked=count["not_judged"]), key_finding(cx)]
    unclear = [p for p, c in zip(comparison.pairs, found) if c.outcome == "not_distinguishable" and p.mdd_pp is not None]
    if unclear:
        low, high = min(p.mdd_pp for p in unclear), max(p.mdd_pp for p in unclear)
        sure = [cx.say("narrative.discuss.accuracy_sure_mdd", low=fmt.number(low, 2), high=fmt.pp(high, signed=False),
                       power=fmt.percent(unclear[0].mdd_power), n=fmt.integer(unclear[0].n), split=cx.split)]
    elif not count["not_distinguishable"]:
        sure = [cx.say("narrative.discuss.accuracy_sure_all")]
    else:
        sure = []
    sure += seed_reconciliation(cx)
    min_seeds = next((s.min_seeds for s in comparison.seed_tests), 3)
    next_steps = [cx.say("narrative.discuss.accuracy_next_weak" if weak(cx) else "narrative.discuss.accuracy_next",
                         split=cx.split, min=min_seeds)]
    return question(cx, "accuracy", cx.say("narrative.discuss.accuracy_asked", split=cx.split), evidence, sure,
                    next_steps)


def seed_reconciliation(cx: Context) -> list[str]:
    """How the tests across seeds stand against the primary test: exploratory, or where they disagree."""
    comparison = cx.analysis.comparison
    out = []
    exploratory = [s for s in comparison.seed_tests if s.exploratory]
    if exploratory:
        out.append(cx.say("narrative.discuss.seeds_exploratory", min=exploratory[0].min_seeds))
    disagree = [f"{cx.name(c.a)}–{cx.name(c.b)}" for c in comparison.conclusions if c.seed_test == "disagrees"]
    if disagree:
        out.append(cx.say("narrative.discuss.seeds_disagree", pairs=cx.fmt.listing(disagree)))
    return out


def modification_question(cx: Context) -> Section:
    mods = cx.analysis.comparison.modifications
    sure = [cx.say("narrative.discuss.modifications_sure")]
    if weak(cx):
        sure.append(cx.say("narrative.discuss.modifications_sure_weak"))
    if any(mod.outcome == "not_distinguishable" for mod in mods):
        next_key = "modifications_next"
    elif any(mod.outcome in ("better", "worse") for mod in mods):
        next_key = "modifications_next_done"
    else:  # every one not judged or not evaluated: nothing to repeat yet
        next_key = "modifications_next_unjudged"
    next_steps = [cx.say(f"narrative.discuss.{next_key}")]
    return question(cx, "modifications", cx.say("narrative.discuss.modifications_asked"),
                    [modification_sentence(cx, mod) for mod in mods], sure, next_steps)


def discussion_sentences(cx: Context) -> list[str]:
    """Per model what its curves and calibration suggest, each only where its state allows the
    verdict; the parameter-count lesson only between models that converged."""
    fmt = cx.fmt
    out = [cx.say("narrative.failure.discussion_diverged", model=cx.name(m.label),
                  lr=fmt.general(m.train_config["lr"])) for m in cx.analysis.models if m.failure == "diverged"]
    for m in cx.analysis.models:
        diagnostics, name = m.diagnostics, cx.name(m.label)
        if diagnostics and diagnostics.overfit and may(m, "regularisation_advice"):
            out.append(cx.say("narrative.discussion.overfit", model=name,
                              gap=fmt.pp(diagnostics.gap_acc_pp, signed=False)))
        if diagnostics and diagnostics.stable is False and may(m, "stable"):
            out.append(cx.say("narrative.discussion.unstable", model=name))
        if m.calibration and m.calibration.overconfident and may(m, "calibration_advice"):
            out.append(cx.say("narrative.discussion.overconfident", model=name, ece=fmt.decimal(m.calibration.ece)))
    judged = [m for m in cx.analysis.models if m.diagnostics]  # all_good claims both verdicts
    if not out and judged and all(m.diagnostics.overfit is not None and m.diagnostics.stable is not None
                                  and may(m, "stable") for m in judged):
        out.append(cx.say("narrative.discussion.all_good"))
    return out + parameter_lesson(cx)


def parameter_lesson(cx: Context) -> list[str]:
    """What the largest model's accuracy says about parameter counts: only when it and every model
    it is compared with converged (an undertrained or failed model's accuracy teaches nothing about
    its size)."""
    comparison, fmt = cx.analysis.comparison, cx.fmt
    if comparison is None or comparison.verdicts is None or comparison.verdicts.largest is None:
        return []
    largest = cx.model(comparison.verdicts.largest)
    evaluated = [m for m in cx.analysis.models if m.accuracy is not None]
    if not all(may(m, "parameter_lesson") for m in evaluated):
        return []
    values = dict(model=cx.name(largest.label), params=fmt.integer(largest.params),
                  train_size=fmt.integer(cx.analysis.dataset.train_size))
    above = [c.a for c in comparison.conclusions if c.b == largest.label and c.outcome == "a_better"]
    if above:
        return [cx.say("narrative.verdict.largest_less", **values, others=cx.listing(above))]
    key = "largest_best" if comparison.verdicts.largest_best else "largest_not_best"
    return [cx.say(f"narrative.discussion.{key}", **values)]


# --- Kesimpulan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One Kesimpulan item and the models it is about (none: the run as a whole): a pair for a test
    of two models, the one model a verdict judges ("less accurate than A and B" is about it)."""

    text: str
    models: frozenset[str] = frozenset()


def conclusion_sentences(cx: Context) -> list[str]:
    return in_turn(cx, conclusion_answers(cx))


def in_turn(cx: Context, answers: list[Answer]) -> list[str]:
    """The answers about the run as a whole first, then each written objective in turn with the
    answers about the models it names, each marked with its objective. An answer belongs to the
    objectives whose models overlap its own the most (Jaccard); one that fits every objective
    equally, or none, is about the run as a whole. An objective that names models but gets no
    answer says so."""
    scopes = [frozenset(o.models) for o in cx.analysis.objectives]

    def objectives_of(answer: Answer) -> list[int]:
        overlap = [len(answer.models & s) / len(answer.models | s) if answer.models else 0.0 for s in scopes]
        best = max(overlap, default=0.0)
        chosen = [i for i, v in enumerate(overlap) if v == best and v > 0]
        return [] if len(chosen) == len(scopes) else chosen

    placed = [(objectives_of(a), a) for a in answers]
    if not any(objectives for objectives, _ in placed):
        return [a.text for a in answers]
    out = [a.text for objectives, a in placed if not objectives]
    for i, scope in enumerate(scopes):
        # this objective's own answers before those shared with the next ones
        mine = sorted(((objectives, a) for objectives, a in placed if objectives and objectives[0] == i),
                      key=lambda placed_answer: len(placed_answer[0]))
        out += [f"{objective_mark(cx, objectives)} {a.text}" for objectives, a in mine]
        if scope and not any(i in objectives for objectives, _ in placed):
            out.append(cx.say("narrative.conclusion.objective_open", mark=objective_mark(cx, [i])))
    return out


def objective_mark(cx: Context, objectives: list[int]) -> str:
    numbers = cx.fmt.listing([str(i + 1) for i in objectives])
    return cx.say("narrative.conclusion.objective_one" if len(objectives) == 1
                  else "narrative.conclusion.objective_many", numbers=numbers)


def conclusion_answers(cx: Context) -> list[Answer]:
    """The answers in turn: whether the models learned (first when none did, with what to try), which
    is more accurate as far as the primary test and the states allow, each modification against its
    parent, what a search chose, the models whose accuracy judges nothing, and the degradation
    experiment when no modification already answers it."""
    fmt, models = cx.fmt, cx.analysis.models
    out = [Answer(" ".join([weak_sentence(cx), *advice(cx)]))] if weak(cx) else []
    scored = sorted((m for m in models if m.accuracy is not None), key=lambda m: (-m.accuracy, m.label))
    if len(scored) == 1:
        m = scored[0]
        out.append(Answer(cx.say("narrative.conclusion.single", model=cx.name(m.label),
                                 accuracy=fmt.percent(m.accuracy), ci=cx.ci_percent(m.accuracy_ci),
                                 f1=fmt.decimal(m.macro.f1), split=cx.split), frozenset({m.label})))
    elif scored and cx.analysis.comparison is not None:
        out += ranked_conclusion(cx, scored)
        out += [Answer(modification_sentence(cx, mod), frozenset({mod.model, mod.parent}))
                for mod in cx.analysis.comparison.modifications]
    out += tuning_conclusion(cx)
    out += [Answer(no_result(cx, m), frozenset({m.label})) for m in models if m.accuracy is None]
    # A model that has not learned: its accuracy says nothing about its architecture (said once
    # per model; the weak run's lead already said it of every model)
    if not weak(cx):
        out += [Answer(cx.say("narrative.verdict.not_learned", model=cx.name(m.label), state=state_words(cx, m)),
                       frozenset({m.label})) for m in scored if m.state and not learned(m)]
    return out + seed_conclusion(cx) + degradation_conclusion(cx)


def tuning_conclusion(cx: Context) -> list[Answer]:
    """What the search chose, and from how much of its space (the configuration then trained is
    judged with the other models above)."""
    tu, fmt = cx.analysis.tuning, cx.fmt
    if tu is None or tu.best is None:
        return []
    points = math.prod(len(values) for values in tu.space.values())
    metric, score = search_metric(cx, tu)
    return [Answer(cx.say("narrative.conclusion.tuning", model=cx.name(tu.model), count=fmt.integer(len(tu.trials)),
                          points=fmt.integer(points), number=tu.best.number, value=score(tu.best.value),
                          metric=metric), frozenset({tu.model}))]


def seed_conclusion(cx: Context) -> list[Answer]:
    """The findings across seeds (Welch, enough seeds per model); an exploratory test is no finding
    and stays in the comparison. Where one disagrees with McNemar, the conclusion rests on McNemar."""
    comparison = cx.analysis.comparison
    if comparison is None:
        return []
    disagreeing = {frozenset((c.a, c.b)) for c in comparison.conclusions if c.seed_test == "disagrees"}
    out = []
    for s in comparison.seed_tests:
        if s.p_adjusted is None or s.exploratory:
            continue
        sentence = cx.say("narrative.conclusion.seeds_better" if s.significant else "narrative.conclusion.seeds_on_par",
                          a=cx.name(s.a), b=cx.name(s.b), n=min(s.n_a, s.n_b), diff=cx.fmt.pp(s.diff_pp),
                          p=cx.fmt.p_statement(s.p_adjusted))
        if frozenset((s.a, s.b)) in disagreeing:
            sentence += " " + cx.say("narrative.seeds.disagrees")
        out.append(Answer(sentence, frozenset((s.a, s.b))))
    return out


def degradation_conclusion(cx: Context) -> list[Answer]:
    """The degradation experiment, unless a modification (residual against plain) already answers it."""
    comparison = cx.analysis.comparison
    degradation = comparison.degradation if comparison else None
    if degradation is None or any({mod.model, mod.parent} == {degradation.plain, degradation.residual}
                                  for mod in comparison.modifications):
        return []
    if not all(learned(cx.model(label)) for label in (degradation.plain, degradation.residual)):
        return []
    return [Answer(sentence, frozenset((degradation.plain, degradation.residual)))
            for sentence in degradation_sentences(cx)]


def ranked_conclusion(cx: Context, scored: list[ModelAnalysis]) -> list[Answer]:
    """The best model when the analysis supports one; otherwise the most accurate and why it is not
    called best (both about the run as a whole); then every learned model the primary test finds
    less accurate than another."""
    fmt, comparison = cx.fmt, cx.analysis.comparison
    leader = cx.model(comparison.ranking[0])
    values = dict(model=cx.name(leader.label), accuracy=fmt.percent(leader.accuracy),
                  ci=cx.ci_percent(leader.accuracy_ci), f1=fmt.decimal(leader.macro.f1), split=cx.split)
    tied = [c.b if c.a == leader.label else c.a for c in comparison.conclusions
            if leader.label in (c.a, c.b) and c.outcome == "not_distinguishable"]
    if comparison.supported_best == leader.label:
        lead = cx.say("narrative.conclusion.best", **values)
    elif tied:
        accuracies = "; ".join(f"{cx.name(m.label)} {fmt.percent(m.accuracy)}, {cx.ci_percent(m.accuracy_ci)}"
                               for m in [leader, *map(cx.model, tied)])
        lead = cx.say("narrative.conclusion.no_best", leader=cx.name(leader.label), split=cx.split,
                      accuracies=accuracies, others=cx.listing(tied))
    elif not may(leader, "best"):
        lead = cx.say("narrative.verdict.weak_best", **values,
                      reason=cx.say("narrative.verdict.reason_state", state=state_words(cx, leader)))
    else:  # more accurate than every other, but some of them did not learn: no rival, no "best"
        lead = cx.say("narrative.verdict.weak_best", **values, reason=cx.say(
            "narrative.verdict.reason_rivals", models=grouped_states(
                cx, [m for m in scored if m is not leader and m.state and not learned(m)])))
    out = [Answer(lead)]
    # a modification less accurate than its parent alone is said by its own item
    worse = {mod.model: mod.parent for mod in comparison.modifications if mod.outcome == "worse"}
    for m in scored:
        above = [c.a for c in comparison.conclusions if c.b == m.label and c.outcome == "a_better"]
        if above and learned(m) and above != [worse.get(m.label)]:
            out.append(Answer(cx.say("narrative.verdict.less_accurate", model=cx.name(m.label),
                                     accuracy=fmt.percent(m.accuracy), ci=cx.ci_percent(m.accuracy_ci),
                                     others=cx.listing(above)), frozenset({m.label})))
    return out


def key_finding(cx: Context) -> str:
    """The one finding with the strongest evidence, or why the run supports none ("" without a comparison)."""
    comparison, fmt = cx.analysis.comparison, cx.fmt
    found = comparison.key_finding if comparison else None
    if found is None:
        return ""
    if found.reason == "all_weak":
        return cx.say("narrative.verdict.key_weak")
    if found.reason == "none_distinguishable":
        return cx.say("narrative.verdict.key_none")
    if found.reason == "no_rival":
        return cx.say("narrative.verdict.key_no_rival", models=grouped_states(
            cx, [m for m in cx.analysis.models if m.state and not learned(m)]))
    return cx.say("narrative.verdict.key_strongest", a=cx.name(found.a), b=cx.name(found.b), diff=fmt.pp(found.diff_pp),
                  ci=cx.ci_pp(found.diff_ci_pp), p=fmt.p_statement(found.p_adjusted))
