"""Where the files reportgen ships beside its code are: templates (report HTML and CSS, phrase
tables, bibliography), assets (fonts with their licence, images) and the starter experiments.

The project keeps them in the top-level templates/, assets/ and experiments/ folders. A wheel carries
them inside the package (pyproject maps the folders to reportgen/templates, reportgen/assets and
reportgen/experiments); in a checkout,
an editable install or tests run from it, they are beside the package.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent  # pip installs packages as plain files
# The folder holding the package: a checkout's root (with its .git), or site-packages. Source paths
# are shown relative to it ("reportgen/models/cnn.py").
SOURCE_ROOT = PACKAGE.parent


def shipped(folder: str) -> Path:
    inside = PACKAGE / folder
    return inside if inside.is_dir() else PACKAGE.parent / folder


TEMPLATES_DIR = shipped("templates")
ASSETS_DIR = shipped("assets")
EXPERIMENTS_DIR = shipped("experiments")
