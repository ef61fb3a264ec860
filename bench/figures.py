"""What drawing the figures costs a render: each format rendered from an existing analysis on its
first render in a language (every figure drawn into the run's figures/<lang>/) and on a later one
(every figure read from there), for the four 34-layer networks at 32 px (the run bench/explain.py
builds by hand: 5 classes, 50 test images, 8 epochs of history, no training). A render here is what
`reportgen render` does after loading analysis.json: build the document, lay it out. Writes
bench/figures.md.

    .venv/bin/python bench/figures.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from reportgen.analysis import analyse, load_analysis
from reportgen.renderers import FORMATS, document_bytes
from reportgen.report import build_document
from reportgen.rundir import RunDir

sys.path.insert(0, str(Path(__file__).parent))
from explain import four_model_run  # noqa: E402  (the same hand-made run)

ROOT = Path(__file__).resolve().parent.parent


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def measure(run: Path, lang: str, repeat: int) -> dict[str, tuple[float, float]]:
    """Per format, (best first render, best later render) in seconds, and for the document alone."""
    analysis = load_analysis(run)
    cache = RunDir(run).figures / lang
    times: dict[str, tuple[float, float]] = {}
    for name, work in [("document", lambda: build_document(analysis, lang))] + [
            (fmt, lambda fmt=fmt: document_bytes(build_document(analysis, lang), fmt)) for fmt in FORMATS]:
        first, later = [], []
        for _ in range(repeat):
            shutil.rmtree(cache, ignore_errors=True)
            first.append(timed(work))
            later.append(timed(work))
        times[name] = (min(first), min(later))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = four_model_run(Path(tmp), image_size=32, epochs=8)
        analyse(run)
        document_bytes(build_document(load_analysis(run), "id"), "html")  # imports and fonts loaded, every figure painted
        figures = len(list((RunDir(run).figures / "id").rglob("*.png")))
        load = os.getloadavg()[0]
        rows = {lang: measure(run, lang, args.repeat) for lang in ("id", "en")}
    lines = ["# What drawing the figures costs a render", "",
             f"`bench/figures.py` on {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores "
             f"(load average {load:.1f} when it started); best of {args.repeat}. The four 34-layer networks at 32 px "
             f"(5 classes, 8 epochs), analysed once; their documents show {figures} figures. First render: "
             "the run's figures/<lang>/ emptied before it, so every figure is drawn; later render: every figure "
             "read from there. `document` is building the document alone: it checks each figure, and a format "
             "paints a figure when it first reads it.", "",
             "| language | output | first render (s) | later render (s) | drawing (s) | drawing share of the first |",
             "| --- | --- | --- | --- | --- | --- |"]
    for lang, times in rows.items():
        for name, (first, later) in times.items():
            lines.append(f"| {lang} | {name} | {first:.2f} | {later:.2f} | {first - later:.2f} | "
                         f"{(first - later) / first:.0%} |")
    (ROOT / "bench/figures.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
