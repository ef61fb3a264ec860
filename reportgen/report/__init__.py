"""The report: the analysis turned into one format-free document tree (document.py) in one
language. Each part of the document has its module, all reading one Context (context.py):

    front.py        title block, Pendahuluan and its objectives
    methods.py      Metodologi: dataset, environment, training recipes, architectures by stage
    results.py      final results per model and what its curves show
    comparison.py   the comparison of the models and what the pair tests allow to be said
    confusion.py    confusion matrices, per-class metrics, intervals and calibration
    explanation.py  feature maps, Grad-CAM, galleries of mistakes, disagreements
    tuning.py       the hyper-parameter search
    discussion.py   Diskusi and Kesimpulan
    qualitative.py  the qualitative table, each variant's outcome and limits, the key insight
    closing.py      the statement of tools used, references and links
    appendix.py     the lettered parts after the body
    slides.py       the deck's slide titles and cards

Verdicts are the analysis's (reportgen/analysis/verdicts.py); this package chooses their words.
Renderers lay out the document and nothing else.

    build_document(analysis, lang, vector=False) -> Document  (vector: the plots also as PDFs)

A document's figures are checked as it is built and painted when a renderer first reads one.
"""

from __future__ import annotations

from reportgen.report.appendix import appendix
from reportgen.report.closing import references_section, tools_section
from reportgen.report.comparison import comparison_section
from reportgen.report.confusion import confusion_section
from reportgen.report.context import Context, present
from reportgen.report.discussion import conclusion_section, discussion_section
from reportgen.report.document import Document, Section, Words
from reportgen.report.explanation import explanation_section, feature_map_section
from reportgen.report.front import introduction, title_block
from reportgen.report.methods import methodology
from reportgen.report.names import in_language
from reportgen.report.results import final_results
from reportgen.report.slides import deck_text
from reportgen.report.tuning import tuning_section
from reportgen.schema.analysis import Analysis


def build_document(analysis: Analysis, lang: str, vector: bool = False) -> Document:
    analysis = in_language(analysis, lang)  # first: every part below reads the models' names in `lang`
    cx = Context(analysis, lang, vector)
    front = title_block(cx)  # first: a logo that cannot be shown is refused before any figure is drawn
    parts = appendix(cx)  # before the body: it points only to the parts that have content
    results = Section("results", cx.say("ui.section.results"), subsections=present(
        final_results(cx), comparison_section(cx), confusion_section(cx), feature_map_section(cx),
        explanation_section(cx), tuning_section(cx)))
    body = [introduction(cx), methodology(cx), results, discussion_section(cx), conclusion_section(cx),
            tools_section(cx), references_section(cx)]
    words = Words(table=cx.say("ui.table"), figure=cx.say("ui.figure"), appendix=cx.say("ui.layout.appendix"),
                  contents=cx.say("ui.contents"), continued=cx.say("deck.continued"))
    return Document(lang=lang, run=cx.run, front=front, body=body, appendix=parts, words=words,
                    deck=deck_text(cx), drawings=cx.drawings)
