"""The report's opening: its title block and the Pendahuluan with its objectives, the author's own
text when the experiment gives it."""

from __future__ import annotations

import datetime as dt

from reportgen.imagefile import read_run_picture
from reportgen.report.context import Context
from reportgen.report.document import Author, Cite, ItemList, Prose, Section, Text, TitleBlock
from reportgen.rundir import RunDir, present


def title_block(cx: Context) -> TitleBlock:
    report = cx.experiment.report
    started = cx.analysis.environment.started
    day = report.date or (dt.date.fromisoformat(started[:10]) if started else dt.date.today())
    authors = [Author(cx.clean(author.name), cx.clean(author.id)) for author in report.authors]
    logo = RunDir(cx.run).logo
    if present(logo):  # checked first, before any figure is drawn: a logo that cannot be shown stops the render
        read_run_picture(logo, cx.run)
    return TitleBlock(
        title=cx.clean(report.title or cx.experiment.name), subtitle=cx.clean(report.subtitle),
        date=cx.fmt.date(day), logo=logo if present(logo) else None, authors=authors,
        authors_line=cx.fmt.listing([a.name for a in authors]),
        course=cx.clean(report.course), assignment=cx.clean(report.assignment),
        labels={key: cx.say(f"ui.{key}") for key in ("course", "assignment", "authors", "date", "logo")},
    )


def introduction(cx: Context) -> Section:
    """Pendahuluan: what the report compares (or presents, for one model), the author's own text
    when the experiment gives it, the background of each architecture with its citation, then the
    objectives (by default one per question the Diskusi answers)."""
    report, analysis = cx.experiment.report, cx.analysis
    models = cx.listing([m.label for m in analysis.models])
    single = len(analysis.models) == 1  # one model is presented, not compared
    paragraphs = [cx.clean(p) for p in report.introduction.split("\n\n") if p.strip()] or [
        cx.say("ui.intro.single" if single else "ui.intro.default", models=models,
               dataset=cx.clean(cx.experiment.dataset_name), classes=len(analysis.dataset.classes))]
    objectives = [cx.clean(o) for o in report.objectives] or default_objectives(cx, models, single)
    return Section("introduction", cx.say("ui.section.introduction"),
                   [Prose(paragraphs + background(cx), id="text-introduction")], [
        Section("objectives", cx.say("ui.section.objectives"), [ItemList(objectives, numbered=True,
                                                                          id="list-objectives")])])


def background(cx: Context) -> list[Text]:
    """One paragraph per architecture of the run, in model order, citing its paper (a `Cite`), so
    that every reference listed is cited in the text."""
    references = {m.arch: m.reference for m in cx.analysis.models}
    return [cx.say_with(f"narrative.background.{arch}", cite=Cite(key) if key else "")
            for arch, key in references.items()]


def default_objectives(cx: Context, models: str, single: bool) -> list[str]:
    comparison = cx.analysis.comparison
    modified = [mod.model for mod in comparison.modifications] if comparison else []
    return [cx.say("ui.intro.objective_train", models=models), cx.say("ui.intro.objective_evaluate", split=cx.split),
            cx.say("ui.intro.objective_analyse" if single else "ui.intro.objective_compare"),
            *([cx.say("ui.intro.objective_modifications", models=cx.listing(modified))] if modified else [])]
