"""The deck's layout on its own (reportgen/renderers/layout.py): pages, shrinking, table columns and
table pages, checked with the same font measure the layout uses, no presentation written."""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from reportgen.renderers.layout import (LAYOUT, Box, Layout, Para, _column_widths, fit_picture, flow, paginate,
                                     shrink_to_fit, table_pages)
from reportgen.renderers.textfit import line_pitch, wrap

SENTENCE = "Kalimat panjang yang menguji pembungkusan teks pada lebar kotak slide. "


def page_height(page) -> float:
    return 2 * LAYOUT.inset + sum(p.space_before + len(lines) * line_pitch(p.size) for p, lines in page)


def words(page) -> list[str]:
    return " ".join(line for _, lines in page for line in lines).split()


def imported(module: str) -> set[str]:
    """Every module named in an import of `module`, or of the reportgen modules it imports."""
    seen, todo = set(), [module]
    while todo:
        tree = ast.parse(Path(importlib.util.find_spec(todo.pop()).origin).read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for name in [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]:
                    if name not in seen and name.startswith("reportgen."):
                        todo.append(name)
                    seen.add(name)
    return seen


def test_layout_does_not_need_python_pptx():
    assert "reportgen.renderers.textfit" in imported("reportgen.renderers.layout")
    assert not any(name.split(".")[0] == "pptx" for name in imported("reportgen.renderers.layout"))


# --- paginate --------------------------------------------------------------------------------


def test_pages_fit_and_hold_every_word_once_in_order():
    paras = [Para(f"{i}. " + SENTENCE * 3, 18, bullet=True) for i in range(20)]
    pages = paginate(paras, LAYOUT.content)
    assert len(pages) > 2
    assert all(page_height(page) <= LAYOUT.content.h for page in pages)
    assert [w for page in pages for w in words(page)] == " ".join(p.text for p in paras).split()


def test_a_paragraph_moves_whole_unless_taller_than_a_page():
    box = Box(0, 0, 400, 200)
    short = [Para(SENTENCE, 16) for _ in range(6)]
    assert all(lines == wrap(SENTENCE, 16, 400 - 2 * LAYOUT.inset) for page in paginate(short, box)
               for _, lines in page)
    tall = Para(SENTENCE * 20, 16, bullet=True)
    first, second, *_ = paginate([tall], box)
    assert len(first) == 1 and first[0][0].bullet
    assert not second[0][0].bullet  # the rest continues the same bullet


def test_a_label_never_ends_a_page():
    paras = []
    for i in range(12):
        paras += [Para(f"{i:02d}.", 20, bold=True, keep_with_next=True), Para("isi tujuan " * 30, 18)]
    pages = paginate(paras, LAYOUT.content)
    assert len(pages) > 1
    assert not any(page[-1][0].keep_with_next for page in pages)


def test_overflow_is_rewrapped_at_the_width_of_continuation_slides():
    picture, beside = LAYOUT.beside_picture()
    assert picture.w + LAYOUT.picture_gap + beside.w == pytest.approx(LAYOUT.content.w)
    paras = [Para(SENTENCE * 2, 16, bullet=True) for _ in range(15)]
    first, *rest = flow(paras, beside, LAYOUT.content)
    assert rest and first == paginate(paras, beside)[0]
    assert rest == paginate([p for p, _ in rest[0]] + [p for page in rest[1:] for p, _ in page], LAYOUT.content)


# --- shrink_to_fit ---------------------------------------------------------------------------


def scale_of(page, paras) -> float:
    return round(page[0][0].size / paras[0].size, 6)


def fits(paras, box, scale) -> bool:
    return len(paginate([replace(p, size=p.size * scale) for p in paras], box)) == 1


def test_text_that_fits_keeps_its_size():
    paras = [Para("Judul pendek", 26, bold=True, space_before=0)]
    assert shrink_to_fit(paras, LAYOUT.title) == paginate(paras, LAYOUT.title)[0]


@pytest.mark.parametrize("repeat", [2, 3, 5])
def test_shrink_finds_the_largest_scale_that_fits(repeat):
    paras = [Para("Perbandingan CNN dan ResNet18 pada CIFAR-10 " * repeat, 26, bold=True, space_before=0),
             Para("subjudul yang juga cukup panjang", 16, space_before=4)]
    page = shrink_to_fit(paras, LAYOUT.title)
    scale = scale_of(page, paras)
    assert 0.45 < scale < 1
    assert fits(paras, LAYOUT.title, scale) and not fits(paras, LAYOUT.title, scale + 0.01)
    # every size is scaled alike, and nothing is cut
    assert page[1][0].size == pytest.approx(16 * scale)
    assert " ".join(words(page)) == " ".join(" ".join(p.text for p in paras).split())


def test_shrink_at_least_matches_stepping_down_by_five_hundredths():
    paras = [Para("kata " * n, 20) for n in (30, 50)]
    box = Box(0, 0, 300, 160)
    scale = scale_of(shrink_to_fit(paras, box), paras)
    stepped = next(s / 100 for s in range(100, 44, -5) if fits(paras, box, s / 100))
    assert scale >= stepped


def test_text_too_long_even_at_the_smallest_scale_ends_with_an_ellipsis():
    paras = [Para("kata yang panjang " * 200, 20)]
    box = Box(0, 0, 300, 80)
    page = shrink_to_fit(paras, box, min_scale=0.5)
    assert scale_of(page, paras) == 0.5
    assert page_height(page) <= box.h
    assert page[-1][1][-1].endswith("…")
    assert words(page)[:-1] == paras[0].text.split()[:len(words(page)) - 1]


# --- tables ----------------------------------------------------------------------------------


ROWS = [[f"class {i}", f"0,{9000 + i}", "a much longer description that has to wrap inside its column " * (i % 3)]
        for i in range(40)]
HEADER = ["Kelas", "F1", "Keterangan"]


@pytest.mark.parametrize("width", [880, 400])  # the text fits on one line; it has to wrap
def test_column_widths_never_cut_a_word(width):
    rows = ROWS + [["supercalifragilistic", "1", "x"]]
    widths = _column_widths(HEADER, rows, 14, width)
    assert sum(widths) == pytest.approx(width)
    for row, bold in [(HEADER, True)] + [(r, False) for r in rows]:
        for text, w in zip(row, widths):
            assert " ".join(wrap(text, 14, w - 2 * LAYOUT.cell_pad_x, bold)).split() == text.split()


def test_a_narrow_table_is_stretched_only_so_far():
    natural = _column_widths(["a", "b"], [["1", "2"]], 14, 880, Layout(max_table_stretch=1))
    widths = _column_widths(["a", "b"], [["1", "2"]], 14, 880)
    assert sum(natural) < sum(widths) < 880
    assert widths == pytest.approx([w * LAYOUT.max_table_stretch for w in natural])


@pytest.mark.parametrize("layout", [LAYOUT, Layout(max_table_rows=5)])
def test_table_pages_repeat_the_header_and_hold_at_most_max_rows(layout):
    pages = list(table_pages(HEADER, ROWS, layout.content, 14, layout))
    assert len(pages) >= len(ROWS) / layout.max_table_rows
    header = [wrap(h, 14, w - 2 * layout.cell_pad_x, True) for h, w in zip(HEADER, pages[0][0])]
    body = []
    for widths, rows in pages:
        assert widths == pages[0][0]
        assert rows[0][0] == header
        assert 1 < len(rows) <= layout.max_table_rows + 1
        assert sum(height for _, height in rows) <= layout.content.h
        body += [" ".join(cells[0]) for cells, _ in rows[1:]]
    assert body == [r[0] for r in ROWS]


# --- pictures and boxes ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [(1200, 300), (300, 1200), (640, 480)])
def test_picture_keeps_its_aspect_ratio_inside_its_box(tmp_path, size):
    path = tmp_path / "p.png"
    Image.new("RGB", size).save(path)
    box = LAYOUT.beside_picture()[0]
    fit = fit_picture(path, box)
    assert fit.w / fit.h == pytest.approx(size[0] / size[1])
    assert box.x - 1e-9 <= fit.x and fit.x + fit.w <= box.x + box.w + 1e-9
    assert box.y - 1e-9 <= fit.y and fit.y + fit.h <= box.y + box.h + 1e-9


def test_boxes_stay_inside_the_content_area():
    c = LAYOUT.content
    inside = lambda b: c.x <= b.x and b.x + b.w <= c.x + c.w + 1e-9 and c.y <= b.y and b.y + b.h <= c.y + c.h + 1e-9
    assert all(inside(pic) and inside(cap) and pic.y + pic.h < cap.y for n in (1, 2)
               for pic, cap in LAYOUT.picture_row(n))
    columns, facts = LAYOUT.card_grid(2, side=True)
    assert inside(facts) and columns[-1].x + columns[-1].w < facts.x
    for column in columns:
        head, cards = LAYOUT.card_stack(column, 3)
        assert inside(head) and all(inside(card) for card in cards)
        assert all(a.y + a.h < b.y for a, b in zip([head] + cards, cards))


# --- the deck's font -------------------------------------------------------------------------


def deck_runs(prs):
    """Every text run of a deck, table cells included."""
    frames = [s.text_frame for slide in prs.slides for s in slide.shapes if s.has_text_frame]
    frames += [c.text_frame for slide in prs.slides for s in slide.shapes if s.has_table
               for row in s.table.rows for c in row.cells]
    return [r for frame in frames for p in frame.paragraphs for r in p.runs]


@pytest.fixture(scope="module")
def deck_file(tmp_path_factory):
    """A deck with text, a table and a long model label in a header cell, written by pptx.py."""
    from reportgen.renderers.pptx import Deck

    deck = Deck(footer="Eksperimen", continued="(lanjutan)")
    deck.title_slide("Judul", "Subjudul", ["Mata kuliah"], ["catatan"])
    deck.content("Teks", [Para(SENTENCE * 4, 18, bullet=True)], ["catatan"])
    deck.table("Tabel", HEADER[:2] + ["Pre-activation ResNet-34"], [r[:2] + ["ok"] for r in ROWS[:8]],
               ["left", "right", "left"], ["catatan"])
    path = tmp_path_factory.mktemp("deck") / "deck.pptx"
    path.write_bytes(deck.to_bytes())
    return path


def test_the_deck_names_arial_and_measures_with_the_shipped_metric_twin(deck_file):
    from PIL import ImageFont
    from pptx import Presentation

    from reportgen.renderers.fonts import FONT_DIR, SANS, SANS_FILES

    assert SANS == "Arial"
    runs = deck_runs(Presentation(str(deck_file)))
    assert runs and {r.font.name for r in runs} == {"Arial"}
    for bold, path in SANS_FILES.items():
        assert path.parent == FONT_DIR and path.is_file()
        font = ImageFont.truetype(str(path), 160)
        assert font.getname() == ("Liberation Sans", "Bold" if bold else "Regular")
        # textfit measures with exactly this file
        from reportgen.renderers.textfit import text_width
        assert text_width("Pre-activation ResNet-34", 16, bold) == pytest.approx(
            font.getlength("Pre-activation ResNet-34") / 10, rel=1e-3)
    assert "SIL Open Font License" in (FONT_DIR / "LICENSE-LiberationSans.txt").read_text()


def test_every_header_cell_of_a_table_has_one_size(deck_file):
    from pptx import Presentation

    for slide in Presentation(str(deck_file)).slides:
        for shape in slide.shapes:
            if shape.has_table:
                for row in shape.table.rows:
                    sizes = {r.font.size for c in row.cells for p in c.text_frame.paragraphs for r in p.runs}
                    assert len(sizes) == 1


@pytest.mark.slow
def test_libreoffice_renders_the_deck_in_liberation_sans(deck_file, tmp_path):
    import shutil
    import subprocess

    soffice, pdffonts = shutil.which("soffice"), shutil.which("pdffonts")
    if not (soffice and pdffonts):
        pytest.skip("LibreOffice (soffice) or poppler-utils (pdffonts) is not installed")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(deck_file)], check=True, capture_output=True, timeout=180)
    fonts = subprocess.run([pdffonts, str(tmp_path / "deck.pdf")], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    families = {line.split()[0].split("+")[-1] for line in fonts}
    assert families and all(f.startswith("LiberationSans") for f in families), families


def test_pictures_beside_take_only_the_width_they_need(tmp_path):
    from reportgen.renderers.layout import pictures_beside

    square, wide = tmp_path / "square.png", tmp_path / "wide.png"
    Image.new("RGB", (400, 400)).save(square)
    Image.new("RGB", (1600, 400)).save(wide)
    c = LAYOUT.content
    boxes, side = pictures_beside([square], LAYOUT)
    assert boxes[0].w == pytest.approx(c.h) and side.x == pytest.approx(c.x + c.h + LAYOUT.picture_gap)
    assert side.x + side.w == pytest.approx(c.x + c.w)
    boxes, side = pictures_beside([wide, square], LAYOUT)  # stacked, never wider than picture_share
    assert boxes[0].y + boxes[0].h <= boxes[1].y and max(b.w for b in boxes) <= c.w * LAYOUT.picture_share + 1e-9
    assert all(b.x + b.w <= side.x for b in boxes)
