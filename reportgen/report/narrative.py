"""The narrative: sentences in Indonesian or English generated from the analysis facts.

Every sentence comes from templates/phrases/narrative.toml and states the numbers it rests on;
which sentence is chosen (better/worse, overfit/not, stable/not) is decided here by comparing
those same numbers, so the text cannot contradict the tables.
"""

from __future__ import annotations

from pydantic import BaseModel

from reportgen.analysis.diagnostics import pair_of
from reportgen.analysis.explain import region
from reportgen.schema.analysis import Analysis, Disagreement, FeatureMapCase, Interval, ModelAnalysis, PairTest
from reportgen.analysis.featuremaps import ACTIVE_CHANGE_PP, SPARSE_SHARE
from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases


class ModelNarrative(BaseModel):
    label: str
    curves: list[str]  # observations on the training curves
    confusion: list[str]  # on the confusion matrix and per-class metrics
    feature_maps: list[list[str]]  # one list per FeatureMapCase, in the same order
    calibration: list[str] = []  # on the reliability diagram and the ECE
    explanation: dict[str, list[str]] = {}  # Grad-CAM: "overview", "cases", "gallery"


class Narrative(BaseModel):
    models: list[ModelNarrative]
    comparison: list[str]
    discussion: list[str]
    conclusion: list[str]
    disagreements: list[list[str]] = []  # one list per Analysis.disagreements entry


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
            return out + ([self.lr_advice(m)] if m.status == "diverged" else [])
        monitor = m.train_config["monitor"]  # the metric that chose the best epoch is the one named
        out.append(t(f"narrative.curves.summary_{monitor}", model=m.label, epochs=m.epochs_run,
                     val_acc=f.percent(m.val_acc), best_epoch=m.best_epoch, train_acc=f.percent(m.train_acc),
                     val_loss=f.decimal(m.val_loss)))
        if m.stopped_early:
            out.append(t("narrative.curves.early_stop", patience=m.train_config["early_stopping_patience"],
                         monitor=t(f"narrative.monitor.{monitor}")))
        if m.status == "pruned":
            out.append(t("narrative.curves.pruned"))
        d = m.diagnostics
        if d is None:
            return out + ([self.lr_advice(m)] if m.status == "diverged" else [])
        if d.failure == "diverged":  # the divergence explains the curves: no overfitting or memorisation claims
            return out + self.divergence(m)
        if d.gap_acc_pp < 0:
            out.append(t("narrative.curves.val_above_train", gap=f.pp(-d.gap_acc_pp, signed=False)))
        else:
            key = {True: "overfit", False: "no_overfit", None: "overfit_insufficient"}[d.overfit]
            out.append(t(f"narrative.curves.{key}", gap=f.pp(d.gap_acc_pp, signed=False),
                         threshold=f.pp(d.overfit_threshold_pp, signed=False),
                         noise=f.pp(d.val_noise_pp, signed=False), n=f.integer(d.val_size)))
        if d.val_loss_rising is not False:
            out.append(t("narrative.curves.val_loss_rise" if d.val_loss_rising
                         else "narrative.curves.val_loss_rise_insufficient", rise=f.decimal(d.val_loss_rise),
                         threshold=f.decimal(d.val_loss_rise_threshold), noise=f.decimal(d.val_loss_noise),
                         n=f.integer(d.val_size)))
        if d.stable is None:
            out.append(t("narrative.curves.too_short", epochs=m.epochs_run, min=d.min_epochs_for_stability))
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

    def divergence(self, m: ModelAnalysis) -> list[str]:
        """The evidence of a divergence (a non-finite loss is already stated by `curves`) and the advice."""
        t, f, d = self.t, self.f, m.diagnostics
        out = []
        if "train_loss_rising" in d.divergence:
            out.append(t("narrative.failure.diverged_train_loss", first=f.decimal(d.train_loss_first),
                         last=f.decimal(d.train_loss_last), factor=f.general(d.train_loss_rise_factor)))
        if "val_loss_exploding" in d.divergence:
            out.append(t("narrative.failure.diverged_val_loss", last=f.decimal(d.val_loss_last),
                         min=f.decimal(d.val_loss_min), factor=f.general(d.val_loss_explosion_factor)))
        return out + [self.lr_advice(m)]

    def lr_advice(self, m: ModelAnalysis) -> str:
        return self.t("narrative.failure.diverged_advice", lr=self.f.general(m.train_config["lr"]))

    def collapse(self, m: ModelAnalysis) -> list[str]:
        """Why the model counts as collapsed (empty when it does not)."""
        t, f, d = self.t, self.f, m.diagnostics
        out = []
        if "one_class" in d.collapse:
            out.append(t("narrative.failure.one_class", model=m.label, cls=d.top_pred_class,
                         share=f.percent(d.top_pred_share), split=self.split, threshold=f.percent(d.collapse_share),
                         own=f.percent(d.top_pred_true_share), ratio=f.general(d.collapse_ratio)))
        if "chance" in d.collapse:
            out.append(t("narrative.failure.chance", accuracy=f.percent(m.accuracy), ci=self.ci_percent(m.accuracy_ci),
                         chance=f.percent(d.chance), classes=len(m.per_class)))
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
        if d.collapse:  # also for a diverged model: its predictions say nothing about the classes
            return out + self.collapse(m) + [t("narrative.failure.confusion_not_interpreted")]
        out += self.classes(m)
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

    def classes(self, m: ModelAnalysis) -> list[str]:
        """The best and hardest classes when their recall intervals separate them, ties stated;
        otherwise that the split cannot tell the classes apart."""
        t, f, d = self.t, self.f, m.diagnostics
        by_name = {c.name: (c, ci) for c, ci in zip(m.per_class, d.class_recall_ci) if ci is not None}
        if not by_name:
            return []
        out = []
        for key, names in (("best_classes", d.best_classes), ("worst_classes", d.worst_classes)):
            if not names:
                continue
            out.append(t(f"narrative.confusion.{key}", classes=f.listing(
                [t("narrative.confusion.class_entry", name=n, recall=f.percent(by_name[n][0].recall),
                   ci=self.ci_percent(by_name[n][1])) for n in names])))
            for recall in dict.fromkeys(by_name[n][0].recall for n in names):
                tied = [n for n in names if by_name[n][0].recall == recall]
                if len(tied) > 1:
                    out.append(t("narrative.confusion.tie", classes=f.listing(tied), recall=f.percent(recall)))
        if out:
            return out
        recalls = [c.recall for c, _ in by_name.values()]
        low, high = min(recalls), max(recalls)
        if low == high:
            return [t("narrative.confusion.classes_equal", recall=f.percent(low))]
        supports = sorted({c.support for c, _ in by_name.values()})
        return [t("narrative.confusion.classes_on_par", low=f.percent(low), high=f.percent(high),
                  low_classes=f.listing([n for n, (c, _) in by_name.items() if c.recall == low]),
                  high_classes=f.listing([n for n, (c, _) in by_name.items() if c.recall == high]),
                  support=f.integer(supports[0]) if len(supports) == 1
                  else f"{f.integer(supports[0])}–{f.integer(supports[-1])}")]

    def feature_case(self, m: ModelAnalysis, case: FeatureMapCase) -> list[str]:
        t, f = self.t, self.f
        out = [t("narrative.features.correct" if case.correct else "narrative.features.wrong", true=case.true_label,
                 pred=case.pred_label, confidence=f.percent(case.confidence))]
        if m.diagnostics and m.diagnostics.collapse:  # a collapsed model's maps show nothing it has learned
            return out + [t("narrative.failure.features_not_interpreted", model=m.label)]
        first, last = case.stages[0], case.stages[-1]
        for key, s in (("early", first), ("late", last)):
            out.append(t(f"narrative.features.{key}", stage=s.stage, channels=s.shape[0], height=s.shape[1],
                         width=s.shape[2]))
        change = 100 * (last.active_fraction - first.active_fraction)
        key = "similar" if abs(change) <= ACTIVE_CHANGE_PP else "sparser" if change < 0 else "denser"
        out.append(t(f"narrative.features.{key}", early=f.percent(first.active_fraction),
                     late=f.percent(last.active_fraction), first_stage=first.stage, last_stage=last.stage,
                     change=f.pp(abs(change), signed=False), threshold=f.pp(ACTIVE_CHANGE_PP, signed=False)))
        if last.active_fraction < SPARSE_SHARE:
            out.append(t("narrative.features.sparse_late", share=f.percent(SPARSE_SHARE), stage=last.stage))
        if not case.correct and m.diagnostics:
            pair = next((p for p in m.diagnostics.confused_pairs
                         if (p.true_label, p.pred_label) == (case.true_label, case.pred_label)), None)
            if pair:
                out.append(t("narrative.features.frequent_mistake", count=pair.count, split=self.split))
        return out

    def failures(self) -> list[str]:
        """The Diskusi's sentences on diverged and collapsed models (stated instead of overfitting)."""
        t, f = self.t, self.f
        return [t(f"narrative.failure.discussion_{m.failure}", model=m.label, lr=f.general(m.train_config["lr"]))
                for m in self.a.models if m.failure]

    def calibration(self, m: ModelAnalysis) -> list[str]:
        """Calibration: ECE against its threshold and, when flagged, the confident mistakes."""
        t, f, c = self.t, self.f, m.calibration
        if c is None:
            return []
        out = [t("narrative.calibration.summary", model=m.label, ece=f.decimal(c.ece), bins=c.n_bins,
                 confidence=f.percent(c.mean_confidence), accuracy=f.percent(m.accuracy),
                 ci=self.ci_percent(m.accuracy_ci))]
        if c.overconfident:
            out.append(t("narrative.calibration.overconfident", ece=f.decimal(c.ece),
                         threshold=f.decimal(c.ece_threshold)))
        elif c.ece > c.ece_threshold:
            out.append(t("narrative.calibration.not_overconfident", ece=f.decimal(c.ece),
                         threshold=f.decimal(c.ece_threshold)))
        else:
            out.append(t("narrative.calibration.calibrated", threshold=f.decimal(c.ece_threshold)))
        if c.wrong:
            out.append(t("narrative.calibration.confident_wrong", count=c.confident_wrong, wrong=c.wrong,
                         high=f.percent(c.high_confidence)))
        return out

    def explanation(self, m: ModelAnalysis) -> dict[str, list[str]]:
        """Grad-CAM in measured facts: the layer and how concentrated the maps are, where each
        feature-map case's map peaks, and the gallery's pairs. Nothing about what an image shows."""
        t, f, e = self.t, self.f, m.explanation
        if e is None:
            return {}
        top = f.percent(e.top_pixels)
        overview = [t("explain.narrative.method", model=m.label, layer=e.target_layer, top=top,
                      threshold=f.percent(e.concentrated_share))]
        if e.median_top_share is None:
            overview.append(t("explain.narrative.summary_empty", maps=e.maps))
        else:
            overview.append(t("explain.narrative.summary", maps=e.maps, median=f.percent(e.median_top_share),
                              concentrated=e.concentrated))
        cases = []
        for c in e.cases:
            kind = "correct" if c.true_label == c.pred_label else "wrong"
            case = t(f"explain.narrative.case_{kind}", true=c.true_label, pred=c.pred_label,
                     confidence=f.percent(c.confidence))
            if c.top_share is None:
                cases.append(t("explain.narrative.case_empty", case=case))
                continue
            spread = "concentrated" if c.top_share >= e.concentrated_share else "spread"
            cases.append(t("explain.narrative.case", case=case, region=t(f"explain.region.{region(c.peak)}"),
                           share=f.percent(c.top_share), top=top, spread=t(f"explain.narrative.{spread}")))
        gallery = [t("explain.narrative.gallery", true=g.true_label, pred=g.pred_label, count=g.count, split=self.split,
                     confidences=f.listing([f.percent(c.confidence) for c in g.images]))
                   for g in e.gallery]
        if m.accuracy == 1:
            gallery.append(t("explain.narrative.no_mistakes", model=m.label, split=self.split))
        if m.failure:  # the maps of a model that has not learned show where its failure looks, not what it learned
            overview.append(t(f"explain.narrative.not_interpreted_{m.failure}", model=m.label))
        return {"overview": overview, "cases": cases, "gallery": gallery}

    def disagreement(self, d: Disagreement) -> list[str]:
        """The discordant counts of two models, and which of those images are shown."""
        values = dict(a=d.a, b=d.b, n=self.f.integer(d.n), split=self.split)
        if not d.a_only and not d.b_only:
            return [self.t("explain.narrative.disagreement_none", **values)]
        return [self.t("explain.narrative.disagreement", a_only=self.f.integer(d.a_only),
                       b_only=self.f.integer(d.b_only), **values),
                self.t("explain.narrative.disagreement_shown", limit=d.limit)]

    # --- across models -----------------------------------------------------------------------

    def ci_percent(self, ci: Interval | None) -> str:
        """"IK 95% [85,10%; 92,30%]" (id) / "95% CI [85.10%; 92.30%]" (en)."""
        if ci is None:
            return ""
        return f"{self.t('narrative.stats.ci')} {self.f.interval(self.f.percent(ci.low), self.f.percent(ci.high))}"

    def ci_pp(self, ci: Interval) -> str:
        return f"{self.t('narrative.stats.ci')} {self.f.interval(self.f.pp(ci.low), self.f.pp(ci.high))}"

    def versus(self, points: float, other: str) -> str:
        """An accuracy difference in words: "7,67 pp lebih rendah daripada A", or "setara dengan A"
        when it rounds to 0,00 pp (a signed "−7,67 pp" leaves the reader to work out the direction)."""
        if round(abs(points), 2) == 0:
            return self.t("narrative.comparison.versus_equal", other=other)
        key = "versus_higher" if points > 0 else "versus_lower"
        return self.t(f"narrative.comparison.{key}", delta=self.f.pp(abs(points), signed=False), other=other)

    def param_change(self, pct: float) -> str:
        """"dengan jumlah parameter 96,7% lebih banyak" / "… lebih sedikit" / "… yang sama"; from twice
        as many on, a factor ("49,1 kali lipat"): "4.809,6% lebih banyak" asks the reader to divide."""
        if pct == 0:
            return self.t("narrative.comparison.params_same")
        if pct >= 100:
            return self.t("narrative.comparison.params_times", times=self.f.number(1 + pct / 100, 1))
        key = "params_more" if pct > 0 else "params_fewer"
        return self.t(f"narrative.comparison.{key}", pct=self.f.change_pct(abs(pct), signed=False))

    def better(self, a: str, b: str) -> bool:
        """Whether the pair test says model a is more accurate than model b (at alpha, Holm-adjusted)."""
        return any(p.significant and (p.a, p.b) == (a, b) for p in self.a.comparison.pairs)

    def ranking(self) -> str:
        """"A = B > C": `=` joins models of one rank, `>` separates ranks when every model of a rank
        is significantly better than every model below it and no two models of a rank differ;
        otherwise the ranks are listed ("1. A, B; 2. C"), which makes no such claim."""
        c = self.a.comparison
        levels: dict[int, list[str]] = {}
        for r in c.ranks:
            levels.setdefault(r.rank, []).append(r.label)
        groups = list(levels.values())
        separated = all(self.better(x, y) for i, upper in enumerate(groups) for lower in groups[i + 1:]
                        for x in upper for y in lower)
        tied = not any(self.better(x, y) or self.better(y, x) for g in groups for x in g for y in g)
        if separated and tied:
            return self.t("narrative.comparison.ranking", split=self.split,
                          ranking=" > ".join(" = ".join(g) for g in groups))
        return self.t("narrative.comparison.ranking_overlap", split=self.split,
                      ranking="; ".join(f"{rank}. {', '.join(g)}" for rank, g in levels.items()))

    def pair(self, p: PairTest) -> str:
        t, f = self.t, self.f
        values = dict(a=p.a, b=p.b, diff=f.pp(p.diff_pp), ci=self.ci_pp(p.diff_ci_pp), a_only=p.a_only_correct,
                      b_only=p.b_only_correct, p=self.f.p_statement(p.p_adjusted))
        return t("narrative.comparison.pair_better" if p.significant else "narrative.comparison.pair_on_par", **values)

    def leaders(self) -> tuple[ModelAnalysis, list[ModelAnalysis]]:
        """The most accurate model and the models the tests cannot tell apart from it."""
        c = self.a.comparison
        by_label = {m.label: m for m in self.a.models}
        leader = by_label[c.ranking[0]]
        return leader, [by_label[x] for x in c.ranking[1:] if not self.better(leader.label, x)]

    def comparison(self) -> list[str]:
        c, t, f = self.a.comparison, self.t, self.f
        if c is None:
            return []
        by_label = {m.label: m for m in self.a.models}
        key = "method_single" if len(c.pairs) == 1 else "method"
        out = [t(f"narrative.comparison.{key}", n=f.integer(c.pairs[0].n), pairs=len(c.pairs),
                 alpha=f.general(c.alpha)),
               self.ranking()]
        leader, tied = self.leaders()
        if not tied:
            out.append(t("narrative.comparison.best", best=leader.label, best_acc=f.percent(leader.accuracy),
                         ci=self.ci_percent(leader.accuracy_ci)))
        out += [self.pair(p) for p in c.pairs]
        base = by_label[c.baseline]
        for d in c.deltas:
            m = by_label[d.label]
            if d.label == c.baseline or m.accuracy is None:
                continue
            out.append(t("narrative.comparison.delta", model=d.label, acc=f.percent(m.accuracy),
                         versus=self.versus(d.accuracy_pp, c.baseline), base_acc=f.percent(base.accuracy),
                         params=self.param_change(d.params_pct)))
        out += self.degradation()
        out.append(t("narrative.comparison.time", times=self.f.listing(
            [f"{m.label} {f.seconds(m.train_seconds)}" for m in self.a.models if m.epochs_run])))
        return out

    def degradation(self) -> list[str]:
        """Plain-34 vs ResNet-34, when both were trained: solved only when the pair test says so."""
        c = self.a.comparison
        g = c.degradation if c else None
        if g is None:
            return []
        test = pair_of(c.pairs, g.plain, g.residual)
        if g.residual_better:
            key = "degradation_solved"
        elif test.significant:
            key = "degradation_observed"  # the plain network is significantly better
        else:
            key = "degradation_on_par"
        return [self.t(f"narrative.comparison.{key}", residual=g.residual, plain=g.plain,
                       delta=self.f.pp(abs(g.accuracy_pp), signed=False), versus=self.versus(g.accuracy_pp, g.plain),
                       p=self.f.p_statement(test.p_adjusted))]

    def discussion(self) -> list[str]:
        t, f = self.t, self.f
        out = self.failures()
        for m in self.a.models:
            d = m.diagnostics
            if d and d.overfit:
                out.append(t("narrative.discussion.overfit", model=m.label, gap=f.pp(d.gap_acc_pp, signed=False)))
            if d and d.stable is False:  # None: not judged (too few epochs, or diverged)
                out.append(t("narrative.discussion.unstable", model=m.label))
            if m.calibration and m.calibration.overconfident:
                out.append(t("narrative.discussion.overconfident", model=m.label, ece=f.decimal(m.calibration.ece)))
        judged = [m.diagnostics for m in self.a.models if m.diagnostics]  # all_good claims both verdicts
        if not out and judged and all(d.overfit is not None and d.stable is not None for d in judged):
            out.append(t("narrative.discussion.all_good"))
        c = self.a.comparison
        if c is not None:
            scored = [m for m in self.a.models if m.accuracy is not None]
            largest = max(scored, key=lambda m: m.params)
            if sum(m.params == largest.params for m in scored) == 1:
                best = all(self.better(largest.label, m.label) for m in scored if m is not largest)
                key = "largest_best" if best else "largest_not_best"
                out.append(t(f"narrative.discussion.{key}", model=largest.label, params=f.integer(largest.params),
                             train_size=f.integer(self.a.dataset.train_size)))
        return out

    def conclusion(self) -> list[str]:
        t, f = self.t, self.f
        scored = sorted((m for m in self.a.models if m.accuracy is not None), key=lambda m: (-m.accuracy, m.label))
        if len(scored) == 1:
            m = scored[0]
            out = [t("narrative.conclusion.single", model=m.label, accuracy=f.percent(m.accuracy),
                     ci=self.ci_percent(m.accuracy_ci), f1=f.decimal(m.macro.f1), split=self.split)]
        else:
            leader, tied = self.leaders()
            group = [leader, *tied]
            if tied:
                accuracies = "; ".join(f"{m.label} {f.percent(m.accuracy)}, {self.ci_percent(m.accuracy_ci)}"
                                       for m in group)
                out = [t("narrative.conclusion.no_best", leader=leader.label, split=self.split, accuracies=accuracies,
                         others=self.f.listing([m.label for m in tied]))]
            else:
                out = [t("narrative.conclusion.best", model=leader.label, accuracy=f.percent(leader.accuracy),
                         ci=self.ci_percent(leader.accuracy_ci), f1=f.decimal(leader.macro.f1), split=self.split)]
            ranks = {r.label: r.rank for r in self.a.comparison.ranks}
            out += [t("narrative.conclusion.other", model=m.label, accuracy=f.percent(m.accuracy),
                      ci=self.ci_percent(m.accuracy_ci), rank=ranks[m.label], leader=leader.label)
                    for m in scored if m not in group]
        out += [t("narrative.conclusion.no_result", model=m.label, status=t(f"narrative.status.{m.status}"))
                for m in self.a.models if m.accuracy is None]
        # A failed model's accuracy says nothing about its architecture: the reader must not take the
        # ranking above as a verdict on it.
        out += [t(f"narrative.conclusion.{m.failure}", model=m.label) for m in self.a.models
                if m.failure and m.accuracy is not None]
        return out + self.seed_conclusion() + self.degradation()

    def seed_conclusion(self) -> list[str]:
        """The verdicts across seeds (Welch), which rest on more than the one seed the rest reports."""
        c, t = self.a.comparison, self.t
        if c is None:
            return []
        return [t("narrative.conclusion.seeds_better" if s.significant else "narrative.conclusion.seeds_on_par",
                  a=s.a, b=s.b, n=min(s.n_a, s.n_b), diff=self.f.pp(s.diff_pp), p=self.f.p_statement(s.p_adjusted))
                for s in c.seed_tests if s.p_adjusted is not None]


def narrate(analysis: Analysis, lang: str) -> Narrative:
    w = Writer(analysis, lang)
    return Narrative(
        models=[ModelNarrative(label=m.label, curves=w.curves(m), confusion=w.confusion(m),
                               feature_maps=[w.feature_case(m, case) for case in m.feature_maps],
                               calibration=w.calibration(m), explanation=w.explanation(m))
                for m in analysis.models],
        comparison=w.comparison(),
        discussion=w.discussion(),
        conclusion=w.conclusion(),
        disagreements=[w.disagreement(d) for d in analysis.disagreements],
    )
