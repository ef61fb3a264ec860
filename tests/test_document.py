"""The document tree (reportgen/report/document.py) and how the report lays it out: sections numbered
without gaps, no heading without content, tables and figures numbered once by the document, every
cross-reference ("Lampiran B", "Tabel 5") filled in from its target and a working link in the HTML
page and the PDF, every citation ("[1]") a paper of the references list and a link to its entry,
and a table of contents in both (with page numbers in the PDF)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pymupdf
from PIL import Image
import pytest

from helpers import CNN_PRED, HANDMADE, history_rows
from reportgen.analysis import analyse, load_analysis
from reportgen.renderers.html import render_html
from reportgen.report import build_document
from reportgen.report.document import (Cite, Document, Emphasis, Figure, ItemList, Prose, Ref, Section, Table,
                                       TitleBlock, Words, plain)

WORDS = Words(table="Tabel", figure="Gambar", appendix="Lampiran", contents="Daftar Isi", continued="(lanjutan)")
HIST = history_rows([.5, .6, .7, .75, .8, .82], [.5, .55, .65, .7, .78, .80], [1.0, .9, .8, .7, .6, .55],
                    [1.1, 1.0, .9, .85, .8, .78])


def one_model(make_run) -> Path:
    """The hand-made run's CNN alone: no comparison, and no paper to cite."""
    raw = json.loads(json.dumps(HANDMADE))
    raw["models"], raw["report"]["baseline"] = raw["models"][:1], None
    return make_run(raw=raw, predictions={"Small CNN": CNN_PRED}, histories={"Small CNN": HIST})


def headings(page: str) -> list[tuple[int, str]]:
    """(level, text) of every heading of an HTML page."""
    return [(int(level), html.unescape(text)) for level, text in re.findall(r"<h(\d)[^>]*>(.*?)</h\1>", page)]


def tiny(blocks: list, appendix: list[Section] = (), run: Path = Path("run")) -> Document:
    front = TitleBlock(title="t", subtitle="", date="1 Januari 2026", logo=None, authors=[], authors_line="",
                       labels={"date": "Tanggal"})
    return Document(lang="id", run=run, front=front, body=[Section("intro", "Pendahuluan", blocks)],
                    appendix=list(appendix), words=WORDS)


