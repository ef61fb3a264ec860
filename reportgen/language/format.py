"""Number and date formatting shared by the narrative and every renderer, so a number reads the
same in the PDF, the HTML page and the deck.

Indonesian uses a decimal comma and a thousands dot (89,26%; 21.287.237); English the
reverse (89.26%; 21,287,237). Percentages have two decimals, losses four, as in the seeds.
A value that is missing or not a finite number (None, as the run files store it; or NaN/inf) is
"–" in every format, never "nan" or "inf".
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable

MONTHS = {
    "id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
           "Oktober", "November", "Desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
}
AND = {"id": "dan", "en": "and"}
SECONDS = {"id": "detik", "en": "s"}
MISSING = "–"


def is_number(value: float | None) -> bool:
    """Whether `value` is a finite number (not None, NaN or an infinity)."""
    return value is not None and math.isfinite(value)


def dash_unless_finite(method: Callable[..., str]) -> Callable[..., str]:
    """A number format that writes MISSING for None, NaN and infinities."""

    @functools.wraps(method)
    def formatted(self, value, *args, **kwargs) -> str:
        if not is_number(value):
            return MISSING
        return method(self, value, *args, **kwargs)

    return formatted


class Formatter:
    def __init__(self, lang: str):
        self.lang = lang

    def _localise(self, text: str) -> str:
        # Python formats the English way; swap separators for Indonesian.
        if self.lang == "id":
            return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text

    def localise(self, text: str) -> str:
        """A number another library wrote the English way (a figure's tick label), with the
        language's separators."""
        return self._localise(text)

    @dash_unless_finite
    def number(self, value: float | None, decimals: int = 2) -> str:
        return self._localise(f"{value:,.{decimals}f}")

    @dash_unless_finite
    def general(self, value: float | None) -> str:
        """Shortest form of a hyper-parameter (0.0005, 1e-05), with the language's decimal mark."""
        return self._localise(f"{value:g}")

    @dash_unless_finite
    def integer(self, value: int | None) -> str:
        return self._localise(f"{int(value):,}")

    @dash_unless_finite
    def percent(self, fraction: float | None) -> str:
        """0.8926 -> '89,26%' (id) / '89.26%' (en)."""
        return self.number(100 * fraction, 2) + "%"

    @dash_unless_finite
    def pp(self, points: float | None, signed: bool = True) -> str:
        """A difference of percentages, in percentage points: +10,36 pp (never '%')."""
        sign = "+" if signed and points > 0 else ("−" if points < 0 else "")
        return f"{sign}{self.number(abs(points), 2)} pp"

    @dash_unless_finite
    def p_value(self, p: float | None) -> str:
        """A p-value with three decimals, or "< 0,001": smaller values claim a precision the test's
        assumptions do not give."""
        return "< " + self.number(0.001, 3) if p < 0.001 else self.number(p, 3)

    def p_statement(self, p: float) -> str:
        """"p = 0,038" or "p < 0,001", as a sentence states it."""
        shown = self.p_value(p)
        return f"p {shown}" if shown.startswith("<") else f"p = {shown}"

    def interval(self, low: str, high: str) -> str:
        """Formatted bounds as "[85,10%; 92,30%]": a semicolon, since the comma is Indonesian's decimal mark."""
        return f"[{low}; {high}]"

    @dash_unless_finite
    def change_pct(self, pct: float | None, signed: bool = True) -> str:
        """A relative change, in percent: +37,8%; small ones keep two decimals (−0,01%), so a
        change never reads as "−0,0%". Unsigned when a sentence says the direction in words."""
        sign = "" if not signed else "+" if pct > 0 else ("−" if pct < 0 else "")
        return f"{sign}{self.number(abs(pct), 1 if abs(pct) >= 1 or pct == 0 else 2)}%"

    def decimal(self, value: float | None) -> str:
        """A loss, or a 0–1 score (precision, recall, F1), with four decimals as in the reference documents' tables."""
        return self.number(value, 4)

    def listing(self, items: list[str]) -> str:
        """Names in a sentence: "a dan b", "a, b, dan c" (en "a and b", "a, b, and c")."""
        if len(items) <= 2:
            return f" {AND[self.lang]} ".join(items)
        return f"{', '.join(items[:-1])}, {AND[self.lang]} {items[-1]}"

    def vector(self, values: list[float]) -> str:
        """A tuple of decimals, e.g. a normalisation's per-channel mean: "(0,5; 0,4914; 0,4465)";
        Indonesian separates the items with semicolons, since its decimal mark is the comma.
        Up to four decimals, without trailing zeros."""
        shown = [self._localise(f"{x:.4f}".rstrip("0").rstrip(".")) if is_number(x) else MISSING for x in values]
        return "(" + ("; " if self.lang == "id" else ", ").join(shown) + ")"

    @dash_unless_finite
    def seconds(self, value: float | None) -> str:
        """A duration: "45,1 detik" / "45.1 s"."""
        return f"{self.number(value, 1)} {SECONDS[self.lang]}"

    def date(self, day: dt.date) -> str:
        month = MONTHS[self.lang][day.month - 1]
        return f"{day.day} {month} {day.year}" if self.lang == "id" else f"{month} {day.day}, {day.year}"
