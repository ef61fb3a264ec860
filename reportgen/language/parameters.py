"""Hyper-parameters as a reader sees them. A searched key such as "train.lr" or
"params.conv_filters" is an id of the experiment file: documents and figures name it with a
phrase ("Laju pembelajaran" / "Learning rate") and write its values with the Formatter.

A `train.` key is named by the training table's own label (`ui.train.<field>`), so a setting
reads the same in the training table and in the search; an architecture's `params.` key by
`ui.arch_param.<name>`. tests/test_tune_then_compare.py checks that every field of TrainConfig and of
every registered architecture's params has its name.
"""

from __future__ import annotations

from typing import Any

from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases

OPTIMIZER_NAMES = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}
# `train.` fields whose label in the training table has a shorter key than the field
PHRASE_OF_FIELD = {"early_stopping_patience": "patience"}


def parameter_name(t: Phrases, key: str) -> str:
    """The reader's name of a dotted experiment key: "train.lr" -> "Laju pembelajaran"."""
    table, _, field = key.partition(".")
    if table == "train":
        return t(f"ui.train.{PHRASE_OF_FIELD.get(field, field)}")
    return t(f"ui.arch_param.{field}")


def parameter_value(f: Formatter, value: Any) -> str:
    """A hyper-parameter's value: 0,0005 (id) / 0.0005 (en); a list as "(128; 256; 512)", since a
    comma is the Indonesian decimal mark; optimizers by their names (SGD, Adam)."""
    if isinstance(value, list):
        return "(" + "; ".join(parameter_value(f, v) for v in value) + ")"
    if isinstance(value, float):
        return f.general(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f.integer(value)
    return OPTIMIZER_NAMES.get(value, str(value))
