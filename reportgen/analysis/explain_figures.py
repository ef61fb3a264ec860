"""The figures of explain.py: evaluation images beside their Grad-CAM maps (pytorch-grad-cam's
overlay), every panel titled through the phrase table in one language; explain.py draws each
figure once per language (figures.drawn_in_languages), so the figure's text follows
`reportgen render --lang`.

The panels are pasted into one picture with Pillow rather than drawn as matplotlib axes: a grid
of a few dozen axes takes about a second to lay out and save, a pasted one milliseconds, and these
figures are drawn twice (once per language) for every model and pair of models. Text is set in the
other figures' font (matplotlib's family) at their resolution.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from matplotlib import font_manager
from PIL import Image, ImageDraw, ImageFont
from pytorch_grad_cam.utils.image import show_cam_on_image

from reportgen.analysis.figures import DPI, plt, to_rgb
from reportgen.schema.analysis import CamFacts, Disagreement, MistakeGroup
from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases
from reportgen.rundir import atomic_write_bytes

# Inches a panel: six side by side are about the A4 text width (16 cm), so a report shows the
# titles at about their size in points; the report caps a figure's height at 11 cm, and three
# rows of panels stay below it.
PANEL = round(0.95 * DPI)  # pixels
GAP = round(0.06 * DPI)
TITLE_SIZE = round(9 / 72 * DPI)  # 9 pt, in pixels
LINE = round(1.25 * TITLE_SIZE)
TILE_COLUMNS = 8  # per-class tiles a row: four classes, so twenty tiles take three rows
RIGHT, WRONG, INK = "#1a7f37", "#b42318", "#000000"  # the title's colour says whether the prediction is right
IMAGE_WEIGHT = 0.5  # the image's share in an overlay: the map and the image under it both stay visible
NAME = 14  # characters of a class or model name shown in a title, as in the other figures
# Called with every figure's texts (its headers, then its panels' titles) and its path before it is
# saved: figures.OBSERVERS reads the matplotlib figures, whose texts are objects; these are pixels.
OBSERVERS: list = []


@dataclass(frozen=True)
class Panel:
    pixels: np.ndarray  # (H, W, 3) uint8
    title: str
    colour: str = INK


@lru_cache(maxsize=2)
def font(bold: bool) -> ImageFont.FreeTypeFont:
    family = font_manager.FontProperties(family=plt.rcParams["font.family"], weight="bold" if bold else "normal")
    return ImageFont.truetype(font_manager.findfont(family), TITLE_SIZE)


def overlay(image: torch.Tensor, cam: np.ndarray) -> np.ndarray:
    return show_cam_on_image(to_rgb(image).astype(np.float32) / 255, cam, use_rgb=True, image_weight=IMAGE_WEIGHT)


def tile(pixels: np.ndarray) -> Image.Image:
    """A panel's picture at PANEL pixels: small images keep their pixels sharp, large ones are
    filtered down."""
    image = Image.fromarray(pixels)
    smaller = image.width < PANEL
    return image.resize((PANEL, PANEL), Image.Resampling.NEAREST if smaller else Image.Resampling.LANCZOS)


def grid(rows: list[list[Panel | None]], path: Path, headers: tuple[str, ...] = ()) -> None:
    """Panels in rows (None leaves a gap), each under its title; `headers` label equal groups of
    columns, left to right."""
    columns = max(len(row) for row in rows)
    lines = max(p.title.count("\n") + 1 for row in rows for p in row if p)
    top = LINE + GAP if headers else 0
    row_height = lines * LINE + PANEL + GAP
    canvas = Image.new("RGB", (columns * (PANEL + GAP) - GAP, top + len(rows) * row_height - GAP), "white")
    draw = ImageDraw.Draw(canvas)
    group = canvas.width / max(1, len(headers))
    for k, header in enumerate(headers):
        draw.text(((k + 0.5) * group, 0), header, fill=INK, font=font(True), anchor="mt")
    for r, row in enumerate(rows):
        y = top + r * row_height
        for c, p in enumerate(row):
            if p is None:
                continue
            x = c * (PANEL + GAP)
            title = p.title.split("\n")
            for i, text in enumerate(title):  # bottom-aligned: the last line sits on the picture
                draw.text((x + PANEL / 2, y + (lines - len(title) + i) * LINE), text, fill=p.colour, font=font(False),
                          anchor="mt")
            canvas.paste(tile(p.pixels), (x, y + lines * LINE))
    for observe in OBSERVERS:
        observe([*headers, *(p.title for row in rows for p in row if p)], path)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", dpi=(DPI, DPI))
    atomic_write_bytes(path, buffer.getvalue())


def colour(c: CamFacts) -> str:
    return RIGHT if c.true_label == c.pred_label else WRONG


def image_panel(images: torch.Tensor, c: CamFacts, t: Phrases) -> Panel:
    return Panel(to_rgb(images[c.index]), t("explain.figure.true", label=c.true_label[:NAME]))


def map_panel(images: torch.Tensor, cam: np.ndarray, c: CamFacts, t: Phrases, f: Formatter) -> Panel:
    return Panel(overlay(images[c.index], cam), t("explain.figure.pred", label=c.pred_label[:NAME],
                                                  confidence=f.percent(c.confidence)), colour(c))


def cases(images: torch.Tensor, cams: dict[int, np.ndarray], items: list[CamFacts], t: Phrases, f: Formatter,
          path: Path) -> None:
    """The feature-map cases, each image beside its map, under a header saying right or wrong."""
    grid([[p for c in items for p in (image_panel(images, c, t), map_panel(images, cams[c.index], c, t, f))]], path,
         tuple(t("explain.figure.correct" if c.true_label == c.pred_label else "explain.figure.wrong") for c in items))


def per_class(images: torch.Tensor, cams: dict[int, np.ndarray], items: list[CamFacts], t: Phrases, f: Formatter,
              path: Path) -> None:
    """Each class's correct and wrong image as maps over the image, TILE_COLUMNS // 2 classes a row."""
    slots: dict[str, list[Panel | None]] = {}
    for c in items:
        tile = Panel(overlay(images[c.index], cams[c.index]), t(
            "explain.figure.tile", true=c.true_label[:NAME], pred=c.pred_label[:NAME],
            confidence=f.percent(c.confidence)), colour(c))
        slots.setdefault(c.true_label, [None, None])[c.true_label != c.pred_label] = tile
    flat = [p for pair in slots.values() for p in pair]
    grid([flat[i:i + TILE_COLUMNS] for i in range(0, len(flat), TILE_COLUMNS)], path)


