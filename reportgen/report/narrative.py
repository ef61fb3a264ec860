"""The narrative: sentences in Indonesian or English generated from the analysis facts.

Every sentence comes from templates/phrases/narrative.toml and states the numbers it rests on;
which sentence is chosen (better/worse, overfit/not, stable/not) is decided here by comparing
those same numbers, so the text cannot contradict the tables.
"""

from __future__ import annotations

from pydantic import BaseModel

from reportgen.analysis.tree import Analysis, FeatureMapCase, ModelAnalysis
from reportgen.analysis.diagnostics import MIN_EPOCHS_FOR_STABILITY
from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases


class ModelNarrative(BaseModel):
    label: str
    curves: list[str]  # observations on the training curves
    confusion: list[str]  # on the confusion matrix and per-class metrics
    feature_maps: list[list[str]]  # one list per FeatureMapCase, in the same order


class Narrative(BaseModel):
    models: list[ModelNarrative]
    comparison: list[str]
    discussion: list[str]
    conclusion: list[str]


class Writer:
    def __init__(self, analysis: Analysis, lang: str):
        self.a, self.t, self.f = analysis, Phrases(lang), Formatter(lang)
        self.split = self.t(f"narrative.split.{analysis.dataset.eval_split}")

    # --- per model ---------------------------------------------------------------------------

    def curves(self, m: ModelAnalysis) -> list[str]:
        t, f = self.t, self.f
        out = []
        if m.status == "diverged":
            out.append(t("narrative.curves.diverged", model=m.label, epoch=m.epochs_run) if m.epochs_run
                       else t("narrative.curves.diverged_early", model=m.label))
        if m.best_epoch is None:
            return out
        out.append(t("narrative.curves.summary", model=m.label, epochs=m.epochs_run, val_acc=f.percent(m.val_acc),
                     best_epoch=m.best_epoch, train_acc=f.percent(m.train_acc), val_loss=f.decimal(m.val_loss)))
        if m.stopped_early:
            out.append(t("narrative.curves.early_stop", patience=m.train_config["early_stopping_patience"],
                         monitor=t(f"narrative.monitor.{m.train_config['monitor']}")))
        if m.status == "pruned":
            out.append(t("narrative.curves.pruned"))
        d = m.diagnostics
        if d is None:
            return out
        if d.gap_acc_pp < 0:
            out.append(t("narrative.curves.val_above_train", gap=f.pp(-d.gap_acc_pp, signed=False)))
        else:
            out.append(t("narrative.curves.overfit" if d.overfit else "narrative.curves.no_overfit",
                         gap=f.pp(d.gap_acc_pp, signed=False), threshold=f.pp(d.overfit_threshold_pp, signed=False)))
        if d.val_loss_rising:
            out.append(t("narrative.curves.val_loss_rise", rise=f.decimal(d.val_loss_rise)))
        if m.epochs_run < MIN_EPOCHS_FOR_STABILITY:
            out.append(t("narrative.curves.too_short", epochs=m.epochs_run))
            return out
        limits = dict(ratio=f.number(d.spike_ratio, 1), fluctuation=f.number(d.val_loss_fluctuation, 3),
                      threshold=f.number(d.fluctuation_threshold, 2))
        if d.stable:
            out.append(t("narrative.curves.stable", **limits))
        if d.val_loss_spikes:
            out.append(t("narrative.curves.spikes", ratio=limits["ratio"],
                         epochs=self.f.listing([str(e) for e in d.val_loss_spikes])))
        if d.val_loss_fluctuation > d.fluctuation_threshold:
            out.append(t("narrative.curves.fluctuating", **limits))
        epochs, train_loss = m.history.finite("train_loss")  # the first epoch's loss may not be finite (None)
        first = train_loss[0]
        if d.max_train_loss_epoch != epochs[0] and d.max_train_loss > first:
            out.append(t("narrative.curves.train_loss_peak", peak=f.decimal(d.max_train_loss),
                         epoch=d.max_train_loss_epoch, first=f.decimal(first)))
        return out

    def confusion(self, m: ModelAnalysis) -> list[str]:
        t, f = self.t, self.f
        if m.accuracy is None:
            return [t("narrative.conclusion.no_result", model=m.label, status=t(f"narrative.status.{m.status}"))]
        out = [t("narrative.confusion.summary", model=m.label, accuracy=f.percent(m.accuracy), split=self.split,
                 precision=f.percent(m.macro.precision), recall=f.percent(m.macro.recall), f1=f.percent(m.macro.f1))]
        d = m.diagnostics
        if d is None:
            return out
        out.append(t("narrative.confusion.best_classes", classes=self.f.listing(d.best_classes)))
        out.append(t("narrative.confusion.worst_classes", classes=self.f.listing(d.worst_classes)))
        if not d.confused_pairs:
            out.append(t("narrative.confusion.no_confusion"))
            return out
        top, *rest = d.confused_pairs
        out.append(t("narrative.confusion.top_confusion", true=top.true_label, pred=top.pred_label, count=top.count,
                     share=f.percent(top.share)))
        if rest:
            out.append(t("narrative.confusion.other_confusions", pairs=self.f.listing(
                [t("narrative.confusion.pair", true=p.true_label, pred=p.pred_label, count=p.count) for p in rest])))
        return out

    def feature_case(self, m: ModelAnalysis, case: FeatureMapCase) -> list[str]:
        t, f = self.t, self.f
        out = [t("narrative.features.correct" if case.correct else "narrative.features.wrong", true=case.true_label,
                 pred=case.pred_label, confidence=f.percent(case.confidence))]
        first, last = case.stages[0], case.stages[-1]
        for key, s in (("early", first), ("late", last)):
            out.append(t(f"narrative.features.{key}", stage=s.stage, channels=s.shape[0], height=s.shape[1],
                         width=s.shape[2]))
        if last.active_fraction != first.active_fraction:
            out.append(t("narrative.features.sparser" if last.active_fraction < first.active_fraction
                         else "narrative.features.denser", early=f.percent(first.active_fraction),
                         late=f.percent(last.active_fraction), first_stage=first.stage, last_stage=last.stage))
        if not case.correct and m.diagnostics:
            pair = next((p for p in m.diagnostics.confused_pairs
                         if (p.true_label, p.pred_label) == (case.true_label, case.pred_label)), None)
            if pair:
                out.append(t("narrative.features.frequent_mistake", count=pair.count, split=self.split))
        return out

    # --- across models -----------------------------------------------------------------------

    def comparison(self) -> list[str]:
        c, t, f = self.a.comparison, self.t, self.f
        if c is None:
            return []
        by_label = {m.label: m for m in self.a.models}
        out = [t("narrative.comparison.ranking", split=self.split, ranking=" > ".join(c.ranking)),
               t("narrative.comparison.best", best=c.best, best_acc=f.percent(by_label[c.best].accuracy),
                 worst=c.worst, worst_acc=f.percent(by_label[c.worst].accuracy))]
        base = by_label[c.baseline]
        for d in c.deltas:
            m = by_label[d.label]
            if d.label == c.baseline or m.accuracy is None:
                continue
            key = "higher" if d.accuracy_pp > 0 else "lower" if d.accuracy_pp < 0 else "equal"
            out.append(t(f"narrative.comparison.{key}", baseline=c.baseline, model=d.label,
                         delta=f.pp(abs(d.accuracy_pp), signed=False), acc=f.percent(m.accuracy),
                         base_acc=f.percent(base.accuracy), params=f.change_pct(d.params_pct)))
        out += self.degradation()
        out.append(t("narrative.comparison.time", times=self.f.listing(
            [f"{m.label} {f.seconds(m.train_seconds)}" for m in self.a.models if m.epochs_run])))
        return out

    def degradation(self) -> list[str]:
        """Plain-34 vs ResNet-34, when both were trained."""
        g = self.a.comparison.degradation if self.a.comparison else None
        if g is None:
            return []
        return [self.t("narrative.comparison.degradation_solved" if g.residual_better
                       else "narrative.comparison.degradation_absent",
                       residual=g.residual, plain=g.plain, delta=self.f.pp(g.accuracy_pp))]

    def discussion(self) -> list[str]:
        t, f = self.t, self.f
        out = []
        for m in self.a.models:
            d = m.diagnostics
            if d and d.overfit:
                out.append(t("narrative.discussion.overfit", model=m.label, gap=f.pp(d.gap_acc_pp, signed=False)))
            if d and not d.stable:
                out.append(t("narrative.discussion.unstable", model=m.label))
        if not out and any(m.diagnostics for m in self.a.models):
            out.append(t("narrative.discussion.all_good"))
        c = self.a.comparison
        if c is not None:
            scored = [m for m in self.a.models if m.accuracy is not None]
            largest = max(scored, key=lambda m: m.params)
            if sum(m.params == largest.params for m in scored) == 1:
                key = "largest_best" if largest.label == c.best else "largest_not_best"
                out.append(t(f"narrative.discussion.{key}", model=largest.label, params=f.integer(largest.params),
                             train_size=f.integer(self.a.dataset.train_size)))
        return out

    def conclusion(self) -> list[str]:
        t, f = self.t, self.f
        scored = sorted((m for m in self.a.models if m.accuracy is not None), key=lambda m: (-m.accuracy, m.label))
        best = scored[0]
        if len(scored) == 1:
            out = [t("narrative.conclusion.single", model=best.label, accuracy=f.percent(best.accuracy),
                     f1=f.percent(best.macro.f1), split=self.split)]
        else:
            out = [t("narrative.conclusion.best", model=best.label, accuracy=f.percent(best.accuracy),
                     f1=f.percent(best.macro.f1), split=self.split)]
            out += [t("narrative.conclusion.other", model=m.label, accuracy=f.percent(m.accuracy), best=best.label,
                      delta=f.pp(100 * (m.accuracy - best.accuracy))) for m in scored[1:]]
        out += [t("narrative.conclusion.no_result", model=m.label, status=t(f"narrative.status.{m.status}"))
                for m in self.a.models if m.accuracy is None]
        return out + self.degradation()


def narrate(analysis: Analysis, lang: str) -> Narrative:
    w = Writer(analysis, lang)
    return Narrative(
        models=[ModelNarrative(label=m.label, curves=w.curves(m), confusion=w.confusion(m),
                               feature_maps=[w.feature_case(m, case) for case in m.feature_maps])
                for m in analysis.models],
        comparison=w.comparison(),
        discussion=w.discussion(),
        conclusion=w.conclusion(),
    )
