"""The Grad-CAM figures: evaluation images beside their maps (pytorch-grad-cam's overlay), every
panel titled through the phrase table in the language drawn, from a model's figure data (its
images and maps, files.cam_data).

A map that is all zero or not finite (files.unusable; CamFacts.map_issue says which) is not drawn:
its panel keeps its title and says in its box why there is no map.

The panels are pasted into one picture with Pillow rather than drawn as matplotlib axes: a grid
of a few dozen axes takes about a second to lay out and save, a pasted one milliseconds. Text is
set in the other figures' font (matplotlib's family) at their resolution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from reportgen.figures.files import drawn_map
from reportgen.figures.style import DPI, font, save_picture, tile
from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases
from reportgen.schema.analysis import CamFacts, Disagreement, MistakeGroup

# Inches a panel: six side by side are about the A4 text width (16 cm), so a report shows the
# titles at about their size in points; the report caps a figure's height at 11 cm, and three
# rows of panels stay below it.
PANEL = round(0.95 * DPI)  # pixels
GAP = round(0.06 * DPI)
TITLE_PT = 9
MIN_TITLE_PT = 6  # a title line is set smaller to fit its panel, down to this
LINE = round(1.25 * TITLE_PT / 72 * DPI)
TILE_COLUMNS = 8  # per-class tiles a row: four classes, so twenty tiles take three rows
RIGHT, WRONG, INK, FRAME = "#1a7f37", "#b42318", "#000000", "#bbbbbb"  # the title's colour says right or wrong
IMAGE_WEIGHT = 0.5  # the image's share in an overlay: the map and the image under it both stay visible
NAME = 14  # characters of a class or model name shown in a title, as in the other figures


@dataclass(frozen=True)
class Maps:
    """A model's figure data: per row of predictions.csv, its image (H, W, 3) uint8 and map (H, W)."""

    images: dict[int, np.ndarray]
    maps: dict[int, np.ndarray]

    @classmethod
    def of(cls, arrays: dict[str, np.ndarray]) -> Maps:
        rows = [int(i) for i in arrays["index"]]
        return cls(dict(zip(rows, arrays["image"])), dict(zip(rows, arrays["map"])))


@dataclass(frozen=True)
class Panel:
    pixels: np.ndarray | None  # (H, W, 3) uint8; None: a frame with `note` inside instead
    title: str
    colour: str = INK
    note: str = ""


def overlay(image: np.ndarray, cam: np.ndarray) -> np.ndarray:
    """A stored image and map (files.stored_maps) as pytorch-grad-cam overlays them."""
    # Imported here: pytorch-grad-cam brings torch and OpenCV (seconds), which a render that finds its
    # Grad-CAM figures in the run's figure cache never needs.
    from pytorch_grad_cam.utils.image import show_cam_on_image

    return show_cam_on_image(image.astype(np.float32) / 255, drawn_map(cam), use_rgb=True, image_weight=IMAGE_WEIGHT)


def fitted(text: str) -> ImageFont.FreeTypeFont:
    """The title font, smaller for a line wider than its panel (long names), so that it neither
    runs into its neighbour's title nor off the picture."""
    full = font(TITLE_PT)
    width = full.getlength(text)
    if width <= PANEL:
        return full
    pixels = math.floor(full.size * PANEL / width)  # whole pixels, as the font is set: never rounded up past the panel
    return font(max(MIN_TITLE_PT, pixels * 72 / DPI))


def title_lines(title: str) -> list[str]:
    """A panel title's lines; one wider than its panel even at MIN_TITLE_PT (two long class names)
    is broken at the space nearest its middle, so that it stays within its panel."""
    lines = []
    for line in title.split("\n"):
        spaces = [i for i, ch in enumerate(line) if ch == " "]
        if font(MIN_TITLE_PT).getlength(line) <= PANEL or not spaces:
            lines.append(line)
            continue
        cut = min(spaces, key=lambda i: abs(i - len(line) / 2))
        lines += [line[:cut], line[cut + 1:]]
    return lines


