"""What a tuning trial costs beyond its training: an 8-point grid over the demo's CNN on the digits
(2 epochs a trial, no pruning), each trial's wall time (from its claim to its result in the study,
as summary.json records it) against its training time (the epochs' seconds in its metrics.json).
A trial trains and evaluates only; with --analysed the same grid is searched again with every trial
analysed as well, as trials were before, for a side-by-side ratio in one run. Writes
bench/tune_overhead.md.

    .venv/bin/python bench/tune_overhead.py [--analysed]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import reportgen.runner
from reportgen.analysis.facts import read_metrics
from reportgen.progress import Reporter
from reportgen.rundir import RunDir
from reportgen.schema.run import TuningSummary
from reportgen.tune import search

ROOT = Path(__file__).resolve().parent.parent
GRID = """
[tune]
model = "CNN Kustom"
pruner = "none"
space = { "train.lr" = [0.05, 0.02, 0.01, 0.005], "params.fc_neurons" = [128, 256] }
"""
OVERRIDES = ["train.epochs=2", "models.0.train.epochs=2", "train.early_stopping_patience=0", 'train.device="cpu"']


def trials(out: Path) -> list[tuple[int, float, float]]:
    """(trial number, wall seconds, training seconds) of every trial of the search in `out`."""
    summary = TuningSummary.model_validate_json((out / "summary.json").read_text())
    rows = []
    for trial in summary.trials:
        metrics = read_metrics(RunDir(Path(trial.run_dir)).model("cnn-kustom"))
        rows.append((trial.number, trial.seconds, metrics.train_seconds))
    return rows


def searched(folder: Path, analysed: bool) -> tuple[list[tuple[int, float, float]], float]:
    """The grid searched into `folder` (every trial analysed too when `analysed`), and its wall time."""
    experiment = folder / "tune.toml"
    experiment.write_text((ROOT / "experiments" / "demo.toml").read_text() + GRID)
    original = reportgen.runner.run_experiment
    if analysed:  # what every trial did before: the whole analysis of its run directory
        reportgen.runner.run_experiment = lambda *args, analysed=False, **kwargs: original(*args, analysed=True,
                                                                                          **kwargs)
    started = time.perf_counter()
    try:
        out = search(experiment, OVERRIDES, folder / "runs", None, 1, Reporter(quiet=True))
    finally:
        reportgen.runner.run_experiment = original
    return trials(out), time.perf_counter() - started


def table(name: str, rows: list[tuple[int, float, float]]) -> list[str]:
    lines = [f"### {name}", "", "| trial | wall (s) | training (s) | overhead (s) | overhead / training |",
             "| --- | --- | --- | --- | --- |"]
    for number, wall, train in rows:
        lines.append(f"| {number} | {wall:.2f} | {train:.2f} | {wall - train:.2f} | {(wall - train) / train:.1%} |")
    walls, trains = sum(r[1] for r in rows), sum(r[2] for r in rows)
    median = statistics.median((wall - train) / train for _, wall, train in rows)
    total = f"| all {len(rows)} | {walls:.2f} | {trains:.2f} | {walls - trains:.2f} | {(walls - trains) / trains:.1%} |"
    lines += [total, "", f"Median overhead per trial: {median:.1%} of its training time.", ""]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analysed", action="store_true", help="also search with every trial analysed")
    args = parser.parse_args()
    os.environ.setdefault("REPORTGEN_CACHE", tempfile.mkdtemp(prefix="reportgen-bench-cache-"))
    lines = ["# Tuning trial overhead", "",
             f"An 8-point grid (`train.lr` x `params.fc_neurons`) over the demo's CNN on the digits, 2 epochs a trial, "
             f"no pruning, one worker, on the CPU ({platform.processor() or platform.machine()}, "
             f"{os.cpu_count()} logical CPUs, load average {os.getloadavg()[0]:.1f} at the start). A trial's wall "
             "time runs from its claim to its result in the study (summary.json); its training time is the sum of "
             "its epochs' seconds. The overhead is the difference: the run directory, data loading, the model's "
             "build, evaluation and the study's bookkeeping.", ""]
    modes = [("Train and evaluate only (every trial now)", False)] + (
        [("Every trial analysed as well (as before)", True)] if args.analysed else [])
    for name, analysed in modes:
        with tempfile.TemporaryDirectory() as folder:
            rows, seconds = searched(Path(folder), analysed)
        lines += table(name, rows) + [f"Whole search: {seconds:.1f} s.", ""]
        print("\n".join(lines[-(len(rows) + 9):]), flush=True)
    lines.append(f"Load average at the end: {os.getloadavg()[0]:.1f}.")
    out = Path(__file__).with_name("tune_overhead.md")
    out.write_text("\n".join(lines) + "\n")
    print(out)


if __name__ == "__main__":
    main()
