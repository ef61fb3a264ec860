"""The one place a document's model names are chosen: a model the experiment left unlabelled is
keyed by its arch id in every run file (language-free: its folder is the same whatever the
report's language), and a document names it by its architecture in the document's language
(`ui.arch.<arch>`), everywhere the analysis names it. build_document applies this first, so
every section, sentence and figure reads the names of the document's language."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from reportgen.language.phrases import Phrases
from reportgen.schema.analysis import Analysis
from reportgen.schema.base import NAMES_MODEL


def names_model(field: FieldInfo) -> bool:
    """Whether a field is a ModelKey, a list of them or an optional one."""
    return NAMES_MODEL in field.metadata or any(NAMES_MODEL in getattr(arg, "__metadata__", ())
                                                 for arg in get_args(field.annotation))


def rename(node: Any, names: dict[str, str]) -> None:
    """Every ModelKey under `node` (a model of the analysis tree, or a list or dict of them) with
    its name from `names`, in place."""
    if isinstance(node, (list, tuple)):
        for item in node:
            rename(item, names)
    elif isinstance(node, dict):
        rename(list(node.values()), names)
    elif isinstance(node, BaseModel):
        for name, field in type(node).model_fields.items():
            value = getattr(node, name)
            if not names_model(field):
                rename(value, names)
            elif isinstance(value, list):
                setattr(node, name, [names.get(v, v) for v in value])
            elif value is not None:
                setattr(node, name, names.get(value, value))


def in_language(analysis: Analysis, lang: str) -> Analysis:
    """The analysis with each default-labelled model named in `lang` (a copy; unchanged when there
    is none), in its tree and in the experiment it records."""
    t = Phrases(lang)
    names = {m.label: t(f"ui.arch.{m.arch}") for m in analysis.models if m.default_label}
    if not names:
        return analysis
    named = analysis.model_copy(deep=True)
    rename(named, names)
    experiment = named.experiment
    for spec in experiment.get("models", []):
        for key in ("label", "parent"):
            spec[key] = names.get(spec.get(key), spec.get(key))
    for table, key in (("report", "baseline"), ("tune", "model")):
        if isinstance(experiment.get(table), dict) and experiment[table].get(key) in names:
            experiment[table][key] = names[experiment[table][key]]
    return named
