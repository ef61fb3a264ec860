"""Opening an image file that someone else supplied: a dataset's images, `[report] logo`, a run's
logo.png and figures. Every decode in reportgen goes through `open_image`, which

- opens regular files only, without blocking: a FIFO or a device named `logo.png` would otherwise
  wait forever in Image.open;
- decodes at most MAX_PIXELS pixels: a small PNG can declare 20,000 x 20,000 pixels (a
  decompression bomb) and take gigabytes to decode;

and turns every failure into one `UserError` naming the file."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from reportgen.errors import UserError

# 100 megapixels: a 12,000 x 8,000 photograph still opens; 300 MB once decoded to RGB.
MAX_PIXELS = 100_000_000
# PIL warns from its own limit (89 megapixels) and refuses from twice that; the check below gives
# the one message instead, so PIL's warning would only be a second, noisier line on stderr.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


def too_large(path: Path | str, what: str, size: tuple[int, int] | None) -> UserError:
    shape = f" ({size[0]:,} x {size[1]:,} = {size[0] * size[1]:,} pixels)" if size else ""
    return UserError(f"{what} '{path}' is too large to decode{shape}: reportgen decodes images of at most "
                     f"{MAX_PIXELS:,} pixels; shrink it (e.g. to 2,000 pixels wide) or remove it")


@contextlib.contextmanager
def open_image(path: Path, what: str = "image file") -> Iterator[Image.Image]:
    """The image at `path`, opened lazily (only its header is read until it is used); `what`
    names it in the message ("image file", "report.logo")."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # O_NONBLOCK: a FIFO opens at once, and is refused below
    except OSError as e:
        raise UserError(f"{what} '{path}' cannot be opened: {e.strerror}") from None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UserError(f"{what} '{path}' is not a regular file (a pipe, device or folder); "
                            "name an image file")
        with decoded(file, path, what) as image:
            yield image


@contextlib.contextmanager
def decoded(file: BinaryIO, name: Path | str, what: str = "image file") -> Iterator[Image.Image]:
    """The image in an open file (or one already read into memory), within MAX_PIXELS; `name`
    says in the message which file it came from."""
    try:
        image = Image.open(file)
    except Image.DecompressionBombError:  # over twice PIL's limit: refused before the size is known
        raise too_large(name, what, None) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:  # SyntaxError: some of PIL's parsers
        raise UserError(f"{what} '{name}' cannot be read as an image ({e}); replace or remove the file") from None
    with image:
        if image.width * image.height > MAX_PIXELS:
            raise too_large(name, what, image.size)
        yield image


def image_size(source: Path | BinaryIO, what: str = "image file", name: Path | str = "") -> tuple[int, int]:
    """(width, height) of an image file that open_image accepts, or of an image already read into
    memory (a run's picture read through reportgen.rundir; it is left at its start for the reader
    after this one)."""
    if isinstance(source, Path):
        with open_image(source, what) as image:
            return image.size
    with decoded(source, name or "picture", what) as image:
        size = image.size
    source.seek(0)
    return size


def read_run_picture(path: Path, run: Path) -> bytes:
    """A picture of a run (a figure, its logo.png), read only from inside the run directory and only
    when it decodes within MAX_PIXELS, so every renderer refuses the same files with the same line."""
    from reportgen.rundir import read_run_bytes  # rundir imports torch; images alone do not need it

    data = read_run_bytes(path, run)
    image_size(io.BytesIO(data), name=path)
    return data
