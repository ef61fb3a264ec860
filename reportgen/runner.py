"""`reportgen run`: an experiment -> a run directory with every model trained, evaluated and
analysed. A resumed run skips finished models and continues the interrupted one."""

from __future__ import annotations

import datetime as dt
import io
import json
import platform
import shutil
import subprocess
import sys
import tomllib
from functools import lru_cache
from pathlib import Path

import torch
import torchvision
from PIL import Image

from reportgen.analysis.distribution import class_counts
from reportgen.schema.analysis import Tuning
from reportgen.config import DataConfig, Experiment, differences, validate_experiment
from reportgen.data import DatasetSplits, load_dataset
from reportgen.device import device_name, resolve_device
from reportgen.distributed import SINGLE, World
from reportgen.errors import UserError
from reportgen.models import ARCHITECTURES, build
from reportgen.progress import Reporter
from reportgen.resources import SOURCE_ROOT
from reportgen.rundir import RunDir, atomic_write_bytes, atomic_write_text, remove_orphan_temps, write_json
from reportgen.train import evaluate_best, fit
from reportgen.version import __version__


def git_commit() -> str:
    """The commit of the reportgen checkout that ran; empty for an installed wheel (its folder is
    no checkout, and a repository around site-packages would name someone else's commit)."""
    if not (SOURCE_ROOT / ".git").exists():
        return ""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=SOURCE_ROOT, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def describe_environment(device: torch.device, seed: int, processes: int) -> dict:
    """environment.json: what the Metodologi section states about where the run happened."""
    return {
        "device": str(device), "device_name": device_name(device),
        "python": platform.python_version(), "torch": torch.__version__, "torchvision": torchvision.__version__,
        "cuda": torch.version.cuda or "", "platform": platform.platform(), "git_commit": git_commit(),
        "command": " ".join(["reportgen", *sys.argv[1:]]), "started": dt.datetime.now().isoformat(timespec="seconds"),
        "seed": seed, "processes": processes, "reportgen": __version__,
    }


def dataset_info(cfg: DataConfig, data: DatasetSplits, samples_figure: str) -> dict:
    """dataset.json: the facts the report states about the data (fields of schema.analysis.DatasetInfo)."""
    return {
        "name": cfg.dataset,
        "classes": data.classes,
        "train_size": len(data.train),
        "val_size": len(data.val),
        "test_size": len(data.test) if data.test is not None else 0,
        "eval_split": data.eval_split,
        "image_size": cfg.image_size,
        "normalize_mean": cfg.norm.mean,
        "normalize_std": cfg.norm.std,
        "augment": list(cfg.augment),
        "samples_figure": samples_figure,
        "class_counts": class_counts(data),
    }


def copy_logo(source: Path, target: Path) -> None:
    """The run's own PNG copy of [report] logo, so the documents never depend on the original."""
    try:
        with Image.open(source) as image:
            buffer = io.BytesIO()
            image.convert("RGBA").save(buffer, format="PNG")
    except (OSError, ValueError) as e:  # missing, unreadable or not an image
        raise UserError(f"report.logo '{source}': cannot be read as an image ({e})") from None
    atomic_write_bytes(target, buffer.getvalue())


def start_run(exp: Experiment, run: RunDir) -> RunDir:
    atomic_write_text(run.experiment, exp.to_toml())
    return run


def reopen_run(exp: Experiment, run_path: Path) -> RunDir:
    """The interrupted run to continue; it must have been started from the same experiment."""
    run = RunDir(Path(run_path))
    if not run.experiment.is_file():
        raise UserError(f"{run_path}: not a reportgen run directory (experiment.toml is missing)")
    saved = validate_experiment(tomllib.loads(run.experiment.read_text(encoding="utf-8")), str(run.experiment))
    if saved != exp:
        changed = differences(saved.model_dump(mode="json"), exp.model_dump(mode="json"))
        raise UserError(
            f"{run_path} was started with a different experiment (differs in: {', '.join(changed)}). "
            "Resume with the same experiment file and --set options, or start a new run without --resume."
        )
    remove_orphan_temps(run.path)
    return run


@lru_cache(maxsize=None)  # a tuning grid repeats the same few models thousands of times
def build_problem(arch: str, image_size: int, params: str) -> str:
    """Why `arch` cannot be built at this image size ("" when it can)."""
    try:
        with torch.device("meta"):  # shapes only: no memory, no time
            build(arch, 2, image_size, json.loads(params))
    except ValueError as e:
        return str(e)
    return ""


