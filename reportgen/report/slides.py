"""The deck's own words: the title of each kind of slide (deck.toml and the shared labels), and the
headline numbers its result slides show as cards. Everything else a slide shows is the document's."""

from __future__ import annotations

from pathlib import Path

from reportgen.report.comparison import per_class_accuracy_table
from reportgen.report.context import Context
from reportgen.report.document import Chart, DeckText, ModelSlides, Stat, StatCards
from reportgen.schema.analysis import ModelAnalysis

MAX_SERIES = 8  # curves of more models than this are one tangle: the overlaid figure stays a picture
LOG_SPAN = 100  # a loss axis spanning more than this ratio is logarithmic
MAX_CLASSES = 20  # bars of more classes than this are unreadable: the per-class figure stays a picture

# slide -> phrase key of its title
TITLES = {
    "toc": "deck.toc", "members": "deck.members", "objectives": "deck.objectives", "dataset": "deck.dataset",
    "methodology": "deck.methodology", "training": "deck.layout.training", "comparison": "deck.comparison",
    "accuracy_cards": "deck.accuracy_cards", "performance": "deck.performance", "pair_tests": "deck.stats.pair_tests",
    "overlaid_curves": "deck.overlaid_curves", "per_class_comparison": "deck.per_class_comparison",
    "training_log": "deck.training_log", "comparison_analysis": "deck.comparison_analysis",
    "seeds_summary": "deck.seeds.summary", "seeds_per_seed": "deck.seeds.per_seed",
    "tuning": "deck.tuning", "qualitative": "deck.qualitative.table", "conclusion": "deck.conclusion",
    "references": "deck.qualitative.references", "thanks": "deck.thanks", "backup": "deck.layout.backup",
    "lr_schedule": "ui.layout.appendix_lr_schedule",
    # headings on the closing slides, shared with the report
    "tools_heading": "ui.closing.tools", "references_heading": "ui.references", "links_heading": "ui.closing.links",
    "insight": "ui.qualitative.insight",
    "architectures": "deck.architectures", "tuning_best": "deck.tuning_best", "gradcam": "deck.gradcam", "feature_maps": "deck.feature_maps",
    "feature_maps_wrong": "deck.feature_maps_wrong", "gradcam_per_class": "deck.gradcam_per_class",
    "gradcam_gallery": "deck.gradcam_gallery", "disagreements": "deck.disagreements", "reliability": "deck.reliability",
}
# a model's slide -> phrase key of its title, which names the model
MODEL_TITLES = {
    "architecture": "deck.architecture", "stages": "deck.layout.stages", "confusion": "deck.confusion",
    "no_result": "deck.no_result", "per_class": "deck.per_class",
}


def deck_text(cx: Context) -> DeckText:
    models = [model_slides(cx, m) for m in cx.analysis.models]
    # the comparison's cards: each evaluated model's accuracies, without its macro F1
    cards = [StatCards(slides.name, slides.cards[:-1]) for slides in models if slides.cards]
    template = cx.analysis.experiment["report"].get("pptx_template")
    return DeckText({slide: cx.say(key) for slide, key in TITLES.items()}, models, cards, per_class_accuracy_table(cx),
                    charts(cx), Path(template) if template else None)


def charts(cx: Context) -> dict[str, Chart]:
    """The simple charts as data: each evaluated model's accuracies, per-class accuracy, and the
    validation curves of at most MAX_SERIES models, epoch by epoch."""
    evaluated = [m for m in cx.analysis.models if m.accuracy is not None]
    if not evaluated:
        return {}
    split = cx.analysis.dataset.eval_split
    stats = [("ui.stat.train_acc", "train_acc")] + ([("ui.stat.val_acc", "val_acc")] if split == "test" else [])
    stats += [(f"ui.stat.eval_acc_{split}", "accuracy")]
    names = [cx.name(m.label) for m in evaluated]
    out = {"accuracy": Chart("bar", cx.say("deck.chart.accuracy"), names,
                             [(cx.say(key), [getattr(m, field) for m in evaluated]) for key, field in stats], True)}
    classes = cx.analysis.dataset.classes
    if len(classes) <= MAX_CLASSES:
        out["per_class"] = Chart("bar", cx.say("deck.per_class_comparison"), [cx.clean(c) for c in classes],
                                 [(name, [c.accuracy for c in m.per_class]) for name, m in zip(names, evaluated)], True)
    models = cx.analysis.models
    if len(models) <= MAX_SERIES:
        epochs = sorted({e for m in models for e in m.history.epoch})
        for column, key, percent in (("val_acc", "ui.stat.val_acc", True), ("val_loss", "deck.chart.val_loss", False)):
            series = []
            for m in models:
                by_epoch = dict(zip(*m.history.finite(column)))
                series.append((cx.name(m.label), [by_epoch.get(e) for e in epochs]))
            values = [v for _, vs in series for v in vs if v is not None]
            # A diverging model's loss dwarfs the others' on a linear axis.
            log = not percent and bool(values) and min(values) > 0 and max(values) / min(values) > LOG_SPAN
            out[column] = Chart("line", cx.say(key), [str(e) for e in epochs], series, percent, log)
    return out


def model_slides(cx: Context, m: ModelAnalysis) -> ModelSlides:
    name, fmt = cx.name(m.label), cx.fmt
    facts = [cx.say("ui.facts.best_epoch", best=m.best_epoch, run=m.epochs_run,
                    monitor=cx.say(f"narrative.monitor.{m.train_config['monitor']}")),
             cx.say("ui.facts.time", time=fmt.seconds(m.train_seconds)),
             cx.say("ui.facts.params", params=fmt.integer(m.params))]
    return ModelSlides(
        key=m.slug, name=name,
        # The divider names the model and says what it is; the registry id stays off it.
        subtitle=" ".join(filter(None, [cx.clean(m.description), cx.say("ui.facts.params",
                                                                        params=fmt.integer(m.params))])),
        titles={slide: cx.say(key, model=name) for slide, key in MODEL_TITLES.items()},
        cards=accuracy_stats(cx, m) if m.accuracy is not None else [], facts=facts if m.accuracy is not None else [])


def accuracy_stats(cx: Context, m: ModelAnalysis) -> list[Stat]:
    """The accuracies in the order train → validation → test, then macro F1; the evaluated split's
    accuracy and F1 with their 95% intervals. Without a test split the validation data is the
    evaluated one, so its accuracy is shown once, with its interval."""
    fmt, split = cx.fmt, cx.analysis.dataset.eval_split
    ci = cx.say("ui.stats.ci")
    evaluated = Stat(fmt.percent(m.accuracy), cx.say(f"ui.stat.eval_acc_{split}"),
                     f"{ci} {cx.bounds(fmt.percent, m.accuracy_ci)}" if m.accuracy_ci else "")
    validation = [Stat(fmt.percent(m.val_acc), cx.say("ui.stat.val_acc"))] if split == "test" else []
    return [Stat(fmt.percent(m.train_acc), cx.say("ui.stat.train_acc")), *validation, evaluated,
            Stat(fmt.percent(m.macro.f1), cx.say("ui.stat.macro_f1"),
                 f"{ci} {cx.bounds(fmt.percent, m.macro_f1_ci)}" if m.macro_f1_ci else "")]
