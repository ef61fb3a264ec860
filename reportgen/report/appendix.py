"""The appendix: detail the body points to by its letter ("Lampiran B"), so the body stays within its
length and nothing is left out. Each part holds one kind of detail for every model; a part without
content is left out and the letters close up."""

from __future__ import annotations

from reportgen.figures.files import calibrated, scheduled
from reportgen.report.architecture import code_sections, layer_tables
from reportgen.report.confusion import per_class_detail
from reportgen.report.context import Context, appendix_id, once_or_each, present
from reportgen.report.distribution import distribution_blocks
from reportgen.report.document import Figure, Section
from reportgen.report.explanation import disagreement_figures, explanation_detail, feature_map_blocks
from reportgen.report.methods import scheduler_text
from reportgen.report.qualitative import variants
from reportgen.report.seeds import seed_detail


def appendix(cx: Context) -> list[Section]:
    """The parts with content, in letter order; their keys are recorded in the context, so the
    body's pointers name only parts that exist."""
    parts = {
        "layers": (layer_tables(cx), []),
        "code": ([], code_sections(cx)),
        "lr_schedule": (lr_schedules(cx), []),
        "seeds": (seed_detail(cx), []),
        "feature_maps": (feature_map_blocks(cx), []),
        "per_class": (per_class_detail(cx), []),
        "calibration": (reliability_figures(cx), []),
        "explanation": ([], explanation_detail(cx)),
        "disagreements": (disagreement_figures(cx), []),
        "variants": (variants(cx) if cx.analysis.comparison else [], []),
        "class_distribution": (distribution_blocks(cx), []),
    }
    sections = [Section(appendix_id(key), cx.say(f"ui.layout.appendix_{key}"), blocks, subsections)
                for key, (blocks, subsections) in parts.items() if blocks or subsections]
    cx.appendix = {s.id.removeprefix(appendix_id("")) for s in sections}
    return sections


def lr_schedules(cx: Context) -> list[Figure]:
    """Every model's learning rate per epoch: one figure, a panel per model."""
    key = cx.analysis.figures.get("lr")
    if key is None:
        return []
    drawn = [m for m in cx.analysis.models if scheduled(m)]
    said = once_or_each([cx.name(m.label) for m in drawn], [scheduler_text(cx, m.train_config) for m in drawn], "; ")
    return [cx.figure("figure-lr", cx.say("ui.figure_caption.lr_schedule", schedulers=said), key, role="grid")]


def reliability_figures(cx: Context) -> list[Figure]:
    """Every model's reliability diagram: one figure, a panel pair per model."""
    key = cx.analysis.figures.get("reliability")
    if key is None:
        return []
    eces = "; ".join(f"{cx.name(m.label)}: {cx.fmt.decimal(m.calibration.ece)}"
                     for m in cx.analysis.models if calibrated(m))
    return [cx.figure("figure-reliability", cx.say("ui.stats.reliability_caption", models=eces), key, role="grid")]
