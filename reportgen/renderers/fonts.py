"""The one font family every document uses: DejaVu, bundled in assets/fonts with its licence, so
output never depends on the fonts a machine happens to have."""

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
# The deck's one family, measured by textfit with the very files it names.
SANS = "DejaVu Sans"
SANS_FILES = {False: FONT_DIR / "DejaVuSans.ttf", True: FONT_DIR / "DejaVuSans-Bold.ttf"}  # bold -> file
