"""Each modification tested against the model it modifies (its parent), not against the baseline.

The parent is the experiment's `[[models]] parent` when set, else the first model of the run whose
architecture the registry names as the model's `modifies` (preact_resnet34 and multipath_resnet34
modify resnet34; resnet34 adds skip connections to plain34). The verdict is the pair's
Holm-adjusted McNemar test, and it is made only when both models learned: a collapsed, diverged or
at-chance model's accuracy says nothing about its architecture.
"""

from __future__ import annotations

from reportgen.analysis.states import allows
from reportgen.config import Experiment
from reportgen.models import ARCHITECTURES
from reportgen.schema.analysis import Comparison, Modification, ModelAnalysis


def parents(exp: Experiment) -> list[tuple[str, str, str, str]]:
    """(model, parent, source, change) for every model of the experiment that has a parent in it."""
    by_arch: dict[str, str] = {}
    for spec in exp.models:
        by_arch.setdefault(spec.arch, spec.label)
    labels = {spec.label: spec for spec in exp.models}
    out = []
    for spec in exp.models:
        entry = ARCHITECTURES[spec.arch]
        if spec.parent is not None:
            # the registry's change still names it when the experiment picks the registry's parent
            same = labels[spec.parent].arch == entry.modifies
            out.append((spec.label, spec.parent, "experiment", entry.change if same else ""))
        elif entry.modifies in by_arch:
            out.append((spec.label, by_arch[entry.modifies], "registry", entry.change))
    return out


def modification(model: ModelAnalysis, parent: ModelAnalysis, source: str, change: str,
                 comparison: Comparison) -> Modification:
    """The modification's outcome against its parent, oriented model - parent."""
    facts = dict(model=model.label, parent=parent.label, source=source, change=change)
    if model.accuracy is None or parent.accuracy is None:
        return Modification(**facts, outcome="not_evaluated")
    pair = next(p for p in comparison.pairs if {p.a, p.b} == {model.label, parent.label})
    sign = 1 if pair.a == model.label else -1
    low, high = sorted((sign * pair.diff_ci_pp.low, sign * pair.diff_ci_pp.high))
    measured = dict(diff_pp=sign * pair.diff_pp, diff_ci_pp=pair.diff_ci_pp.model_copy(update={"low": low, "high": high}),
                    p_adjusted=pair.p_adjusted, mdd_pp=pair.mdd_pp)
    blocked = [m.label for m in (model, parent) if not allows(m.state, "better")]
    if blocked:
        outcome = "not_judged"
    elif pair.significant:
        outcome = "better" if sign > 0 else "worse"
    else:
        outcome = "not_distinguishable"
    return Modification(**facts, outcome=outcome, blocked_by=blocked, **measured)


def modifications(exp: Experiment, models: list[ModelAnalysis], comparison: Comparison) -> list[Modification]:
    by_label = {m.label: m for m in models}
    return [modification(by_label[model], by_label[parent], source, change, comparison)
            for model, parent, source, change in parents(exp)]
