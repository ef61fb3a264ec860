"""Which models each written objective names, so that the Kesimpulan can answer the objectives in
turn. An objective names a model when its text holds the model's label, or every word of a label of
several words ("Pre-activation ResNet-34" in "modifikasi ResNet-34 (Multi-Path dan Pre-activation)");
case is ignored and a word must stand alone (ResNet-34 is not found inside ResNet-345)."""

from __future__ import annotations

import re

from reportgen.schema.analysis import ObjectiveScope


def mentions(text: str, phrase: str) -> bool:
    """`phrase` occurs in `text` as a whole word (letters, digits and hyphens on neither side)."""
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text, flags=re.IGNORECASE) is not None


def names(text: str, label: str) -> bool:
    return mentions(text, label) or all(mentions(text, word) for word in label.split())


def objective_scopes(objectives: list[str], labels: list[str]) -> list[ObjectiveScope]:
    """Per objective, in order, the labels of the run's models it names (empty: it names none)."""
    return [ObjectiveScope(models=[label for label in labels if names(text, label)]) for text in objectives]
