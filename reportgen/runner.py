"""`reportgen run`: an experiment -> a run directory with every model trained, evaluated and
analysed. A resumed run skips finished models and continues the interrupted one."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import torch
import torchvision

from reportgen.analysis.distribution import class_counts
from reportgen.config import DataConfig, Experiment, differences
from reportgen.data import DatasetSplits, load_dataset
from reportgen.data.sources import check_files
from reportgen.device import device_name, resolve_device
from reportgen.distributed import SINGLE, World
from reportgen.errors import UserError
from reportgen.imagefile import open_image
from reportgen.models import ARCHITECTURES
from reportgen.progress import Reporter
from reportgen.resources import SOURCE_ROOT
from reportgen.rundir import (DamagedFile, OtherVersion, RunDir, atomic_write_bytes, atomic_write_text, present,
                              read_experiment, read_model, recorded_data, remove_orphan_temps, training_lock,
                              write_model)
from reportgen.schema.run import DatasetFile, EnvironmentFile, TuningSummary
from reportgen.train import evaluate_best, fit
from reportgen.train.memory import device_memory, footprint, gigabytes
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


def describe_environment(device: torch.device, seed: int, processes: int, data_root: str) -> EnvironmentFile:
    """environment.json: what the Metodologi section states about where the run happened, and the
    data root as resolved on this machine."""
    return EnvironmentFile(
        device=str(device), device_name=device_name(device),
        python=platform.python_version(), torch=torch.__version__, torchvision=torchvision.__version__,
        cuda=torch.version.cuda or "", platform=platform.platform(), git_commit=git_commit(),
        command=" ".join(["reportgen", *sys.argv[1:]]), started=dt.datetime.now().isoformat(timespec="seconds"),
        seed=seed, processes=processes, reportgen=__version__, cpu_count=os.cpu_count(),
        data_root=data_root,
    )


def dataset_info(cfg: DataConfig, data: DatasetSplits) -> DatasetFile:
    """dataset.json: the facts the report states about the data."""
    return DatasetFile(
        name=cfg.dataset, classes=data.classes, train_size=len(data.train), val_size=len(data.val),
        test_size=len(data.test) if data.test is not None else 0, eval_split=data.eval_split,
        image_size=cfg.image_size, normalize_mean=cfg.norm.mean, normalize_std=cfg.norm.std,
        augment=list(cfg.augment), class_counts=class_counts(data),
    )


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
    if not present(run.experiment):
        raise UserError(f"{run_path}: not a reportgen run directory (experiment.toml is missing)")
    saved = read_experiment(run)
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
        tuning_summary(exp)


def tuning_summary(exp: Experiment) -> TuningSummary:
    """The search summary `report.tuning` names, checked as the run files are (its folder is the
    search's tune folder)."""
    path = Path(exp.report.tuning)
    try:
        return read_model(path, path.parent, TuningSummary, "")
    except (DamagedFile, OtherVersion) as e:
        raise UserError(f"report.tuning: {e}; it is not the summary.json of `reportgen tune` this reportgen writes: "
                        "run the search again or remove the key") from None


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


ENVIRONMENT_ADVICE = ("it records where the run started and its data root: delete it, and `reportgen run "
                      "<experiment.toml> --resume <run directory>` from the folder the run was started in writes it "
                      "again")


def record_start(exp: Experiment, run: RunDir, world: World) -> DataConfig:
    """The run's own files from before training (environment.json once, when the run starts; the
    tuning summary and the logo); returns the data as the run reads it, its root resolved when
    the run started, so a resumed run finds its data from any folder."""
    if not present(run.environment):
        root = str(Path(exp.data.root).resolve()) if exp.data.root else ""
        write_model(run.environment, describe_environment(world.device(resolve_device(exp.train.device)),
                                                          exp.train.seed, world.size, root))
    environment = read_model(run.environment, run.path, EnvironmentFile, ENVIRONMENT_ADVICE)
    if exp.report.tuning:
        write_model(run.tuning, tuning_summary(exp))
    if exp.report.logo:
        copy_logo(Path(exp.report.logo), run.logo)
    return recorded_data(exp.data, environment)


def run_experiment(exp: Experiment, run: RunDir, reporter: Reporter, prune=None, world: World = SINGLE,
                   analysed: bool = True) -> None:
    """Train, evaluate and (when `analysed`) analyse every model; `prune` is the search's
    per-epoch stop rule, and a search's trial is not analysed: only its metrics are read. Under
    torchrun every process trains its shard; rank 0 alone writes and analyses. run.lock marks the
    run as training while this runs, and as unfinished after a failure."""
    with training_lock(run) if world.is_main else contextlib.nullcontext():
        train_models(exp, run, reporter, prune, world)
        if world.is_main and analysed:
            from reportgen.analysis import analyse  # analysis is the pipeline's last stage

            analyse(run.path)


def train_models(exp: Experiment, run: RunDir, reporter: Reporter, prune, world: World) -> None:
    """Train and evaluate every model (and seed) that has not finished."""
    main = world.is_main
    data_cfg = world.broadcast(record_start(exp, run, world) if main else None)
    data = load_dataset(data_cfg, exp.train.seed)
    if main:
        # Named only now: a run that fails on its data or logo is discarded (api.run), never shown.
        reporter.message(f"run directory: {run.path}")
        write_model(run.dataset, dataset_info(data_cfg, data))
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
            result = fit(spec, data, data_cfg, out, device, reporter, prune, world)
            if main:
                metrics = evaluate_best(spec, data, data_cfg, out, device, result)
                acc = metrics.accuracy
                reporter.message(f"[{spec.run_name}] {metrics.status}: best epoch {result.best_epoch}, "
                                 f"{data.eval_split} accuracy {'-' if acc is None else f'{acc:.4f}'}")
            world.barrier()

