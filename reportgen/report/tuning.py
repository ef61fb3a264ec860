"""Hyperparameter Tuning: the search that chose the configuration, its space, strategy, trials,
best point, the parameters that mattered, and its figure. Parameters are named for readers
(language/parameters.py), never by their experiment keys; the trials' order and which parameters
mattered are the analysis's verdicts."""

from __future__ import annotations

from collections.abc import Callable

from reportgen.language.parameters import parameter_name, parameter_value
from reportgen.report.context import Context, present
from reportgen.report.document import Column, Prose, Section, Table
from reportgen.report.methods import scheduler_text
from reportgen.schema.analysis import Tuning

TOP_TRIALS = 10  # rows of the trials table: a grid of thousands is summarised, the figure shows them all


def tuning_section(cx: Context) -> Section | None:
    fmt, tu = cx.fmt, cx.analysis.tuning
    if tu is None:
        return None
    metric, score = search_metric(cx, tu)
    states = [trial.state for trial in tu.trials]
    best = tu.best.params if tu.best else {}
    space = Table("table-tuning-space", cx.say("ui.caption.tuning_space"),
                  [Column(cx.say("ui.tuning.parameter")), Column(cx.say("ui.tuning.values")),
                   Column(cx.say("ui.tuning.chosen"))],
                  [[parameter_name(cx.phrases, key), "; ".join(parameter_value(fmt, v) for v in values),
                    parameter_value(fmt, best[key]) if key in best else "–"] for key, values in tu.space.items()])
    cfg = tu.train
    intro = cx.say("ui.tuning.intro_no_pruner" if tu.pruner == "none" else "ui.tuning.intro", model=cx.name(tu.model),
                   sampler=cx.say(f"ui.tuning.sampler.{tu.sampler}"), count=fmt.integer(len(tu.trials)),
                   complete=fmt.integer(states.count("complete")), pruned=fmt.integer(states.count("pruned")),
                   pruner=tu.pruner, metric=metric, seconds=fmt.seconds(tu.search_seconds))
    if "diverged" in states:
        intro += " " + cx.say("ui.tuning.diverged", count=states.count("diverged"))
    optimizers = tu.space.get("train.optimizer", [cfg["optimizer"]])
    strategy = cx.say("ui.tuning.strategy", optimizers=fmt.listing([parameter_value(fmt, o) for o in optimizers]),
                      epochs=cfg["epochs"], patience=cfg["early_stopping_patience"] or cx.say("ui.train.patience_off"),
                      scheduler=scheduler_text(cx, cfg))
    best_trial = cx.say("ui.tuning.best", number=tu.best.number, metric=metric,
                        value=score(tu.best.value)) if tu.best else ""
    chosen = " ".join(part for part in (best_trial, importance_text(cx, tu, metric)) if part)
    return Section("tuning", cx.say("ui.section.tuning"), present(
        Prose([intro], id="text-tuning-intro"), Prose([strategy], id="text-tuning-strategy"), space,
        Prose([chosen], id="text-tuning-best") if chosen else None,
        trials_table(cx, tu, metric, score) if tu.trials else None,
        cx.figure("figure-tuning", cx.say("ui.caption.tuning_figure"), tu.figure)))


def search_metric(cx: Context, tu: Tuning) -> tuple[str, Callable[[float | None], str]]:
    """The search's metric in words, and how its values are written."""
    return cx.say(f"narrative.monitor.{tu.metric}"), cx.fmt.percent if tu.metric == "val_acc" else cx.fmt.decimal


def trials_table(cx: Context, tu: Tuning, metric: str, score: Callable[[float | None], str]) -> Table:
    """The top trials: number, every searched parameter by its name, score, status, epochs, time."""
    fmt = cx.fmt
    by_number = {trial.number: trial for trial in tu.trials}
    shown = [by_number[number] for number in tu.verdicts.ranking[:TOP_TRIALS]]
    rows = [[f"#{tr.number}", *[parameter_value(fmt, tr.params[k]) if k in tr.params else "–" for k in tu.space],
             score(tr.value), cx.say(f"ui.tuning.state.{tr.state}"),
             fmt.integer(tr.epochs) if tr.epochs is not None else "–",
             fmt.number(tr.seconds, 1) if tr.seconds is not None else "–"] for tr in shown]
    count = fmt.integer(len(tu.trials))
    caption = (cx.say("ui.caption.tuning_trials_all", count=count, metric=metric) if len(shown) == len(tu.trials)
               else cx.say("ui.caption.tuning_trials_top", shown=len(shown), count=count, metric=metric))
    return Table("table-trials", caption, [
        Column(cx.say("ui.tuning.trial")), *[Column(parameter_name(cx.phrases, k)) for k in tu.space],
        Column(metric[:1].upper() + metric[1:], numeric=True), Column(cx.say("ui.tuning.status")),
        Column(cx.say("ui.tuning.epochs"), numeric=True), Column(cx.say("ui.tuning.seconds"), numeric=True)],
        rows, role="trials")


def in_sentence(name: str) -> str:
    """A label inside a sentence: "Laju pembelajaran" -> "laju pembelajaran"; an acronym ("LR ...") stays."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def importance_text(cx: Context, tu: Tuning, metric: str) -> str:
    """The parameters Optuna estimates mattered most, with their shares ("" when it could not
    estimate them, or none reached the analysis's threshold)."""
    completed = sum(trial.state == "complete" for trial in tu.trials)
    if tu.verdicts.importance_equal:
        return cx.say("ui.tuning.importance_equal", n=completed,
                      share=cx.fmt.percent(next(iter(tu.importances.values()))))
    if not tu.verdicts.important:
        return ""
    parameters = cx.fmt.listing([f"{in_sentence(parameter_name(cx.phrases, key))} "
                                 f"({cx.fmt.percent(tu.importances[key])})" for key in tu.verdicts.important])
    return cx.say("ui.tuning.importance", n=completed, parameters=parameters, metric=metric)
