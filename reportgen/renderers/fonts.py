"""The fonts the documents use, bundled in assets/fonts with their licences, so output never
depends on the fonts a machine happens to have.

The PDF embeds DejaVu. The deck cannot embed a font (python-pptx writes only a font's name), so it
names Arial, which every PowerPoint, Keynote and LibreOffice has or maps, and measures its text
with Liberation Sans, Arial's metric-compatible twin (same advance width for every glyph): a line
that fits by Liberation Sans fits in Arial."""

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
]
# The deck's one family, and the metric-compatible files textfit measures it with.
SANS = "Arial"
SANS_FILES = {False: FONT_DIR / "LiberationSans-Regular.ttf", True: FONT_DIR / "LiberationSans-Bold.ttf"}  # bold -> file
