"""The fonts the documents use, bundled in assets/fonts with their licences, so output never
depends on the fonts a machine happens to have.

The PDF embeds DejaVu, and Liberation Mono for code listings. The deck cannot embed a font
(python-pptx writes only a font's name), so it names Arial, which every PowerPoint, Keynote and
LibreOffice has or maps, and measures its text with Liberation Sans, Arial's metric-compatible twin
(same advance width for every glyph): a line that fits by Liberation Sans fits in Arial; its code
listings likewise name Courier New and are measured with Liberation Mono."""

from reportgen.resources import ASSETS_DIR

FONT_DIR = ASSETS_DIR / "fonts"
# (family, CSS weight, CSS style, file) of every face the report's stylesheet uses.
FACES = [
    ("DejaVu Sans", "normal", "normal", "DejaVuSans.ttf"),
    ("DejaVu Sans", "bold", "normal", "DejaVuSans-Bold.ttf"),
    ("DejaVu Sans", "normal", "italic", "DejaVuSans-Oblique.ttf"),
    ("DejaVu Serif", "normal", "normal", "DejaVuSerif.ttf"),
    ("DejaVu Serif", "bold", "normal", "DejaVuSerif-Bold.ttf"),
    ("DejaVu Serif", "normal", "italic", "DejaVuSerif-Italic.ttf"),
    ("Liberation Mono", "normal", "normal", "LiberationMono-Regular.ttf"),  # code listings
    ("Liberation Mono", "bold", "normal", "LiberationMono-Bold.ttf"),
    ("Liberation Mono", "normal", "italic", "LiberationMono-Italic.ttf"),  # comments and docstrings
]
# The deck's text family, and the metric-compatible files textfit measures it with.
SANS = "Arial"
SANS_FILES = {False: FONT_DIR / "LiberationSans-Regular.ttf", True: FONT_DIR / "LiberationSans-Bold.ttf"}  # bold -> file
# Code listings in the deck: Courier New, which PowerPoint, Keynote and LibreOffice have or map,
# measured with Liberation Mono, its metric-compatible twin (italic has the regular face's advances).
MONO = "Courier New"
MONO_FILES = {False: FONT_DIR / "LiberationMono-Regular.ttf", True: FONT_DIR / "LiberationMono-Bold.ttf"}
