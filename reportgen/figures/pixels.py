"""The figures of pictures drawn with matplotlib, from the run's figure data: the sample images of
each class, and a feature-map case (the input beside each stage's first channels). Their only words
are the dataset's class names and the model's stage names, with numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reportgen.figures.files import FEATURE_CHANNELS, SAMPLE_CLASSES, SAMPLES_PER_CLASS
from reportgen.figures.style import HALF, plt, save
from reportgen.language.phrases import Phrases

SAMPLE_LABEL_PT = 8  # the grid is drawn at its printed size (at most 12.75 x 6.5 cm), so this prints as is


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
    stage's full shape, its first channels (c, h, w))}. Sized like HALF: a model's correct and
    wrong case print side by side, labels at about 7.5 pt."""
    rows = len(stages)
    fig, axes = plt.subplots(rows, FEATURE_CHANNELS + 1, figsize=(HALF[0], rows * 0.95 + 0.5), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    axes[0, 0].imshow(image, interpolation="nearest")
    for r, (stage, (shape, channels)) in enumerate(stages.items()):
        # Its shape as the stage table writes one: "4×16×16" has no comma to mistake for a decimal one.
        axes[r, 1].set_title(f"{stage} ({'×'.join(map(str, shape))})", fontsize=11, loc="left")
        for c, channel in enumerate(channels[:FEATURE_CHANNELS]):
            axes[r, c + 1].imshow(channel.astype(np.float32), cmap="viridis", interpolation="nearest")
    fig.subplots_adjust(wspace=0.05, hspace=0.35)
    save(fig, path, t)
