"""Text made safe for LaTeX: every string of the document (user text included) becomes characters
that pdflatex prints as they are, never commands. The ten special characters become the commands
that print them; sequences that T1 fonts turn into ligatures (`--`, `''`, `<<`, `,,`) are split;
symbols outside what inputenc's utf8 and the T1 encoding print are either mapped to a command (×, ≥)
or written as their code point ("[U+65E5]"), so an unusual character never stops the compile."""

from __future__ import annotations

import re
import unicodedata

SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "%": r"\%",
    "_": r"\_\allowbreak{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    '"': r"\textquotedbl{}", "'": r"\textquotesingle{}", "`": r"\textasciigrave{}",
    "/": r"/\allowbreak{}",  # a long path or address may break after a slash rather than overflow
    "\t": " ", "\n": " ", "\r": " ",
}
# Symbols the document's phrases use that T1 has no glyph for: (text, what a PDF bookmark shows).
SYMBOLS = {
    "×": r"\texttimes{}", "±": r"\textpm{}", "·": r"\textperiodcentered{}", "−": r"\textminus{}",
    "→": r"\textrightarrow{}", "≤": r"\ensuremath{\leq}", "≥": r"\ensuremath{\geq}", "α": r"\ensuremath{\alpha}",
    "✓": r"\ensuremath{\surd}", "✗": r"\texttimes{}", "\u2003": r"\hspace*{1em}", "\u00a0": "~",
}
# Beyond Latin-1 and Latin Extended-A, the punctuation inputenc's utf8 maps for T1.
PRINTABLE = set("–—‘’“”…•€‰†‡‹›„‚")
LIGATURE_START, LIGATURE_NEXT = set("-<>,!?"), set("-<>,`'")


def prints(char: str) -> bool:
    return (" " <= char <= "~") or ("\u00a1" <= char <= "\u017f") or char in PRINTABLE


def tex(text: str) -> str:
    """`text` as LaTeX source that prints it literally."""
    out = []
    for i, char in enumerate(text):
        if char in SPECIAL:
            out.append(SPECIAL[char])
        elif char in SYMBOLS:
            out.append(SYMBOLS[char])
        elif prints(char):
            following = text[i + 1:i + 2]
            out.append(char + "{}" if char in LIGATURE_START and following in LIGATURE_NEXT else char)
        elif unicodedata.category(char).startswith("C"):
            continue  # control and format characters print nothing
        else:
            out.append(f"[U+{ord(char):04X}]")
    return "".join(out)


def tex_heading(text: str) -> str:
    """A heading's text: also a PDF bookmark, where only plain characters belong."""
    return rf"\texorpdfstring{{{tex(text)}}}{{{bookmark(text)}}}"


def bookmark(text: str) -> str:
    """Letters, digits and plain punctuation; every other character a space (a bookmark cannot run
    commands, and hyperref warns about each one it drops)."""
    return "".join(c if c.isalnum() and prints(c) or c in " .,:;()+-" else " " for c in text)


def tex_url(url: str) -> str:
    """A web address as \\href's first argument: characters outside an address's own are
    percent-encoded, and the three hyperref reads specially (# % \\) escaped."""
    safe = re.sub(r"[^A-Za-z0-9\-._~:/?#\[\]@!&'()*+,;=%]", lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), url)
    return safe.replace("%", r"\%").replace("#", r"\#")


def tex_key(id: str) -> str:
    """A document id in the characters a \\label key and a file name both allow."""
    return re.sub(r"[^A-Za-z0-9-]", lambda m: f"-{ord(m[0]):x}-", id)


def tex_label(kind: str, id: str) -> str:
    return f"{kind}:{tex_key(id)}"