def grid(rows: list[list[Panel | None]], path: Path, headers: tuple[str, ...] = ()) -> None:
    """Panels in rows (None leaves a gap), each under its title; `headers` label equal groups of
    columns, left to right. Its texts: the headers, then the panels' titles and notes."""
    columns = max(len(row) for row in rows)
    lines = max(len(title_lines(p.title)) for row in rows for p in row if p)
    top = LINE + GAP if headers else 0
    row_height = lines * LINE + PANEL + GAP
    canvas = Image.new("RGB", (columns * (PANEL + GAP) - GAP, top + len(rows) * row_height - GAP), "white")
    draw = ImageDraw.Draw(canvas)
    group = canvas.width / max(1, len(headers))
    for k, header in enumerate(headers):
        draw.text(((k + 0.5) * group, 0), header, fill=INK, font=font(TITLE_PT, bold=True), anchor="mt")
    for r, row in enumerate(rows):
        y = top + r * row_height
        for c, p in enumerate(row):
            if p is None:
                continue
            x = c * (PANEL + GAP)
            title = title_lines(p.title)
            for i, text in enumerate(title):  # bottom-aligned: the last line sits on the picture
                draw.text((x + PANEL / 2, y + (lines - len(title) + i) * LINE), text, fill=p.colour,
                          font=fitted(text), anchor="mt")
            box = (x, y + lines * LINE)
            if p.pixels is None:
                draw.rectangle((*box, box[0] + PANEL - 1, box[1] + PANEL - 1), outline=FRAME, width=2)
                draw.multiline_text((box[0] + PANEL / 2, box[1] + PANEL / 2), p.note, fill=INK,
                                    font=font(TITLE_PT), anchor="mm", align="center")
            else:
                canvas.paste(tile(p.pixels, PANEL), box)
    save_picture(canvas, [*headers, *(text for row in rows for p in row if p for text in (p.title, p.note) if text)],
                 path)


def colour(c: CamFacts) -> str:
    return RIGHT if c.true_label == c.pred_label else WRONG


def image_panel(data: Maps, c: CamFacts, t: Phrases) -> Panel:
    return Panel(data.images[c.index], t("explain.figure.true", label=c.true_label[:NAME]))


def mapped(data: Maps, c: CamFacts, title: str, t: Phrases) -> Panel:
    """The map of `c` over its image, or, for a map that is all zero or not finite, the frame
    saying so."""
    if c.map_issue:
        return Panel(None, title, colour(c), t(f"explain.figure.no_map.{c.map_issue}"))
    return Panel(overlay(data.images[c.index], data.maps[c.index]), title, colour(c))


def map_panel(data: Maps, c: CamFacts, t: Phrases, f: Formatter) -> Panel:
    return mapped(data, c, t("explain.figure.pred", label=c.pred_label[:NAME], confidence=f.percent(c.confidence)), t)


def cases(data: Maps, items: list[CamFacts], t: Phrases, path: Path) -> None:
    """The feature-map cases, each image beside its map, under a header saying right or wrong."""
    f = Formatter(t.lang)
    grid([[p for c in items for p in (image_panel(data, c, t), map_panel(data, c, t, f))]], path,
         tuple(t("explain.figure.correct" if c.true_label == c.pred_label else "explain.figure.wrong") for c in items))


def per_class(data: Maps, items: list[CamFacts], t: Phrases, path: Path) -> None:
    """Each class's correct and wrong image as maps over the image, TILE_COLUMNS // 2 classes a row."""
    f = Formatter(t.lang)
    slots: dict[str, list[Panel | None]] = {}
    for c in items:
        title = t("explain.figure.tile", true=c.true_label[:NAME], pred=c.pred_label[:NAME],
                  confidence=f.percent(c.confidence))
        slots.setdefault(c.true_label, [None, None])[c.true_label != c.pred_label] = mapped(data, c, title, t)
    flat = [p for pair in slots.values() for p in pair]
    grid([flat[i:i + TILE_COLUMNS] for i in range(0, len(flat), TILE_COLUMNS)], path)


def gallery(data: Maps, items: list[MistakeGroup], t: Phrases, path: Path) -> None:
    """One row per confused pair: its most confident mistakes, each image beside its map."""
    f = Formatter(t.lang)
    grid([[p for c in group.images for p in (image_panel(data, c, t), map_panel(data, c, t, f))]
          for group in items if group.images], path)


def disagreement(data_a: Maps, data_b: Maps, d: Disagreement, t: Phrases, path: Path) -> None:
    """Left, the images only model a gets right; right, those only b gets right: each image, then
    a's map and b's map, titled with that model's prediction."""
    f = Formatter(t.lang)

    def model_panel(data: Maps, model: str, c: CamFacts) -> Panel:
        mark = "✓" if c.true_label == c.pred_label else "✗"
        return mapped(data, c, t("explain.figure.model_pred", model=model[:NAME], mark=mark, label=c.pred_label[:NAME],
                                 confidence=f.percent(c.confidence)), t)

    def triple(item) -> list[Panel | None]:
        if item is None:
            return [None] * 3
        return [image_panel(data_a, item.a, t), model_panel(data_a, d.a, item.a), model_panel(data_b, d.b, item.b)]

    depth = max(len(d.a_right), len(d.b_right))
    padded = [kind + [None] * (depth - len(kind)) for kind in (d.a_right, d.b_right)]
    grid([triple(left) + triple(right) for left, right in zip(*padded)], path,
         (t("explain.figure.only_right", model=d.a[:NAME]), t("explain.figure.only_right", model=d.b[:NAME])))


ARRAYS = ("index", "image", "map")  # the arrays of a model's figure data (files.cam_data)
DRAW = {"cases": cases, "per_class": per_class, "gallery": gallery}  # a model's figures, by Explanation field
