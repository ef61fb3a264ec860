"""User text (titles, names, class labels, file names) made safe to show anywhere: in a document
or on a terminal. Escaping for HTML is the template engine's job; this only drops what no document
format may hold and what a terminal would obey as a command."""

import re

# XML 1.0 forbids the C0 controls (PowerPoint refuses a file with them; HTML shows them as junk);
# ESC starts a terminal's escape sequences (colours, the window title, a cleared screen) and the C1
# controls (U+0080-U+009F) are their one-byte forms; the bidirectional marks, embeddings, overrides
# and isolates would reverse the text around them. Tab and newline stay: they are layout.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff"
                           "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_user_text(text: str) -> str:
    return CONTROL_CHARS.sub("", text)


def terminal_text(text: str) -> str:
    """Text for a terminal line: clean, and without the carriage return that would let the text
    after it overwrite what came before."""
    return clean_user_text(text).replace("\r", "")
