"""The figures of pictures drawn with matplotlib, from the run's figure data: the sample images of
each class, and a feature-map case (the input beside each stage's first channels). Their only words
are the dataset's class names and the model's stage names, with numbers."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw

from reportgen.figures.files import FEATURE_CHANNELS, SAMPLE_CLASSES, SAMPLES_PER_CLASS
from reportgen.figures.style import DPI, font, plt, save, save_picture, tile
from reportgen.language.phrases import Phrases

SAMPLE_LABEL_PT = 8  # the grid is drawn at its printed size (at most 12.75 x 6.5 cm), so this prints as is
# A feature-map case is half the text width (style.HALF): six cells of 0.75 in with their gaps. Its stage names are set at
# 11 pt, as the curves' labels beside it, and print at about 7.5 pt.
CELL, GAP = round(0.75 * DPI), round(0.05 * DPI)
LABEL_PT = 11
LABEL_LINE = round(1.6 * LABEL_PT / 72 * DPI)


def samples_grid(images: np.ndarray, labels: np.ndarray, classes: list[str], t: Phrases, path: Path) -> None:
    """A few images (N, H, W, 3) of every class (the first SAMPLE_CLASSES classes), classes in two
    columns of rows, each row a class name and its images. Drawn at the size it prints, so its
    labels print at SAMPLE_LABEL_PT."""
    shown = classes[:SAMPLE_CLASSES]
    groups = 2 if len(shown) > 5 else 1
    per_class = SAMPLES_PER_CLASS if groups == 1 else SAMPLES_PER_CLASS * 2 // 3
    rows = -(-len(shown) // groups)
    label_w = 1.0  # inches for a name of up to 16 characters at SAMPLE_LABEL_PT
    # inches per image: the rows fit the report's 6.5 cm (2.56 in) and the columns 12.75 cm (5 in)
    cell = min(0.5, 2.45 / rows, (4.9 - groups * label_w) / (groups * per_class))
    fig = plt.figure(figsize=(groups * (label_w + per_class * cell), rows * cell))
    grid = fig.add_gridspec(rows, groups * (per_class + 1), wspace=0.05, hspace=0.08,
                            width_ratios=([label_w / cell] + [1] * per_class) * groups, left=0, right=1,
                            bottom=0, top=1)
    for k, name in enumerate(shown):
        row, base = k % rows, (k // rows) * (per_class + 1)
        label = fig.add_subplot(grid[row, base])
        label.axis("off")
        label.text(0.95, 0.5, name[:16], ha="right", va="center", fontsize=SAMPLE_LABEL_PT)
        picks = np.flatnonzero(labels == k)[:per_class]
        for col in range(per_class):
            ax = fig.add_subplot(grid[row, base + 1 + col])
            ax.axis("off")
            if col < len(picks):
                ax.imshow(images[picks[col]], interpolation="nearest")
    save(fig, path, t)


def feature_grid(image: np.ndarray, stages: dict[str, tuple[list[int], np.ndarray]], t: Phrases, path: Path) -> None:
    """The input image (H, W, 3) beside, for each stage, its first activation maps: {stage: (the
    stage's full shape, its first channels (c, h, w) as indices of viridis's colours)}, one row a
    stage under its name and shape. Half the text width: a model's correct and wrong case
    print side by side. Pasted with Pillow: as matplotlib axes, the six per stage took over a second
    to lay out, the largest part of a document's drawing."""
    rows, width = len(stages), (FEATURE_CHANNELS + 1) * (CELL + GAP) - GAP
    row_height = LABEL_LINE + CELL + GAP
    canvas = Image.new("RGB", (width, rows * row_height), "white")
    draw = ImageDraw.Draw(canvas)
    canvas.paste(tile(image, CELL), (0, LABEL_LINE))
    viridis = matplotlib.colormaps["viridis"]
    for r, (stage, (shape, channels)) in enumerate(stages.items()):
        y = r * row_height
        # Its shape as the stage table writes one: "4×16×16" has no comma to mistake for a decimal one.
        draw.text((CELL + GAP, y + LABEL_LINE - GAP), f"{stage} ({'×'.join(map(str, shape))})", fill="black",
                  font=font(LABEL_PT), anchor="ls")
        for c, channel in enumerate(channels[:FEATURE_CHANNELS]):
            coloured = viridis(channel, bytes=True)[..., :3]  # integers index the colour map
            canvas.paste(tile(np.ascontiguousarray(coloured), CELL), ((c + 1) * (CELL + GAP), y + LABEL_LINE))
    save_picture(canvas, [f"{stage} ({'×'.join(map(str, shape))})" for stage, (shape, _) in stages.items()], path)
