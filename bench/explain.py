"""What the explanation stage (Grad-CAM maps, galleries of mistakes, disagreements:
reportgen/analysis/explain.py) adds to `analyse`, timed inside the real analysis of two runs:

- the demo (experiments/demo.toml, the run given with --demo, or one trained here for 2 epochs);
- four 34-layer networks (plain, ResNet, multi-path, pre-activation) at 224 px on 5 synthetic
  classes, built here by hand: freshly initialised weights (Grad-CAM does the same arithmetic
  whatever the weights) and seeded random predictions with about 60% right, so every kind of
  image (correct, mistakes, disagreements) is chosen.

Both on the CPU, with the threads torch uses by default. Writes bench/explain.md.

    .venv/bin/python bench/explain.py [--demo RUN_DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import reportgen
import reportgen.analysis.pipeline
from reportgen.config import validate_experiment
from reportgen.data import load_dataset
from reportgen.figures import files
from reportgen.models import build
from reportgen.rundir import HISTORY_COLUMNS, RunDir, save_torch, write_csv, write_model
from reportgen.runner import dataset_info
from reportgen.schema.run import MetricsFile

ROOT = Path(__file__).resolve().parent.parent
FOUR = {
    "name": "bench-explain-224",
    "data": {"dataset": "synthetic", "num_classes": 5, "samples_per_class": 40, "image_size": 224},
    "train": {"epochs": 2, "device": "cpu"},
    "models": [{"arch": arch} for arch in ("plain34", "resnet34", "multipath_resnet34", "preact_resnet34")],
}


def four_model_run(folder: Path, image_size: int = 224, epochs: int = 2) -> Path:
    """A finished run directory of the four networks at `image_size` px, written without training
    (bench/render.py renders one at 32 px): `epochs` epochs of history each, losses falling and
    accuracies rising."""
    raw = {**FOUR, "name": f"bench-four-{image_size}", "data": {**FOUR["data"], "image_size": image_size}}
    exp = validate_experiment(raw, "bench")
    run = RunDir.at(folder / "run")
    run.experiment.write_text(exp.to_toml())
    data = load_dataset(exp.data, exp.train.seed)
    write_model(run.dataset, dataset_info(exp.data, data))
    labels, k = data.eval.labels.tolist(), len(data.classes)
    rng = np.random.default_rng(0)
    for spec in exp.models:
        out = run.model(spec.slug)
        write_csv(out.history, HISTORY_COLUMNS, [[e, 1.0 / e, 0.6 - 0.3 / e, 1.1 / e, 0.5 - 0.2 / e, 0.1, 1.0]
                                                 for e in range(1, epochs + 1)])
        preds = [y if rng.random() < 0.6 else int(rng.integers(k)) for y in labels]
        probs = rng.dirichlet(np.ones(k), size=len(labels))
        for p, row in zip(preds, probs):  # the predicted class is the most probable one
            row[[p, row.argmax()]] = row[[row.argmax(), p]]
        write_csv(out.predictions, ["index", "label", "pred", *[f"prob_{c}" for c in data.classes]],
                  [[i, y, p, *row] for i, (y, p, row) in enumerate(zip(labels, preds, probs))])
        net = build(spec.arch, k, exp.data.image_size, spec.params)
        save_torch(out.best, {"model": net.state_dict(), "arch": spec.arch, "params": spec.params, "epoch": epochs})
        write_model(out.metrics, MetricsFile(
            label=spec.label, slug=spec.slug, arch=spec.arch, seed=spec.train.seed, status="completed",
            classes=data.classes, eval_split=data.eval_split, monitor=spec.train.monitor, best_epoch=epochs,
            epochs_run=epochs, stopped_early=False, diverged=False, train_seconds=2.0, precision="fp32",
            params=sum(p.numel() for p in net.parameters())))
    return run.path


def timed_analysis(run_dir: Path) -> tuple[float, float, float, int, float]:
    """(wall and CPU seconds of the explanation stage, wall seconds of the whole analysis, maps
    computed, MB of figure data saved)."""
    stage = reportgen.analysis.pipeline.explain_models
    spent = []

    def timed(*args, **kwargs):
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return stage(*args, **kwargs)
        finally:
            spent.extend([time.perf_counter() - start, time.process_time() - cpu])

    reportgen.analysis.pipeline.explain_models = timed
    try:
        start = time.perf_counter()
        analysis = reportgen.analysis.pipeline.analyse(run_dir)
        total = time.perf_counter() - start
    finally:
        reportgen.analysis.pipeline.explain_models = stage
    maps = sum(len({c.index for c in (*e.cases, *e.per_class, *(c for g in e.gallery for c in g.images),
                                      *(i.a if m.label == d.a else i.b for d in analysis.disagreements
                                        if m.label in (d.a, d.b) for i in d.a_right + d.b_right))})
               for m in analysis.models if (e := m.explanation))
    data = sum(p.stat().st_size for p in (run_dir / files.DATA).rglob("*.npz")) / 1e6
    return spent[0], spent[1], total, maps, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", type=Path, help="a finished demo run (default: train one for 2 epochs)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        demo = args.demo or reportgen.run(ROOT / "experiments/demo.toml", ["train.epochs=2", "models.0.train.epochs=2",
                                                                          "models.1.train.epochs=2"], runs_dir=tmp)
        trained = "as trained by experiments/demo.toml" if args.demo else "trained 2 epochs"
        rows = [(f"demo: CNN + ResNet18-CIFAR, 16 px, 360 test images ({trained})", *timed_analysis(demo)),
                ("4 x 34-layer networks, 224 px, 50 test images (freshly initialised)",
                 *timed_analysis(four_model_run(Path(tmp))))]
    lines = ["# What the explanation stage costs", "",
             f"`bench/explain.py` on {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
             f"torch {torch.__version__} with {torch.get_num_threads()} threads. The stage is "
             "`reportgen.analysis.explain.explain_models`, timed inside `reportgen.analysis.analyse`: "
             "loading each checkpoint, one batched Grad-CAM pass per model (CPU, eval mode), the facts, "
             "and saving the images and maps as figure data (the figures are drawn when a document is rendered: "
             "`bench/figures.py`). CPU time is that of every thread of the process: on a "
             "machine the benchmark has to itself, the stage's wall time is about the CPU time divided by the "
             f"threads. Load average while it ran: {os.getloadavg()[0]:.1f}.", "",
             "| run | stage, wall (s) | stage, CPU (s) | whole analysis, wall (s) | maps | figure data (MB) |",
             "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {name} | {stage:.1f} | {cpu:.1f} | {total:.1f} | {maps} | {data:.1f} |"
              for name, stage, cpu, total, maps, data in rows]
    (ROOT / "bench/explain.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
