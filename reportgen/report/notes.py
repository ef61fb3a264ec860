"""The user's own words, kept across renders: a Markdown file whose `#`/`##` headings name sections
of the report in either language (`## Diskusi` or `## Discussion`, `## Pendahuluan`), each section's
text appended to the generated one. A student writes it after training, so it is read at render:
`--notes FILE.md` (or `[report] notes`) is copied into the run as notes.md, and a render without one
uses the run's copy.

Markdown is parsed by markdown-it-py (CommonMark, raw HTML off) into the document's own blocks:
paragraphs, bullet and numbered lists, emphasis and web links; a deeper heading becomes a bold
line, code and math stay text. Every string is data, escaped by each renderer like any other."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from reportgen.errors import UserError
from reportgen.report.document import Block, Document, Emphasis, ItemList, Link, Prose, Section, Text
from reportgen.rundir import RunDir, atomic_write_text, present, read_run_text

ROLE = "notes"  # the role of every block that holds the user's words
MAX_BYTES = 1 << 20
LINK_SCHEMES = ("http://", "https://", "mailto:")  # a link to anything else stays text
PARSER = MarkdownIt("commonmark", {"html": False})


def read_notes_file(path: Path) -> str:
    """A notes file the user names: a regular Markdown file of UTF-8 text within MAX_BYTES."""
    if path.suffix.lower() != ".md":
        raise UserError(f"notes '{path}' must be a Markdown file (.md)")
    if not path.is_file():
        raise UserError(f"notes '{path}' does not exist or is not a regular file")
    if path.stat().st_size > MAX_BYTES:
        raise UserError(f"notes '{path}' has more than {MAX_BYTES:,} bytes; a report's notes are text")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"notes '{path}' is not UTF-8 text (byte {e.start}); save it as UTF-8") from None
    except OSError as e:
        raise UserError(f"notes '{path}' cannot be read: {e.strerror or e}") from None


def parse_notes(markdown: str) -> list[tuple[str, int, list[Block]]]:
    """Each section of the notes: its heading, its line and its blocks, in the file's order."""
    sections: list[tuple[str, int, list[Block]]] = []
    tokens = PARSER.parse(markdown)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open" and token.tag in ("h1", "h2"):
            sections.append((tokens[i + 1].content.strip(), token.map[0] + 1, []))
            i += 3
            continue
        end = closing(tokens, i)
        blocks = block_of(tokens[i:end + 1])
        if blocks and not sections:
            raise UserError(f"notes: line {token.map[0] + 1} comes before the first '## Section' heading; put "
                            "it under the heading of the report's section it belongs to (e.g. '## Diskusi')")
        if blocks:
            sections[-1][2].extend(blocks)
        i = end + 1
    return sections


def closing(tokens: list[Token], start: int) -> int:
    """The index of the token that closes the block opened at `start` (itself for one without a body)."""
    depth = 0
    for i in range(start, len(tokens)):
        depth += tokens[i].nesting
        if depth == 0:
            return i
    return len(tokens) - 1


def block_of(tokens: list[Token]) -> list[Block]:
    """One top-level Markdown block as document blocks: a list's items (a nested list's too, as items
    of their own), a quote's paragraphs, a deeper heading as a bold line, code as its text."""
    first = tokens[0]
    if first.type in ("bullet_list_open", "ordered_list_open"):
        items = [inline(t) for t in tokens if t.type == "inline"]
        return [ItemList(items, numbered=first.type == "ordered_list_open", role=ROLE)]
    if first.type == "heading_open":
        return [Prose([[Emphasis(tokens[1].content.strip())]], role=ROLE)]
    if first.type in ("fence", "code_block"):
        return [Prose([line for line in first.content.splitlines() if line.strip()], role=ROLE)]
    paragraphs = [inline(t) for t in tokens if t.type == "inline"]
    return [Prose(paragraphs, role=ROLE)] if paragraphs else []


def inline(token: Token) -> Text:
    """A paragraph's text: strong and emphasised runs, links (http, https, mailto) and plain text."""
    parts: Text = []
    strong = em = 0
    href: str | None = None
    link_text = ""
    for child in token.children or []:
        kind = child.type
        if kind in ("strong_open", "strong_close"):
            strong += 1 if kind == "strong_open" else -1
        elif kind in ("em_open", "em_close"):
            em += 1 if kind == "em_open" else -1
        elif kind == "link_open":
            href, link_text = str(child.attrs.get("href", "")), ""
        elif kind == "link_close":
            parts.append(Link(link_text, href) if href.startswith(LINK_SCHEMES) else link_text)
            href = None
        else:
            text = " " if kind in ("softbreak", "hardbreak") else child.content
            if href is not None:
                link_text += text
            elif strong or em:
                parts.append(Emphasis(text, strong=bool(strong)))
            else:
                parts.append(text)
    return parts


def add_notes(doc: Document, markdown: str, other_titles: dict[str, str]) -> None:
    """Appends each section of the notes to the report's section it names: by the section's title
    in the document's language, in the other one (`other_titles`: id -> title), or by its id."""
    for heading, line, blocks in parse_notes(markdown):
        section = (doc.section(heading) or next(
            (s for s in doc.sections() if other_titles.get(s.id, "").casefold() == heading.casefold()), None)
        ) if heading else None  # an empty heading names nothing (and would match a title missing in one language)
        if section is None:
            names = ", ".join(s.title for s in [*doc.body, *doc.appendix])
            raise UserError(f"notes: '{heading}' (line {line}) is not a section of this report; name one of: {names}")
        for n, block in enumerate(blocks, len(notes_of(section)) + 1):
            block.id = f"notes-{section.id}-{n}"
            section.blocks.append(block)
    doc.refresh()


def notes_of(section: Section) -> list[Block]:
    return [b for b in section.blocks if getattr(b, "role", "") == ROLE]


def user_notes(doc: Document) -> list[tuple[Section, list[Block]]]:
    """The sections the user wrote for, each with the blocks of their words (a deck's slides)."""
    return [(s, notes_of(s)) for s in doc.sections() if notes_of(s)]


def include_notes(doc: Document, run: RunDir, configured: str | None, given: Path | None,
                  other_titles: Callable[[], dict[str, str]], say: Callable[[str], None]) -> None:
    """Adds the notes a render includes: `given` (--notes), else the experiment's [report] notes
    file when it exists, else the run's notes.md. A named file is kept as the run's notes.md, once
    every section of it has found its place, so a later render without it says the same."""
    if given is None and configured:
        if Path(configured).is_file():
            given = Path(configured)
        elif not present(run.notes):
            say(f"report.notes '{configured}' does not exist yet; rendering without notes")
    if given is not None:
        text = read_notes_file(given)
    elif present(run.notes):
        text = read_run_text(run.notes, run.path, "it is the copy of the notes given to an earlier render: "
                                                  "render again with --notes FILE.md")
    else:
        return
    add_notes(doc, text, other_titles())
    if given is not None:
        try:
            atomic_write_text(run.notes, text)
        except OSError as e:
            raise UserError(f"cannot keep the notes in {run.notes}: {e.strerror or e}") from None
