"""The body keeps to its length by moving detail into lettered appendix parts (in the deck, the
backup slides after the closing slide): the body points to every part, and each part, after the
references, holds the figures that left the body."""

import html

import pytest
from pptx import Presentation

from reportgen import render
from reportgen.analysis import load_analysis
from reportgen.language.phrases import Phrases
from reportgen.renderers.html import render_html
from reportgen.report import build_document
from reportgen.report.document import Figure


def detail_figures(doc) -> list:
    """The figures the appendix holds (and the body does not)."""
    return [node for part in doc.appendix for node in part.nodes() if isinstance(node, Figure)]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_body_points_to_each_appendix_part_which_holds_the_detail(analysed_run, lang):
    t = Phrases(lang)
    doc = build_document(load_analysis(analysed_run), lang)
    keys = ["layers", "code", "lr_schedule", "feature_maps", "per_class", "calibration", "explanation", "disagreements",
            "variants", "class_distribution"]
    assert [p.id for p in doc.appendix] == [f"appendix-{key}" for key in keys]
    assert [p.heading.split()[:2] for p in doc.appendix] == [[t("ui.layout.appendix"), x] for x in "ABCDEFGHIJ"]
    page = html.unescape(render_html(doc))
    start = page.index(f'<h2 id="{doc.appendix[0].id}"')
    body, appendix = page[page.index("<main>"):start], page[start:]
    assert f">{t('ui.references')}<" in body  # the appendix comes after the references, at the page's end
    for part, key in zip(doc.appendix, keys):
        pointer = doc.sentences(f"see-{key}")  # the body's sentence, its "Lampiran B" a link to the part
        assert len(pointer) == 1 and pointer[0].endswith(f"{part.label}.")
        assert f'<a class="ref" href="#{part.id}">{part.label}</a>' in body and part.heading in appendix
    detail = detail_figures(doc)
    assert len(detail) >= 4 * len(doc.deck.models)
    for figure in detail:
        assert figure.caption in appendix and figure.caption not in body
    for m in doc.deck.models:  # the Grad-CAM of the two feature-map cases and the calibration sentences stay
        assert doc.figure(f"figure-cam-cases-{m.key}").caption in body
        calibration = doc.sentences(f"text-calibration-{m.key}")
        assert calibration and all(n in body for n in calibration)

    deck = Presentation(str(render(analysed_run, "pptx", lang=lang)))
    # A title's paragraphs, the line breaks the text fitting made undone.
    slides = [{p.text.replace("\x0b", " ") for sh in slide.shapes if sh.has_text_frame for p in sh.text_frame.paragraphs}
              for slide in deck.slides]
    backup = next(i for i, texts in enumerate(slides) if t("deck.layout.backup") in texts)
    assert t("deck.thanks") in slides[backup - 1]
    titles = [text for texts in slides[backup:] for text in texts]
    divider = deck.slides[backup].notes_slide.notes_text_frame.text.split("\n")
    assert divider == [part.heading for part in doc.appendix]  # one divider, naming every part
    moved = [t(f"deck.{key}") for key in ("reliability", "feature_maps_wrong", "gradcam_per_class", "gradcam_gallery",
                                         "disagreements")]
    moved += [t("ui.layout.appendix_lr_schedule")]
    moved += [t("deck.per_class", model=m.name) for m in doc.deck.models]
    for title in moved:
        assert title in titles and not any(title in texts for texts in slides[:backup])
