"""reportgen: train a deep-learning experiment and write its report and slide deck."""

from pathlib import Path

__version__ = "0.1.0"

# Project folders that live beside the package (editable install, see README).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
ASSETS_DIR = PROJECT_ROOT / "assets"
