"""Where the files reportgen ships beside its code are: templates (report HTML and CSS, phrase
tables, bibliography) and assets (fonts with their licence, images).

The project keeps them in the top-level templates/ and assets/ folders; pyproject maps those to the
packages `reportgen.templates` and `reportgen.assets`, so importlib.resources finds them in an
installed wheel exactly as in a checkout. pip installs packages as plain files, so they are paths.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

TEMPLATES_DIR = Path(str(files("reportgen.templates")))
ASSETS_DIR = Path(str(files("reportgen.assets")))
