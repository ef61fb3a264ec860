"""The appendix: detail the body points to by its letter ("Lampiran B"), so the body stays within its
length and nothing is left out. Each part holds one kind of detail for every model; a part without
content is left out and the letters close up."""

from __future__ import annotations

from reportgen.report.architecture import code_section, layer_table
from reportgen.report.confusion import per_class_detail
from reportgen.report.context import Context, appendix_id, present
from reportgen.report.distribution import distribution_blocks
from reportgen.report.document import FigureRow, Section
from reportgen.report.explanation import disagreement_figures, explanation_detail, feature_map_blocks
from reportgen.report.methods import scheduler_text
from reportgen.report.qualitative import variants


def appendix(cx: Context) -> list[Section]:
    """The parts with content, in letter order; their keys are recorded in the context, so the
    body's pointers name only parts that exist."""
    models = cx.analysis.models
    parts = {
        "layers": ([t for m in models if (t := layer_table(cx, m))], []),
        "code": ([], [s for m in models if (s := code_section(cx, m))]),
        "lr_schedule": (lr_schedules(cx), []),
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


def lr_schedules(cx: Context) -> list[FigureRow]:
    """Every model's learning rate per epoch, two figures a row."""
    figures = [cx.figure(f"figure-lr-{m.slug}", cx.say("ui.figure_caption.lr_schedule", model=cx.name(m.label),
                                                       scheduler=scheduler_text(cx, m.train_config)), m.figures["lr"])
               for m in cx.analysis.models if m.figures.get("lr")]
    return [FigureRow(figures[i:i + 2]) for i in range(0, len(figures), 2)]


def reliability_figures(cx: Context) -> list:
    return present(*[cx.figure(f"figure-reliability-{m.slug}", cx.say(
        "ui.stats.reliability_caption", model=cx.name(m.label), ece=cx.fmt.decimal(m.calibration.ece)),
        m.figures["reliability"]) for m in cx.analysis.models
        if m.accuracy is not None and m.calibration and m.figures.get("reliability")])
