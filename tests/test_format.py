"""Number and date formatting shared by every document."""

import datetime as dt

import pytest

from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases, _table


@pytest.mark.parametrize("lang,expected", [
    ("id", ["89,26%", "+10,36 pp", "−18,47 pp", "0,8159", "21.287.237", "+37,8%", "−0,01%", "3 Oktober 2025", "0,0005"]),
    ("en", ["89.26%", "+10.36 pp", "−18.47 pp", "0.8159", "21,287,237", "+37.8%", "−0.01%", "October 3, 2025", "0.0005"]),
])
def test_formats(lang, expected):
    f = Formatter(lang)
    assert [f.percent(0.8926), f.pp(10.36), f.pp(-18.47), f.decimal(0.81594), f.integer(21_287_237),
            f.change_pct(37.83), f.change_pct(-0.0078), f.date(dt.date(2025, 10, 3)), f.general(5e-4)] == expected


def test_every_phrase_exists_in_both_languages():
    assert _table() and all(set(v) == {"id", "en"} and all(v.values()) for v in _table().values())
    with pytest.raises(KeyError, match="no phrase"):
        Phrases("id")("ui.does_not_exist")
