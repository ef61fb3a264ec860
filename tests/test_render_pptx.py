"""The PPTX deck, opened again with python-pptx and checked for what a reader sees: the section
titles, every model's accuracy as the Formatter writes it, per-class tables, pictures with
their aspect ratio, and text that fits its box by the font's own measure.

The fit check below measures independently of reportgen.renderers.textfit: it reads the written
XML (font size, line pitch, explicit line breaks, insets) and measures each line with PIL."""

from __future__ import annotations

import io
import json
from functools import lru_cache
from pathlib import Path

import pytest
from PIL import Image, ImageFont
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu

from helpers import HANDMADE, history_rows, slide_texts
import reportgen
from reportgen.analysis import load_analysis
from reportgen.renderers.pptx import Deck
from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases
from reportgen.renderers.fonts import SANS_FILES
from reportgen.renderers.layout import Para

HOSTILE_TITLE = "<script>alert('x')</script> & Co\x00\x0b\x1f"
HOSTILE_AUTHOR = "Budi & <b>Ani</b>\x08"


def render(run: Path, lang: str = "id"):
    analysis = load_analysis(run)  # analyses a run that has no analysis.json yet
    out = reportgen.render(run, "pptx", out=run / f"deck-{lang}.pptx", lang=lang)
    return analysis, Presentation(str(out))


def pt(emu) -> float:
    return Emu(emu).pt


def tables(prs):
    return [[[c.text.replace("\v", " ") for c in row.cells] for row in s.table.rows]
            for slide in prs.slides for s in slide.shapes if s.has_table]


# --- an independent measure ------------------------------------------------------------------


@lru_cache(maxsize=None)
def font(size: float, bold: bool):
    return ImageFont.truetype(str(SANS_FILES[bold]), round(size * 10))


def width(text: str, size: float, bold: bool) -> float:
    return font(size, bold).getlength(text) / 10


def paragraph_lines(p) -> tuple[list[str], float, bool]:
    """(lines as separated by <a:br/>, font size in points, bold) of one written paragraph."""
    lines, size, bold = [""], None, False
    for child in p._p:
        if child.tag == qn("a:br"):
            lines.append("")
        elif child.tag == qn("a:r"):
            run = p.runs[0].__class__(child, p)
            lines[-1] += run.text
            size, bold = run.font.size.pt, bool(run.font.bold)
    return lines, size, bold


def frame_overflow(text_frame, box_w: float, box_h: float, insets: tuple[float, float, float, float]) -> list[str]:
    """What in a text frame does not fit (empty when everything fits)."""
    left, right, top, bottom = insets
    problems, used = [], top + bottom
    for p in text_frame.paragraphs:
        lines, size, bold = paragraph_lines(p)
        if size is None:
            continue
        indent = pt(int(p._p.pPr.get("marL", 0))) if p._p.pPr is not None else 0
        for line in lines:
            if width(line, size, bold) > box_w - left - right - indent + 0.5:
                problems.append(f"line too wide: {line!r}")
        pitch = p.line_spacing.pt if p.line_spacing is not None and not isinstance(p.line_spacing, float) else None
        assert pitch is not None and pitch >= size, "every paragraph has an exact line pitch of at least its size"
        used += (p.space_before.pt if p.space_before is not None else 0) + len(lines) * pitch
    if used > box_h + 0.5:
        problems.append(f"text {used:.1f} pt high in a {box_h:.1f} pt box: {text_frame.text[:60]!r}")
    return problems


def overflow(prs) -> list[str]:
    problems = []
    slide_h = pt(prs.slide_height)
    for number, slide in enumerate(prs.slides, 1):
        for shape in slide.shapes:
            if shape.has_text_frame and shape.text_frame.text:
                tf = shape.text_frame
                insets = (tf.margin_left.pt, tf.margin_right.pt, tf.margin_top.pt, tf.margin_bottom.pt)
                problems += [f"slide {number}: {p}" for p in frame_overflow(tf, pt(shape.width), pt(shape.height),
                                                                            insets)]
            if shape.has_table:
                t = shape.table
                for row in t.rows:
                    for j, cell in enumerate(row.cells):
                        insets = (cell.margin_left.pt, cell.margin_right.pt, cell.margin_top.pt,
                                  cell.margin_bottom.pt)
                        problems += [f"slide {number} cell: {p}" for p in frame_overflow(
                            cell.text_frame, pt(t.columns[j].width), pt(row.height), insets)]
                bottom = pt(shape.top) + sum(pt(r.height) for r in t.rows)
                if bottom > slide_h - 40:
                    problems.append(f"slide {number}: table runs into the footer ({bottom:.0f} pt)")
    return problems