@pytest.mark.slow
def test_a_single_model_report_numbers_its_sections_without_gaps_and_cites_nothing_empty(make_run):
    doc = build_document(analyse(one_model(make_run)), "id")
    results = doc.find("results")
    assert [s.number for s in results.subsections] == ["3.1", "3.2", "3.3", "3.4"]  # no comparison: no gap
    assert doc.find("comparison") is None and doc.find("references") is None  # the CNN cites no paper
    page = render_html(doc)
    numbered = [text.split(" ", 1)[0] for level, text in headings(page) if level == 3 and text[:1].isdigit()]
    assert numbered == ["1.1", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3", "3.4"]
    assert not any(text == "Referensi" for _, text in headings(page))


def test_tables_and_figures_are_numbered_once_in_reading_order(analysed_run):
    doc = build_document(load_analysis(analysed_run), "id")
    tables = [n for n in doc.nodes() if isinstance(n, Table)]
    figures = [n for n in doc.nodes() if isinstance(n, Figure)]
    assert [t.number for t in tables] == list(range(1, len(tables) + 1))
    assert [f.label for f in figures] == [f"Gambar {i}" for i in range(1, len(figures) + 1)]
    page = render_html(doc)
    # the page prints the document's labels, in the document's order, each once
    assert re.findall(r'class="table-caption" id="table-[^"]+">(Tabel \d+):', page) == [t.label for t in tables]
    assert re.findall(r'<div class="caption">(Gambar \d+):', page) == [f.label for f in figures]


def test_every_reference_names_its_target_and_links_to_it(analysed_run):
    doc = build_document(load_analysis(analysed_run), "en")
    refs = list(doc.refs())
    assert len(refs) >= len(doc.appendix)  # every part is pointed to, and the stage tables point to the layers
    for ref in refs:
        assert ref.text == doc.find(ref.target).label and ref.text.startswith("Appendix ")
    page = render_html(doc)
    ids = set(re.findall(r' id="([^"]+)"', page))
    links = re.findall(r'<a class="ref" href="#([^"]+)">([^<]+)</a>', page)
    assert len(links) == len(refs) and all(target in ids for target, _ in links)
    toc = page[page.index('<nav class="toc"'):page.index("</nav>")]
    entries = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', toc)
    assert [html.unescape(text) for _, text in entries][:3] == ["1 Introduction", "1.1 Objectives", "2 Methodology"]
    assert {target for target, _ in entries} <= ids
    assert [text for target, text in entries if target.startswith("appendix-")] == [p.heading for p in doc.appendix]


@pytest.mark.slow
def test_the_pdf_has_a_table_of_contents_with_page_numbers_and_working_links(rendered):
    pdf = pymupdf.open(rendered("pdf", "en"))
    bookmarks = {title: page for _, title, page, *_ in pdf.get_toc()}
    links = [(page.number + 1, page.get_textbox(link["from"]).split(), link["page"] + 1)
             for page in pdf for link in page.get_links() if link.get("page") is not None]
    # The contents on page 1: each entry a link to the page its heading is on, which it prints.
    contents = [(" ".join(words), target) for at, words, target in links if at == 1]
    printed = [(int(text.rsplit(" ", 1)[-1]), target) for text, target in contents if text[-1:].isdigit()]
    assert len(printed) >= 10 and all(number == target for number, target in printed)
    for title in ("1 Introduction", "4 Discussion", "References", "Appendix A Full Layer Tables"):
        assert any(text.startswith(title) and target == bookmarks[title] for text, target in contents), title
    # Every "Appendix X" in the body is a link to the page its part starts on.
    parts = {title.split(" ", 2)[1]: page for title, page in bookmarks.items() if title.startswith("Appendix ")}
    pointers = [(words[1].strip(".,;)"), target) for at, words, target in links
                if at > 1 and words[:1] == ["Appendix"]]
    assert {letter for letter, _ in pointers} == set(parts)
    assert all(target == parts[letter] for letter, target in pointers)


def test_a_reference_to_a_table_or_figure_reads_its_number(tmp_path):
    png = tmp_path / "x.png"
    Image.new("RGB", (4, 4)).save(png)
    table = Table("table-a", "Angka", [], [])
    figure = Figure("figure-a", "Kurva", png)
    text = Prose([["Lihat ", Ref("table-b"), " dan ", Ref("figure-a"), "; ", Emphasis("catatan")]])
    doc = tiny([table, Table("table-b", ["Angka lain, lihat ", Ref("table-a")], [], []), figure, text], run=tmp_path)
    assert plain(text.paragraphs[0]) == "Lihat Tabel 2 dan Gambar 1; catatan"
    assert doc.table("table-b").title == "Angka lain, lihat Tabel 1"
    page = render_html(doc)
    assert '<a class="ref" href="#table-b">Tabel 2</a>' in page and '<a class="ref" href="#figure-a">Gambar 1</a>' in page
    assert 'id="table-b">Tabel 2: Angka lain, lihat <a class="ref" href="#table-a">Tabel 1</a>' in page
    with pytest.raises(ValueError, match="does not have"):
        tiny([Prose([[Ref("nowhere")]])])
    with pytest.raises(ValueError, match="two parts of the document have the id 'table-a'"):
        tiny([table, Table("table-a", "lagi", [], [])])


def test_every_citation_is_a_listed_paper_and_links_to_its_entry(analysed_run):
    doc = build_document(load_analysis(analysed_run), "id")
    cites, papers = list(doc.cites()), doc.bibliography()
    assert cites and papers == ["he2016"]  # ResNet18's paper; the CNN cites none
    assert {c.key for c in cites} == set(papers)  # every paper listed is cited, every citation listed
    assert all(c.text == f"[{papers.index(c.key) + 1}]" for c in cites)
    assert any("[1]" in s for s in doc.sentences("text-introduction"))  # plain text (the deck's notes)
    page = render_html(doc)
    links = re.findall(r'<a class="cite" href="#([^"]+)">([^<]+)</a>', page)
    assert links == [(f"cite-{c.key}", c.text) for c in cites]
    assert all(re.search(rf'<li id="{target}">K\. He', page) for target, _ in links)


def test_a_citation_reads_the_number_of_its_paper_in_the_references_list():
    text = Prose([["A ", Cite("b"), ", B ", Cite("a"), "."]])
    doc = tiny([text, ItemList(["Paper B", "Paper A"], numbered=True, role="references", keys=["b", "a"])])
    assert plain(text.paragraphs[0]) == "A [1], B [2]." and doc.bibliography() == ["b", "a"]
    with pytest.raises(ValueError, match="a citation of 'c', which the references list does not hold"):
        tiny([Prose([[Cite("c")]])])
    with pytest.raises(ValueError, match="one bibliography key per paper"):
        ItemList(["Paper A"], role="references", keys=["a", "b"])


def test_a_section_is_found_by_id_or_title_and_the_document_renumbers_after_a_change():
    doc = tiny([Prose(["teks"])], appendix=[Section("appendix-x", "Detail", [Prose(["lagi"])])])
    doc.body.append(Section("discussion", "Diskusi", [Prose(["kalimat"])]))
    doc.body.insert(1, Section("empty", "Kosong"))  # a heading without content is no section
    doc.refresh()
    assert doc.section("discussion") is doc.section("diskusi") is doc.body[1]
    assert [s.number for s in doc.body] == ["1", "2"] and doc.find("empty") is None
    assert doc.appendix[0].heading == "Lampiran A Detail" and doc.section("nothing") is None
