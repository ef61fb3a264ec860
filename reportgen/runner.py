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
from pathlib import Path

import torch
import torchvision

import reportgen
from reportgen.analysis.distribution import class_counts
from reportgen.schema.analysis import Tuning
from reportgen.config import DataConfig, Experiment, differences, validate_experiment
from reportgen.data import DatasetSplits, load_dataset
from reportgen.data.sources import check_files
from reportgen.device import device_name, resolve_device
from reportgen.distributed import SINGLE, World
from reportgen.errors import UserError
from reportgen.imagefile import open_image
from reportgen.models import ARCHITECTURES
from reportgen.progress import Reporter
from reportgen.rundir import RunDir, atomic_write_bytes, atomic_write_text, remove_orphan_temps, write_json
from reportgen.train import evaluate_best, fit
from reportgen.train.memory import device_memory, footprint, gigabytes


# The folder above the package: a git checkout for an editable install, site-packages for a wheel.
CHECKOUT = Path(reportgen.__file__).resolve().parent.parent


def git_commit() -> str:
    """The commit of the reportgen checkout that ran; empty for an installed wheel (its folder is
    no checkout, and a repository around site-packages would name someone else's commit)."""
    if not (CHECKOUT / ".git").exists():
        return ""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=CHECKOUT, capture_output=True, text=True, timeout=5)
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
        "seed": seed, "processes": processes, "reportgen": reportgen.__version__,
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


def logo_png(source: Path) -> bytes:
    """[report] logo as PNG bytes; a file that is missing, no image, too large or not a regular
    file (a FIFO would block) is one message naming it."""
    buffer = io.BytesIO()
    with open_image(source, "report.logo") as image:
        try:
            image.convert("RGBA").save(buffer, format="PNG")
        except (OSError, ValueError, SyntaxError) as e:  # a header that opens, a body that does not decode
            raise UserError(f"report.logo '{source}' cannot be read as an image ({e})") from None
    return buffer.getvalue()


def copy_logo(source: Path, target: Path) -> None:
    """The run's own PNG copy of [report] logo, so the documents never depend on the original."""
    atomic_write_bytes(target, logo_png(source))


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


def check_models(exp: Experiment) -> None:
    """Every model builds and runs at the image size, on a device that is present and has the
    memory its training needs (estimated from the parameter count and one shape-only pass)."""
    size = exp.data.image_size
    for spec in exp.models:
        device = resolve_device(spec.train.device)
        try:
            # 2 classes: the data is not loaded yet, and the output layer is a small part of any model
            need = footprint(spec.arch, 2, size, json.dumps(spec.params, sort_keys=True))
        except (ValueError, RuntimeError) as e:  # a builder's refusal, or a layer that cannot run at this size
            raise UserError(f"model '{spec.label}': {str(e).splitlines()[0]}") from None
        have, needed = device_memory(device), need.training_bytes(spec.train)
        if needed > have:
            raise UserError(
                f"model '{spec.label}' needs about {gigabytes(needed)} to train ({need.params:,} "
                f"parameters, batches of {spec.train.batch_size} images of {size} px), more than the "
                f"{gigabytes(have)} of memory of this machine's {device.type}: make the model smaller (its params), "
                "or lower data.image_size or train.batch_size")


def preflight(exp: Experiment) -> None:
    """What the experiment file alone cannot show, checked before a run directory exists: the
    models (check_models), the data's files are listed and usable, the logo decodes, the tuning
    summary is one."""
    check_models(exp)
    check_files(exp.data)
    if exp.report.logo:
        logo_png(Path(exp.report.logo))
    if exp.report.tuning:
        try:
            Tuning.model_validate({**json.loads(Path(exp.report.tuning).read_text(encoding="utf-8")), "figure": ""})
        except (ValueError, TypeError, RecursionError) as e:  # not UTF-8, not JSON (or absurdly deep), no summary
            raise UserError(f"report.tuning '{exp.report.tuning}' is not the summary.json of `reportgen tune` "
                            f"({str(e).splitlines()[0]}); run the search again or remove the key") from None


def prepare_run(exp: Experiment, runs_dir: Path, resume: Path | None = None) -> RunDir:
    preflight(exp)
    return reopen_run(exp, resume) if resume else start_run(exp, RunDir.create(runs_dir, exp.name))


def discard_untrained(exp: Experiment, run: RunDir) -> bool:
    """Remove a new run directory that failed before any model finished an epoch (unusable data,
    an allocation that failed, Ctrl-C while loading): it holds no result, only a folder that looks
    like a run under runs/. True when it was removed."""
    trained = any(out.history.is_file() for spec in exp.models
                  for _, out in run.model_seeds(spec.slug, spec.train.run_seeds))
    if not trained:
        shutil.rmtree(run.path, ignore_errors=True)
    return not trained


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

