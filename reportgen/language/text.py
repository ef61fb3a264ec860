"""User text (titles, names, class labels) made safe to put in any document; escaping for HTML
is the template engine's job, this only drops what no document format may hold."""

import re

# XML 1.0 forbids the first set (PowerPoint refuses a file with them; HTML shows them as junk); the
# bidirectional embeddings, overrides and isolates would reverse the text around them.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def clean_user_text(text: str) -> str:
    return CONTROL_CHARS.sub("", text)