def preflight(exp: Experiment) -> None:
    """What the experiment file alone cannot show, checked before a run directory exists: every
    model builds at this image size, every named device is present, the tuning summary is one."""
    for spec in exp.models:
        resolve_device(spec.train.device)
        problem = build_problem(spec.arch, exp.data.image_size, json.dumps(spec.params, sort_keys=True))
        if problem:
            raise UserError(f"model '{spec.label}': {problem}")
    if exp.report.tuning:
        try:
            Tuning.model_validate({**json.loads(Path(exp.report.tuning).read_text(encoding="utf-8")), "figure": ""})
        except (ValueError, TypeError) as e:  # not JSON, or not a summary of `reportgen tune`
            raise UserError(f"report.tuning '{exp.report.tuning}' is not the summary.json of `reportgen tune` "
                            f"({str(e).splitlines()[0]}); run the search again or remove the key") from None


def prepare_run(exp: Experiment, runs_dir: Path, resume: Path | None = None) -> RunDir:
    preflight(exp)
    return reopen_run(exp, resume) if resume else start_run(exp, RunDir.create(runs_dir, exp.name))


def discard_untrained(exp: Experiment, run: RunDir) -> None:
    """Remove a new run directory that failed before any model began training (unusable data, logo
    or tuning summary): it holds no result, only a folder that looks like a run under runs/."""
    if not any(run.model(spec.slug).path.exists() for spec in exp.models):
        shutil.rmtree(run.path, ignore_errors=True)


def run_experiment(exp: Experiment, run: RunDir, reporter: Reporter, prune=None, world: World = SINGLE) -> None:
    """Train, evaluate and analyse every model; `prune` is the search's per-epoch stop rule.
    Under torchrun every process trains its shard; rank 0 alone writes and analyses."""
    main = world.is_main
    if main:
        if not run.environment.is_file():
            write_json(run.environment, describe_environment(world.device(resolve_device(exp.train.device)),
                                                             exp.train.seed, world.size))
        if exp.report.tuning:
            atomic_write_text(run.tuning, Path(exp.report.tuning).read_text(encoding="utf-8"))
        if exp.report.logo:
            copy_logo(Path(exp.report.logo), run.logo)
    data = load_dataset(exp.data, exp.train.seed)
    if main:
        # Named only now: a run that fails on its data or logo is discarded (api.run), never shown.
        reporter.message(f"run directory: {run.path}")
        write_json(run.dataset, dataset_info(exp.data, data, samples_figure=""))
        reporter.message(f"data: {len(data.train)} train / {len(data.val)} val / "
                         f"{len(data.test) if data.test is not None else 0} test images, {len(data.classes)} classes")
    for model in exp.models:
        first = run.model(model.slug)
        if main and not first.history.is_file():
            # The code that trains it, recorded before its first epoch (a resumed model keeps the
            # record of its start), so the report lists this file rather than whatever reportgen is
            # installed when the report is rendered.
            atomic_write_text(first.code, ARCHITECTURES[model.arch].source())
        # Each seed is a whole training of its own: resuming skips the finished ones and continues
        # an interrupted one from its last.pt. The data split above stays the same for every seed.
        for seed, out in run.model_seeds(model.slug, model.train.run_seeds):
            spec = model.with_seed(seed)
            if out.is_finished():
                reporter.message(f"[{spec.run_name}] already finished; skipped")
                continue
            device = world.device(resolve_device(spec.train.device))
            result = fit(spec, data, exp.data, out, device, reporter, prune, world)
            if main:
                metrics = evaluate_best(spec, data, exp.data, out, device, result)
                acc = metrics.get("accuracy")
                reporter.message(f"[{spec.run_name}] {metrics['status']}: best epoch {result.best_epoch}, "
                                 f"{data.eval_split} accuracy {'-' if acc is None else f'{acc:.4f}'}")
            world.barrier()
    if main:
        from reportgen.analysis import analyse  # analysis is the pipeline's last stage

        analyse(run.path)


def resume_hint(run: Path, experiment: Path, overrides: list[str]) -> str:
    sets = "".join(f" --set {o}" for o in overrides)
    return f"reportgen run {experiment}{sets} --resume {run}"
