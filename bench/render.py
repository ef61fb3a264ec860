"""How long `reportgen render` takes per format from an existing analysis, against the layout
engine's own floor: plain WeasyPrint writing the very HTML the PDF is made from (same fonts, no
fetcher, no document building). A format's time is the whole render (reading analysis.json,
building the document, laying it out, writing the file); a ratio near 1 means reportgen adds
little to WeasyPrint. Each time is the best of `--repeat` runs. Writes bench/render.md.

    .venv/bin/python bench/render.py [RUN_DIR ...] [--repeat 3]

Without RUN_DIR it measures the four-model 32 px run (plain, residual, multi-path and
pre-activation ResNet-34 on 5 synthetic classes, made by hand as bench/explain.py makes its
224 px one, and analysed once first), e.g. also the demo (`reportgen run experiments/demo.toml`).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import weasyprint

from explain import four_model_run
from reportgen import api
from reportgen.analysis import analyse, load_analysis
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


def measure(run: Path, repeat: int, out: Path) -> dict[str, float]:
    analysis = load_analysis(run)
    lang = analysis.experiment["report"]["language"]
    html = render_html(build_document(analysis, lang), font_faces())
    times = {"weasyprint": best_of(repeat, lambda: weasyprint.HTML(string=html, base_url=str(run)).write_pdf())}
    for fmt in FORMATS:
        times[fmt] = best_of(repeat, lambda: api.render(run, fmt, out=out / f"bench.{fmt}"))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("REPORTGEN_CACHE", tempfile.mkdtemp(prefix="reportgen-bench-cache-"))
    lines = ["# Render times", "", f"Best of {args.repeat} on {platform.processor() or platform.machine()} "
             f"({platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} logical CPUs, "
             f"load average {os.getloadavg()[0]:.1f} at the start), from an existing analysis.json; the floor is "
             "plain WeasyPrint writing the same HTML.", "",
             "| run | classes | models | px | WeasyPrint floor (s) | "
             + " | ".join(f"{f} (s) | {f} ratio" for f in FORMATS) + " |", "| --- " * (5 + 2 * len(FORMATS)) + "|"]
    with tempfile.TemporaryDirectory() as tmp:
        runs = args.runs
        if not runs:
            runs = [four_model_run(Path(tmp), image_size=32)]
            started = time.perf_counter()
            analyse(runs[0])
            analysed = time.perf_counter() - started
        for run in runs:
            analysis = load_analysis(run)
            times = measure(run, args.repeat, Path(tmp))
            floor = times["weasyprint"]
            cells = " | ".join(f"{times[f]:.2f} | {times[f] / floor:.2f}" for f in FORMATS)
            lines.append(f"| {analysis.experiment['name']} | {len(analysis.dataset.classes)} | {len(analysis.models)} "
                         f"| {analysis.dataset.image_size} | {floor:.2f} | {cells} |")
            print(lines[-1], flush=True)
    if not args.runs:
        lines += ["", f"The four-model run's analysis (done once, before rendering) took {analysed:.1f} s."]
    lines.append(f"Load average at the end: {os.getloadavg()[0]:.1f}.")
    out = Path(__file__).with_name("render.md")
    out.write_text("\n".join(lines) + "\n")
    print(out)


if __name__ == "__main__":
    main()
