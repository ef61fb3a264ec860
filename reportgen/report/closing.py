"""The report's last parts: the statement of tools used (the author's words) and the references
with the author's links."""

from __future__ import annotations

import tomllib

from reportgen.report.context import Context, present
from reportgen.report.document import Emphasis, ItemList, Link, Prose, Section
from reportgen.resources import TEMPLATES_DIR


def tools_section(cx: Context) -> Section:
    """The statement of tools used, a paragraph per blank-line-separated block (none: no section)."""
    paragraphs = [cx.clean(p) for p in cx.experiment.report.tools_statement.split("\n\n") if p.strip()]
    return Section("tools", cx.say("ui.closing.tools"), present(Prose(paragraphs, id="text-tools") if paragraphs
                                                                else None))


def cited(cx: Context) -> list[str]:
    """The bibliography keys the Pendahuluan cites, in the order it first cites them: the paper of
    each architecture of the run (each registered architecture names its own), in model order."""
    return list(dict.fromkeys(m.reference for m in cx.analysis.models if m.reference))


def references(cx: Context) -> list[str]:
    """The papers the report cites, numbered as cited: nothing is listed that the text does not cite."""
    bibliography = tomllib.loads((TEMPLATES_DIR / "references.toml").read_text(encoding="utf-8"))
    return [bibliography[key] for key in cited(cx)]


def references_section(cx: Context) -> Section:
    """Referensi, unnumbered: the papers, then the author's links (a web address is a link, never
    fetched); no section when there are neither."""
    links = [[f"{cx.clean(link.label)}: ", Link(link.url, link.url)] for link in cx.experiment.report.links]
    papers = references(cx)
    return Section("references", cx.say("ui.references"), present(
        ItemList(papers, numbered=True, id="list-references", role="references", keys=cited(cx)) if papers else None,
        Prose([[Emphasis(cx.say("ui.closing.links"))]], id="text-links-heading") if links else None,
        ItemList(links, id="list-links", role="links") if links else None), numbered=False)