# --- the deck of a hand-made run -------------------------------------------------------------


@pytest.fixture
def deck(rendered):
    """The hand-made run's analysis and its Indonesian deck, opened afresh for each test."""
    path = rendered("pptx")
    return load_analysis(path.parent), Presentation(str(path))


def test_every_section_and_number_a_reader_needs(deck):
    analysis, prs = deck
    texts = slide_texts(prs)
    joined = "\n".join(texts)
    t, f = Phrases("id"), Formatter("id")
    expected = [t(f"deck.{k}") for k in ("toc", "members", "objectives", "dataset", "methodology", "layout.training",
                                         "per_class_comparison", "training_log", "conclusion", "thanks",
                                         "layout.backup", "gradcam", "feature_maps", "reliability")]
    for m in analysis.models:
        expected += [t(f"deck.{k}", model=m.label) for k in ("architecture", "layout.stages", "confusion", "per_class")]
    assert [title for title in expected if title not in texts] == []
    # The hand-made run gets 8 and 6 of its 9 test images right.
    assert [f.percent(m.accuracy) for m in analysis.models] == ["88,89%", "66,67%"]
    assert "88,89%" in texts and "66,67%" in texts
    for author in HANDMADE["report"]["authors"]:
        assert author["name"] in texts and author["id"] in texts
    assert HANDMADE["report"]["title"] in joined


def test_per_class_tables_hold_every_class(deck):
    analysis, prs = deck
    f, t = Formatter("id"), Phrases("id")
    all_tables = tables(prs)
    per_class = [tab for tab in all_tables if tab[0][:4] == [t("ui.class"), t("ui.precision"), t("ui.recall"), t("ui.f1")]]
    assert len(per_class) == len(analysis.models)
    for m, tab in zip(analysis.models, per_class):
        assert [row[:4] for row in tab[1:len(m.per_class) + 1]] == [
            [c.name, f.decimal(c.precision), f.decimal(c.recall), f.decimal(c.f1)] for c in m.per_class]
        assert tab[len(m.per_class) + 1][1:4] == [f.decimal(m.macro.precision), f.decimal(m.macro.recall),
                                                  f.decimal(m.macro.f1)]
    # the per-class accuracy comparison: one column per model
    compare = next(tab for tab in all_tables if tab[0] == [t("ui.class")] + [m.label for m in analysis.models])
    assert [row[1:] for row in compare[1:]] == [[f.percent(m.per_class[i].accuracy) for m in analysis.models]
                                                for i in range(len(analysis.dataset.classes))]
    assert all(len(tab) <= 13 for tab in all_tables)


def test_pictures_are_all_there_with_their_aspect_ratio(deck):
    analysis, prs = deck
    run = Path(analysis.run_dir)
    # Each model's own curves are in the overlaid ones, its matrix's row shares in its per-class table;
    # every model's learning rates and reliability diagrams are one figure each.
    figures = [m.figures["confusion"] for m in analysis.models] + list(analysis.figures.values())
    figures += [case.figure for m in analysis.models for case in m.feature_maps]
    # the overlaid curves and per-class accuracy are native charts (test_deck_plan.py), not pictures
    figures += [f for f in (analysis.dataset.samples_figure, analysis.dataset.distribution_figure) if f]
    figures += [path for m in analysis.models if m.explanation for path in m.explanation.figures.values()]
    figures += [d.figure for d in analysis.disagreements if d.figure]
    assert all((run / "figures" / "id" / f"{fig}.png").is_file() for fig in figures)
    pictures = [s for slide in prs.slides for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pictures) == len(figures)
    for pic in pictures:
        w, h = pic.image.size
        assert pic.width / pic.height == pytest.approx(w / h, rel=0.01)
        assert pic.left >= 0 and pic.top >= 0
        assert pic.left + pic.width <= prs.slide_width and pic.top + pic.height <= prs.slide_height


def test_no_text_exceeds_its_box(deck):
    assert overflow(deck[1]) == []


