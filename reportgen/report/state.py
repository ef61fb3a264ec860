"""A model's state (reportgen/analysis/states.py) in the document: whether a verdict may be said of
it, and the state in words with its evidence. Every section asks here before it judges a model, so
a collapsed, diverged or at-chance model is never called best, memorising, stable or over-confident,
and a model still predicting most classes is "biased towards X", never "collapsed"."""

from __future__ import annotations

from reportgen.report.context import Context
from reportgen.schema.analysis import ModelAnalysis, VerdictName


def may(m: ModelAnalysis, verdict: VerdictName) -> bool:
    """The documents may state `verdict` of `m`: its state allows it. A model without a state (no
    predictions, no divergence) has nothing to judge it by."""
    return m.state is not None and verdict in m.state.verdicts  # decided by the analysis (states.py)


def learned(m: ModelAnalysis) -> bool:
    """The model learned enough to be compared (healthy, biased or undertrained)."""
    return may(m, "better")


def state_words(cx: Context, m: ModelAnalysis) -> str:
    """The predicate "{model} …" for the model's state, with the facts that decide it."""
    if m.state is None:  # neither predictions nor a divergence: nothing decides it
        return cx.say("narrative.state.unknown")
    state = m.state.state
    skew, fmt = m.state.skew, cx.fmt
    values: dict = {}
    if skew is not None:
        biased = skew.biased[0] if skew.biased else None
        values = dict(cls=cx.clean(biased.name if biased and state == "biased" else skew.top_class),
                      share=fmt.percent(biased.predicted_share if biased and state == "biased" else skew.top_share),
                      own=fmt.percent(biased.true_share if biased and state == "biased" else skew.top_true_share),
                      recognised=skew.recognised, classes=len(m.per_class), accuracy=fmt.percent(m.accuracy),
                      ci=cx.ci_percent(m.accuracy_ci), chance=fmt.percent(skew.chance))
    trend = m.state.convergence
    if state == "undertrained" and trend is not None and trend.epochs_run < trend.min_epochs:
        return cx.say("narrative.state.undertrained_short", epochs=trend.epochs_run, min=trend.min_epochs)
    if state == "undertrained" and trend is not None:
        shown = (lambda v: fmt.pp(v, signed=False)) if trend.monitor == "val_acc" else fmt.decimal
        values.update(monitor=cx.say(f"narrative.monitor.{trend.monitor}"), gain=shown(trend.gain),
                      window=trend.window, noise=shown(trend.noise))
    return cx.say(f"narrative.state.{state}", **values)


def grouped_states(cx: Context, models: list[ModelAnalysis]) -> str:
    """The models by state, each state once: "belum konvergen: A dan B; kolaps: C"."""
    groups: dict[str, list[str]] = {}
    for m in models:
        if m.state is not None:
            groups.setdefault(m.state.state, []).append(m.label)
    return "; ".join(f"{cx.say(f'narrative.state_name.{state}')}: {cx.listing(labels)}"
                     for state, labels in groups.items())
