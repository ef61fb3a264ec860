"""The phrase table: every sentence and label a reader sees, in Indonesian and English.

Phrases live in templates/phrases/*.toml as `key = { id = "...", en = "..." }`, grouped in
tables (`[narrative]`, `[ui]`, ...). Placeholders use str.format syntax with names
(`{model}`, `{acc}`); callers pass values already formatted by reportgen.language.format.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from typing import Any

from reportgen.resources import TEMPLATES_DIR

LANGUAGES = ("id", "en")
PHRASES_DIR = TEMPLATES_DIR / "phrases"


@lru_cache(maxsize=None)
def _table() -> dict[str, dict[str, str]]:
    """Flattened `group.key` -> {"id": ..., "en": ...} from every phrases file."""
    table: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: dict[str, Any], source: str) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict) and set(value) == set(LANGUAGES):
                if name in table:
                    raise ValueError(f"phrase '{name}' is defined twice ({source})")
                table[name] = value
            elif isinstance(value, dict):
                walk(f"{name}.", value, source)
            else:
                raise ValueError(f"phrase '{name}' in {source} needs both 'id' and 'en'")

    for path in sorted(PHRASES_DIR.glob("*.toml")):
        walk("", tomllib.loads(path.read_text(encoding="utf-8")), path.name)
    return table


class Phrases:
    """Phrases of one language: `t("narrative.overfit", model="CNN", gap="3,10")`."""

    def __init__(self, lang: str):
        if lang not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, got {lang!r}")
        self.lang = lang

    def __call__(self, key: str, **values: Any) -> str:
        try:
            text = _table()[key][self.lang]
        except KeyError:
            raise KeyError(f"no phrase '{key}' in {PHRASES_DIR}") from None
        return text.format(**values) if values else text
