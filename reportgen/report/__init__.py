"""The report: the analysis tree turned into one format-free document (document.py) in one
language, with the narrative (narrative.py) generated from the same facts. Renderers lay out
the document and nothing else.

    build_document(analysis, lang) -> Document
"""

from __future__ import annotations

from pathlib import Path

from reportgen.schema.analysis import Analysis
from reportgen.config import validate_experiment
from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases
from reportgen.report import qualitative, sections
from reportgen.report.document import Document
from reportgen.report.names import in_language
from reportgen.report.narrative import narrate


def build_document(analysis: Analysis, lang: str) -> Document:
    analysis = in_language(analysis, lang)  # first: every part below reads the models' names in `lang`
    cx = sections.Context(a=analysis, exp=validate_experiment(analysis.experiment, "analysis.json"),
                          t=Phrases(lang), f=Formatter(lang), run=Path(analysis.run_dir))
    narrative = narrate(analysis, lang)
    doc = Document(
        lang=lang,
        front=sections.front_matter(cx),
        dataset=sections.dataset_section(cx),
        environment=sections.environment_table(cx),
        training=sections.training_table(cx),
        models=[sections.model_section(cx, m, story) for m, story in zip(analysis.models, narrative.models)],
        comparison=sections.comparison_section(cx, narrative.comparison),
        training_log=sections.training_log_table(cx),
        tuning=sections.tuning_section(cx),
        discussion=narrative.discussion,
        conclusion=narrative.conclusion,
        references=sections.references(cx),
        disagreements=sections.disagreements(cx, narrative.disagreements),
        qualitative=qualitative.qualitative(cx),
        tools=qualitative.tools_statement(cx),
        links=qualitative.links(cx),
    )
    doc.appendix = sections.appendix_parts(cx, doc)
    return doc
