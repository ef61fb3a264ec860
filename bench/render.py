"""How long rendering takes, per format, against the layout engine's own floor: plain WeasyPrint
writing the very HTML the PDF is made from (same fonts, no fetcher, no document building). A ratio
near 1 means reportgen adds little; the PPTX and HTML ratios say how they compare with that floor.
Each time is the best of `--repeat` runs, with analysis.json already computed. Writes bench/render.md.

    .venv/bin/python bench/render.py RUN_DIR [RUN_DIR ...] [--repeat 3]

e.g. the demo (`reportgen run experiments/demo.toml`) and a 100-class run (the demo with
`--set 'data.dataset="synthetic"' --set data.num_classes=100 --set data.samples_per_class=8`).
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import weasyprint

from reportgen.analysis import load_analysis
from reportgen.renderers import document_bytes
from reportgen.renderers.html import render_html
from reportgen.renderers.pdf import font_faces
from reportgen.report import build_document

FORMATS = ("pdf", "pptx", "html")


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(run: Path, repeat: int) -> dict[str, float]:
    analysis = load_analysis(run)
    lang = analysis.experiment["report"]["language"]
    html = render_html(build_document(analysis, lang), font_faces())
    floor = best_of(repeat, lambda: weasyprint.HTML(string=html, base_url=str(run)).write_pdf())
    times = {"weasyprint": floor}
    for fmt in FORMATS:  # what `reportgen render` does after loading the analysis: build, then lay out
        times[fmt] = best_of(repeat, lambda: document_bytes(build_document(analysis, lang), fmt))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    lines = ["# Render times", "", f"Best of {args.repeat} on {platform.processor() or platform.machine()} "
             f"({platform.python_implementation()} {platform.python_version()}); the floor is plain WeasyPrint "
             "writing the same HTML.", "",
             "| run | classes | models | WeasyPrint floor (s) | " + " | ".join(f"{f} (s) | {f} ratio" for f in FORMATS)
             + " |", "| --- " * (4 + 2 * len(FORMATS)) + "|"]
    for run in args.runs:
        analysis = load_analysis(run)
        times = measure(run, args.repeat)
        floor = times["weasyprint"]
        cells = " | ".join(f"{times[f]:.2f} | {times[f] / floor:.2f}" for f in FORMATS)
        lines.append(f"| {analysis.experiment['name']} | {len(analysis.dataset.classes)} | {len(analysis.models)} | "
                     f"{floor:.2f} | {cells} |")
        print(lines[-1], flush=True)
    out = Path(__file__).with_name("render.md")
    out.write_text("\n".join(lines) + "\n")
    print(out)


if __name__ == "__main__":
    main()