def gallery(images: torch.Tensor, cams: dict[int, np.ndarray], items: list[MistakeGroup], t: Phrases, f: Formatter,
            path: Path) -> None:
    """One row per confused pair: its most confident mistakes, each image beside its map."""
    grid([[p for c in group.images for p in (image_panel(images, c, t), map_panel(images, cams[c.index], c, t, f))]
          for group in items if group.images], path)


def disagreement(images: torch.Tensor, cams_a: dict[int, np.ndarray], cams_b: dict[int, np.ndarray],
                 d: Disagreement, t: Phrases, f: Formatter, path: Path) -> None:
    """Left, the images only model a gets right; right, those only b gets right: each image, then
    a's map and b's map, titled with that model's prediction."""
    def model_panel(cams: dict[int, np.ndarray], model: str, c: CamFacts) -> Panel:
        mark = "✓" if c.true_label == c.pred_label else "✗"
        return Panel(overlay(images[c.index], cams[c.index]), t(
            "explain.figure.model_pred", model=model[:NAME], mark=mark, label=c.pred_label[:NAME],
            confidence=f.percent(c.confidence)), colour(c))

    def triple(item) -> list[Panel | None]:
        if item is None:
            return [None] * 3
        return [image_panel(images, item.a, t), model_panel(cams_a, d.a, item.a), model_panel(cams_b, d.b, item.b)]

    depth = max(len(d.a_right), len(d.b_right))
    padded = [kind + [None] * (depth - len(kind)) for kind in (d.a_right, d.b_right)]
    grid([triple(left) + triple(right) for left, right in zip(*padded)], path,
         (t("explain.figure.only_right", model=d.a[:NAME]), t("explain.figure.only_right", model=d.b[:NAME])))
