"""A document's figures in its language: checked when the document is built, painted when a
renderer first reads one (picture_bytes, figure_bytes) into the run's figures/<lang>/ (a PNG, and for
a plot a format that prints vectors also asks for, a PDF), and reused by every later render in that
language until the analysis changes (a stamp of its content and of the reportgen that draws). A
document that never shows a figure (a deck leaves some out; a test reads only the words) never pays
for painting it. A run directory that cannot be written (a read-only copy) still renders: what its
cache lacks is painted into a temporary folder that lives as long as the process."""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path

from reportgen.version import __version__
from reportgen.errors import UserError
from reportgen.figures import catalog, files
from reportgen.imagefile import read_run_picture
from reportgen.language.phrases import Phrases
from reportgen.rundir import RunDir, atomic_write_text, read_run_bytes
from reportgen.schema.analysis import Analysis

STAMP = "stamp"  # figures/<lang>/stamp: the content hash the cached figures were drawn from


@dataclass(frozen=True)
class Drawing:
    path: Path | None  # the file (PNG, or a plot's PDF); None when the figure cannot be drawn
    absent: str = ""  # then why, a clause in the document's language


def stamp_of(analysis: Analysis) -> str:
    """What the figures are drawn from: the analysis (wherever its folder is now) and the drawing code."""
    text = __version__ + "\n" + analysis.model_dump_json(exclude={"run_dir"})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_scratch: list[Path] = []


def scratch() -> Path:
    """This process's temporary folder for figures a read-only run directory cannot hold."""
    if not _scratch:
        _scratch.append(Path(tempfile.mkdtemp(prefix="reportgen-figures-")))
        atexit.register(shutil.rmtree, _scratch[0], True)
    return _scratch[0]


def picture_bytes(path: Path, run: Path) -> bytes:
    """A figure (or the logo) as a renderer embeds it, painted first if it was only checked: read only
    from inside the run directory, or from this process's scratch folder when the run could not take
    its figures."""
    path = painted(path)
    return read_run_picture(path, folder_of(path, run))


def figure_bytes(path: Path, run: Path) -> bytes:
    """A figure's file, read as picture_bytes reads a PNG; a plot's PDF as it was drawn."""
    if path.suffix != ".pdf":
        return picture_bytes(path, run)
    path = painted(path)
    data = read_run_bytes(path, folder_of(path, run))
    if not data.startswith(b"%PDF-"):
        raise UserError(f"{path} is not a PDF: delete the run's figures/ folder and render again")
    return data


def folder_of(path: Path, run: Path) -> Path:
    """The folder a figure is read from: this process's scratch folder, or the run directory."""
    return _scratch[0] if _scratch and path.is_relative_to(_scratch[0]) else run


_live: weakref.WeakSet[Drawings] = weakref.WeakSet()  # every Drawings a document still holds


def painted(path: Path) -> Path:
    """The file of the figure at `path`: painted now, if it is not yet, by the document that checked
    it (while that document lives); the file it went to (elsewhere when the run directory stopped
    taking files)."""
    for drawings in list(_live):
        if path in drawings.promised or path in drawings.moved:
            return drawings.paint(path)
    return path


class Drawings:
    """The figures of `analysis` (run_dir names its folder) in `lang`. `promised` holds each figure
    checked but not yet painted, by the path its document names it by; the document keeps this object
    as long as it lives, so a renderer reading that path paints it (painted)."""

    def __init__(self, analysis: Analysis, lang: str):
        self.analysis, self.run, self.t = analysis, RunDir(Path(analysis.run_dir)), Phrases(lang)
        self.stamp = stamp_of(analysis)
        self.promised: dict[Path, tuple[str, catalog.Paint]] = {}  # path -> (file name in the folder, painter)
        self.moved: dict[Path, Path] = {}  # a figure painted elsewhere than promised: where
        taken = any(other.stamp != self.stamp and other.promises_in(self.run.figures / lang) for other in _live)
        # a folder whose figures another document of an earlier analysis still has to paint is left to it
        self.cache, writable = (None, False) if taken else self.prepared(self.run.figures / lang)
        self.out = self.cache if writable else self.elsewhere()
        _live.add(self)

    def __deepcopy__(self, memo) -> Drawings:
        return self  # a copied document paints through the same figures

    def promises_in(self, folder: Path) -> bool:
        return any(path.is_relative_to(folder) for path in self.promised)

    def elsewhere(self) -> Path:
        return scratch() / self.stamp[:16] / self.t.lang

    def prepared(self, folder: Path) -> tuple[Path | None, bool]:
        """`folder` if it holds figures of this stamp only (emptied first when it held another's),
        and whether it takes new ones; (None, False) when it holds another's and cannot be emptied."""
        stamp = folder / STAMP
        try:
            if not (stamp.is_file() and stamp.read_text(encoding="utf-8") == self.stamp):
                shutil.rmtree(folder, ignore_errors=True)
                atomic_write_text(stamp, self.stamp)
            probe = folder / f".{self.stamp[:8]}.probe"  # a read-only copy's matching cache is read, not written
            probe.touch()
            probe.unlink()
        except OSError:
            current = stamp.is_file() and stamp.read_text(encoding="utf-8") == self.stamp
            return (folder if current else None), False
        return folder, True

    def get(self, key: str, format: str = "png") -> Drawing:
        """Figure `key` (an id of the analysis) in the language as `format` ("png"; "pdf" for a plot
        only: a picture is pixels): the cached file, or the file it will be painted to when read, or
        why it cannot be drawn."""
        if not files.ID.fullmatch(key):
            raise UserError(f"{self.run.analysis} names a figure by an invalid id ('{key}'): it is damaged; delete "
                            "it and `reportgen render` computes it again from the run's files")
        name = f"{key}.{format}"
        if self.cache and (self.cache / name).is_file():
            return Drawing(self.cache / name)
        try:
            paint = catalog.figure(self.analysis, self.run, key)(self.t)
        except catalog.Absent as why:
            return Drawing(None, str(why))
        self.promised[self.out / name] = (name, paint)
        return Drawing(self.out / name)

    def paint(self, promised: Path) -> Path:
        """The file of a promised figure, painted on the first call."""
        if promised not in self.promised:
            return self.moved.get(promised, promised)
        name, paint = self.promised.pop(promised)
        if promised.is_file():  # painted meanwhile by a document of the same analysis
            return promised
        try:
            try:
                paint(promised)
                return promised
            except OSError:  # the run directory stopped taking files (full, made read-only): elsewhere from now on
                if promised.is_relative_to(self.elsewhere()):
                    raise
                self.out = self.elsewhere()
                self.moved[promised] = self.out / name
                paint(self.moved[promised])
                return self.moved[promised]
        except OSError as e:
            raise UserError(f"cannot write the figure {name} into {self.out}: {e.strerror or e}") from None
