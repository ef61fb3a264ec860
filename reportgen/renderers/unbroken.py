"""Words a line must never break inside: identifiers, numbers, code and file names. The report
hyphenates its running text (the page's lang picks the patterns), but a pattern made for
Indonesian or English words cuts "BatchNorm2d" into "BatchNor‐m2d" and "ResNet-34" into
"Res‐Net-34". Such a word is wrapped in a span that the stylesheet sets to `hyphens: manual`, so
it breaks only at a hyphen or a space of its own."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# A word holding a digit, an inner capital (CamelCase), or an underscore, slash or dot between
# letters is a name or a number, never a word of the language.
IDENTIFIER = re.compile(r"\S*(?:\d|[a-z][A-Z]|\w[_/.]\w)\S*")


def keep_whole(text: str) -> Markup:
    """`text` escaped, each identifier or number in it inside <span class="whole">."""
    out, end = [], 0
    for match in IDENTIFIER.finditer(text):
        out += [escape(text[end:match.start()]), Markup('<span class="whole">'), escape(match.group()),
                Markup("</span>")]
        end = match.end()
    out.append(escape(text[end:]))
    return Markup("").join(out)