@pytest.mark.slow
def test_hostile_title_and_author_render_literally(make_run):
    raw = json.loads(json.dumps(HANDMADE))
    label = "CNN <i>&amp;</i>"
    raw["report"].update(title=HOSTILE_TITLE, authors=[{"name": HOSTILE_AUTHOR, "id": "007"}], baseline=label)
    raw["models"][0]["label"] = label
    history = history_rows([.5, .6, .7], [.5, .6, .65], [1.0, .8, .6], [1.0, .9, .8])
    _, prs = render(make_run({label: [0, 0, 0, 1, 1, 1, 2, 2, 2], "ResNet18": [0, 0, 0, 1, 1, 1, 2, 2, 0]},
                             {label: history, "ResNet18": history}, raw=raw))
    joined = "\n".join(slide_texts(prs))
    assert "<script>alert('x')</script> & Co" in joined
    assert "Budi & <b>Ani</b>" in joined
    assert f"Arsitektur {label}" in joined
    assert not any(ch in joined for ch in "\x00\x0b\x1f\x08")
    assert overflow(prs) == []


def test_english_deck(rendered):
    prs = Presentation(str(rendered("pptx", "en")))
    texts = slide_texts(prs)
    assert "Thank You" in texts and "Table of Contents" in texts
    assert "88.89%" in texts and "66.67%" in texts


# --- the layout engine on its own ------------------------------------------------------------


def test_long_text_continues_on_further_slides():
    deck = Deck(footer="x", continued="(lanjutan)")
    sentence = "Kalimat panjang yang menguji pembungkusan teks pada lebar kotak slide. "
    paras = [Para(f"{i}. " + sentence * 4, 18, bullet=True) for i in range(30)]
    deck.content("Judul", paras, ["catatan"])
    prs = Presentation(io.BytesIO(deck.to_bytes()))
    texts = slide_texts(prs)
    assert len(prs.slides) > 2
    assert texts.count("Judul (lanjutan)") == len(prs.slides) - 1
    body = [t for t in texts if "Kalimat" in t]
    assert " ".join(body).split() == " ".join(p.text for p in paras).split()  # every word, once, in order
    assert overflow(prs) == []


def test_the_fit_check_catches_overflow(tmp_path):
    """The independent measure above flags a paragraph written without wrapping."""
    from pptx.util import Pt

    prs = Presentation()
    box = prs.slides.add_slide(prs.slide_layouts[6]).shapes.add_textbox(0, 0, Pt(200), Pt(40))
    p = box.text_frame.paragraphs[0]
    p.line_spacing = Pt(22)
    run = p.add_run()
    run.text, run.font.size = "far too many words for a two hundred point wide box", Pt(18)
    assert overflow(prs) != []


def test_a_label_stays_with_what_it_labels():
    deck = Deck(footer="x", continued="(lanjutan)")
    paras = []
    for i in range(12):
        paras += [Para(f"{i:02d}.", 20, bold=True, keep_with_next=True), Para("isi tujuan yang cukup panjang " * 6, 18)]
    deck.content("Tujuan", paras, ["catatan"])
    prs = Presentation(io.BytesIO(deck.to_bytes()))
    assert len(prs.slides) > 1
    for slide in prs.slides:
        body = max(slide.shapes, key=lambda s: s.height if s.has_text_frame else 0)
        assert not body.text_frame.paragraphs[-1].text.endswith(".")  # never a bare "03." at the bottom


def test_long_table_repeats_its_header():
    deck = Deck(footer="x", continued="(continued)")
    rows = [[f"class {i}", "0,9000", "a much longer description that has to wrap inside its column " * (i % 3)]
            for i in range(40)]
    deck.table("Tabel", ["Kelas", "F1", "Keterangan"], rows, ["left", "right", "left"], ["catatan"])
    prs = Presentation(io.BytesIO(deck.to_bytes()))
    parts = tables(prs)
    shapes = [s.table for slide in prs.slides for s in slide.shapes if s.has_table]
    assert {tuple(c.text_frame.paragraphs[0].alignment for c in row.cells) for t in shapes for row in t.rows} == {
        (PP_ALIGN.LEFT, PP_ALIGN.RIGHT, PP_ALIGN.LEFT)}  # the caller's alignment, on every row of every part
    assert len(parts) >= 4
    assert all(part[0] == ["Kelas", "F1", "Keterangan"] and len(part) <= 13 for part in parts)
    assert [row[0] for part in parts for row in part[1:]] == [r[0] for r in rows]
    assert overflow(prs) == []


def test_picture_keeps_its_aspect_ratio(tmp_path):
    for size in ((1200, 300), (300, 1200), (640, 480)):
        path = tmp_path / f"{size[0]}x{size[1]}.png"
        Image.new("RGB", size, "white").save(path)
        deck = Deck(footer="", continued="")
        deck.content("Gambar", [Para("teks")], ["catatan"], (path, "gambar"))
        pic = next(s for s in deck.prs.slides[0].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE)
        assert pic.width / pic.height == pytest.approx(size[0] / size[1], rel=0.01)
