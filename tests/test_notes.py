"""The user's own words (--notes FILE.md, [report] notes): Markdown sections keyed by the report's
section titles in either language, appended to those sections in every format, kept by the run as
notes.md so that a later render without --notes still includes them."""

import html
import re
import zipfile

import pytest
from pptx import Presentation

from reportgen import render
from reportgen.errors import UserError

NOTES = """## Diskusi

Menurut *saya* hasil ini **cukup** baik, lihat [kode](https://example.org/kode) dan [ini](javascript:alert(1)).

- augmentasi lebih kuat
- 50% & $x$ {y} tetap tertulis

## Conclusion

Kesimpulan sendiri: model kecil cukup.

### Catatan kecil

1. langkah berikutnya
"""
WORDS = ["Menurut saya hasil ini cukup baik", "augmentasi lebih kuat", "50% & $x$ {y} tetap tertulis",
         "Kesimpulan sendiri: model kecil cukup.", "Catatan kecil", "langkah berikutnya"]


def page_text(path) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", path.read_text())).split())


def write_notes(tmp_path, text=NOTES):
    path = tmp_path / "catatan.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_notes_are_appended_to_their_sections_and_kept_by_the_run(analysed_run, tmp_path):
    path = write_notes(tmp_path)
    first = page_text(render(analysed_run, "html", notes=path))
    for words in WORDS:
        assert words in first, words
    # each after its section's generated text, before the next section
    assert first.rindex("4 Diskusi") < first.index("Menurut saya") < first.rindex("5 Kesimpulan") < \
        first.index("Kesimpulan sendiri")
    assert (analysed_run / "notes.md").read_text(encoding="utf-8") == NOTES
    path.unlink()
    again = page_text(render(analysed_run, "html", out=tmp_path / "again.html"))  # no --notes: the run's copy
    assert all(words in again for words in WORDS)
    english = page_text(render(analysed_run, "html", lang="en"))  # headings in either language find their section
    assert all(words in english for words in WORDS)
    page = (analysed_run / "report.html").read_text()
    assert '<a href="https://example.org/kode">kode</a>' in page and 'href="javascript' not in page  # only web links


def test_a_new_notes_file_replaces_the_kept_one(analysed_run, tmp_path):
    render(analysed_run, "html", notes=write_notes(tmp_path))
    text = page_text(render(analysed_run, "html", notes=write_notes(tmp_path, "## Discussion\n\nHanya ini.\n")))
    assert "Hanya ini." in text and "augmentasi lebih kuat" not in text
    assert (analysed_run / "notes.md").read_text() == "## Discussion\n\nHanya ini.\n"


@pytest.mark.slow
def test_the_experiments_notes_file_is_read_at_render(make_run, tmp_path):
    import copy

    from helpers import CNN_PRED, HANDMADE, RESNET_PRED, history_rows

    raw = copy.deepcopy(HANDMADE)
    raw["report"]["notes"] = str(tmp_path / "later.md")  # written after training
    hist = history_rows([.5] * 6, [.5] * 6, [1] * 6, [1] * 6)
    run = make_run(raw=raw, predictions={"Small CNN": CNN_PRED, "ResNet18": RESNET_PRED},
                   histories={"Small CNN": hist, "ResNet18": hist})
    assert "Menurut saya" not in page_text(render(run, "html"))
    (tmp_path / "later.md").write_text(NOTES)
    assert "Menurut saya" in page_text(render(run, "html")) and (run / "notes.md").read_text() == NOTES


@pytest.mark.parametrize("text, message", [
    ("## Ringkasan Lain\n\nteks\n", "'Ringkasan Lain' (line 1) is not a section of this report; name one of: Pendahuluan"),
    ("teks tanpa judul\n\n## Diskusi\n\nx\n", "line 1 comes before the first '## Section' heading"),
    ("## Diskusi\n\nx\n\n##\n\nteks\n", "'' (line 5) is not a section of this report"),
])
def test_notes_that_name_no_section_are_refused_and_not_kept(analysed_run, tmp_path, text, message):
    with pytest.raises(UserError, match=re.escape(message)):
        render(analysed_run, "html", notes=write_notes(tmp_path, text))
    assert not (analysed_run / "notes.md").exists()


def test_a_notes_file_must_be_markdown_text(analysed_run, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("## Diskusi\n")
    with pytest.raises(UserError, match=r"must be a Markdown file \(\.md\)"):
        render(analysed_run, "html", notes=bad)
    binary = tmp_path / "notes.md"
    binary.write_bytes(b"## Diskusi\n\n\xff\xfe")
    with pytest.raises(UserError, match="is not UTF-8 text"):
        render(analysed_run, "html", notes=binary)


@pytest.mark.slow  # renders the PDF and the deck (about 40 s here)
def test_notes_appear_in_every_format(handmade_run, tmp_path):
    from helpers import pdf_text

    render(handmade_run, "html", notes=write_notes(tmp_path))  # kept; the other formats read the run's copy
    pdf = pdf_text(render(handmade_run, "pdf"))
    deck = " ".join(shape.text_frame.text for slide in Presentation(render(handmade_run, "pptx")).slides
                    for shape in slide.shapes if shape.has_text_frame)
    with zipfile.ZipFile(render(handmade_run, "latex")) as archive:
        latex = "\n".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".tex"))
    for words in WORDS:
        assert words in pdf, words
        assert words in " ".join(deck.split()), words
    assert r"50\% \& \$x\$ \{y\} tetap tertulis" in latex and r"\href{https://example.org/kode}{kode}" in latex
