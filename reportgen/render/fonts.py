"""The one font family every document uses: DejaVu, shipped inside matplotlib, so output never
depends on the fonts a machine happens to have."""

from pathlib import Path

import matplotlib

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
