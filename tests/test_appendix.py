"""The body keeps to its length by moving detail into lettered appendix parts (in the deck, the
backup slides after the closing slide): the body points to every part, and each part, after the
references, holds the figures that left the body."""

import html

import pytest
from pptx import Presentation

from reportgen import render
from reportgen.analysis import analyse
from reportgen.language.phrases import Phrases
from reportgen.renderers.html import render_html
from reportgen.report import build_document


def detail_figures(doc) -> list:
    """The figures the appendix holds and the body does not."""
    results = [s.result for s in doc.models if s.result]
    figures = [r.reliability for r in results] + [c.figure for r in results for c in r.feature_maps]
    figures += [s.lr_schedule for s in doc.models]
    figures += [i.figure for r in results if r.explanation for i in r.explanation.detail]
    return [f for f in figures + [d.figure for d in doc.disagreements] + [doc.dataset.distribution_figure] if f]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_body_points_to_each_appendix_part_which_holds_the_detail(handmade_run, lang):
    t = Phrases(lang)
    doc = build_document(analyse(handmade_run), lang)
    assert [p.key for p in doc.appendix] == ["layers", "code", "lr_schedule", "feature_maps", "calibration",
                                             "explanation", "disagreements", "variants", "class_distribution"]
    assert [p.heading.split()[:2] for p in doc.appendix] == [[t("ui.layout.appendix"), x] for x in "ABCDEFGHI"]
    page = html.unescape(render_html(doc))
    start = page.index(doc.appendix[0].heading)
    body, appendix = page[:start], page[start:]
    assert f">{t('ui.references')}<" in body  # the appendix comes after the references, at the page's end
    for part in doc.appendix:
        assert part.reference in body and part.heading in appendix
    detail = detail_figures(doc)
    assert len(detail) >= 4 * len(doc.models)
    for figure in detail:
        assert figure.caption in appendix and figure.caption not in body
    for s in doc.models:  # the Grad-CAM of the two feature-map cases and the calibration sentences stay
        r = s.result
        assert all(i.figure.caption in body for i in r.explanation.figures)
        assert r.calibration_notes and all(n in body for n in r.calibration_notes)

    deck = Presentation(str(render(handmade_run, "pptx", lang=lang)))
    # A title's paragraphs, the line breaks the text fitting made undone.
    slides = [{p.text.replace("\x0b", " ") for sh in slide.shapes if sh.has_text_frame for p in sh.text_frame.paragraphs}
              for slide in deck.slides]
    backup = next(i for i, texts in enumerate(slides) if t("deck.layout.backup") in texts)
    assert t("deck.thanks") in slides[backup - 1]
    titles = [text for texts in slides[backup:] for text in texts]
    for part in doc.appendix:  # each part under its heading, after the closing slide
        assert part.heading in titles
    moved = [t("deck.stats.reliability", model=s.label) for s in doc.models]
    moved += [t("deck.layout.feature_maps", model=s.label) for s in doc.models]
    moved += [i.heading for s in doc.models for i in s.result.explanation.detail]
    moved += [d.heading for d in doc.disagreements] + [t("ui.layout.appendix_lr_schedule")]
    moved += [t("code.heading", model=s.label) for s in doc.models]
    for title in moved:
        assert title in titles and not any(title in texts for texts in slides[:backup])
