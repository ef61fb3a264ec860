"""What every run-file schema shares: the one representation of a number that is not finite, and
the schema version each JSON file kind carries.

Non-finite numbers: JSON has no NaN or infinity, so a value that is not a finite number (a loss
that overflowed, the mean of an activation that did) is stored as null and held as None in memory.
`Finite` is that type; `reportgen.language.format` prints None as "–".

Versions: each JSON file kind has its own constant below, raised whenever its fields change
meaning or a required one is added. `reportgen.rundir.read_model` compares a file's
`schema_version` with its kind's constant before validating it.
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, model_validator


def _finite_or_none(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


# A float that may be missing or not finite: NaN, inf and -inf arrive (from a computation, or as
# "nan" in a CSV) and are stored as None, so a model always survives its own JSON.
Finite = Annotated[float | None, AfterValidator(_finite_or_none)]

# analysis.json; 2: figures by language-free ids, models by ModelKey, verdicts and states;
# 3: every model's curves, learning rates and reliability diagrams as one figure each, and the
# models each objective names
ANALYSIS_VERSION = 3
DATASET_VERSION = 1  # dataset.json
ENVIRONMENT_VERSION = 1  # environment.json
METRICS_VERSION = 1  # <model>/metrics.json
TUNING_VERSION = 1  # the search's summary.json, and its copy tuning.json in a run


class RunFile(BaseModel):
    """A JSON file of a run directory. `VERSION` is its kind's constant; `UNVERSIONED` says how a
    file written before versions existed (no `schema_version`) is read: "read" validates it as
    the current version (the fields added since have defaults), "stale" treats it as another
    version (the analysis, which is recomputed from the run's files)."""

    VERSION: ClassVar[int]
    UNVERSIONED: ClassVar[str] = "read"
    schema_version: int

    @model_validator(mode="before")
    @classmethod
    def _current_version(cls, data):
        # A model built in code is of the current version; a file's own number is checked by
        # read_model before validation, so filling it here never hides an old file.
        if isinstance(data, dict) and "schema_version" not in data:
            return {**data, "schema_version": cls.VERSION}
        return data


class _NamesModel:
    """The mark of a field that names a model (see ModelKey)."""

    def __repr__(self) -> str:
        return "names a model"


NAMES_MODEL = _NamesModel()
# A model's language-free key: its label, or for an unlabelled model its arch id (then
# ModelAnalysis.default_label). Every field that names a model has this type, so that a document
# names a default-labelled model in its own language wherever the analysis names it
# (reportgen/report/names.py).
ModelKey = Annotated[str, NAMES_MODEL]
