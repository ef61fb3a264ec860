"""The Python API, for notebooks and scripts; the command line is a thin layer over it.

    run(experiment, overrides)   train every model of an experiment; returns the run directory
    render(run_dir, format)      write the run's report.pdf, report.html or slides.pptx
    export(run_dir, to, target)  send the run to TensorBoard or MLflow (extra: reportgen[tracking])

Errors a user can fix raise `reportgen.errors.UserError` with a message that says how.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def run(experiment: str | Path, overrides: Sequence[str] = (), *, runs_dir: str | Path = "runs",
        resume: str | Path | None = None, reporter=None, world=None) -> Path:
    """Train, evaluate and analyse every model of `experiment` (a TOML file); `overrides` are
    `KEY=VALUE` strings as `--set` takes them. `resume` continues an interrupted run directory.
    Returns the run directory. `reporter` shows progress (default: silent); `world` is the
    torchrun process group (default: this process alone)."""
    from reportgen.config import load_experiment
    from reportgen.distributed import SINGLE
    from reportgen.errors import RunInterrupted, UserError
    from reportgen.progress import Reporter
    from reportgen.runner import discard_untrained, prepare_run, run_experiment

    world = world or SINGLE
    exp = load_experiment(experiment, list(overrides))
    # Rank 0 creates (or checks) the run directory; the other processes use the same one.
    run_dir = world.broadcast(prepare_run(exp, Path(runs_dir), Path(resume) if resume else None)
                              if world.is_main else None)
    try:
        run_experiment(exp, run_dir, reporter or Reporter(quiet=True), world=world)
    except KeyboardInterrupt:
        raise RunInterrupted(run_dir.path) from None
    except UserError:
        if world.is_main and not resume:  # a resumed run keeps what it had
            discard_untrained(exp, run_dir)
        raise
    except OSError as e:  # a full disk, a folder made read-only mid-run: the writes before it are whole
        raise UserError(f"cannot write {e.filename or run_dir.path}: {e.strerror or e}; every finished epoch "
                        f"is saved in {run_dir.path}: free space (or fix permissions) and continue with "
                        f"--resume {run_dir.path}") from None
    return run_dir.path


def render(run_dir: str | Path | None = None, format: str = "pdf", *, out: str | Path | None = None,
           lang: str | None = None, runs_dir: str | Path = "runs") -> Path:
    """Write a finished run (default: the newest under `runs_dir`) as `format` (pdf | html |
    pptx) in `lang` (id | en; default: the experiment's report.language) and return the file.
    The default file is in the run directory: report.pdf, report.html or slides.pptx, with `-en`
    before the suffix when `lang` is not the experiment's own language."""
    from reportgen.analysis import load_analysis
    from reportgen.errors import UserError
    from reportgen.language.phrases import LANGUAGES
    from reportgen.renderers import DEFAULT_NAMES, FORMATS, document_bytes
    from reportgen.report import build_document
    from reportgen.rundir import atomic_write_bytes, newest_run, open_run

    if format not in FORMATS:
        raise UserError(f"format must be one of {', '.join(FORMATS)} (got '{format}')")
    if lang is not None and lang not in LANGUAGES:
        raise UserError(f"language must be {' or '.join(LANGUAGES)} (got '{lang}')")
    run = open_run(Path(run_dir)) if run_dir else newest_run(Path(runs_dir))
    analysis = load_analysis(run.path)
    own = analysis.experiment["report"]["language"]
    lang = lang or own
    if out is None:
        stem, ext = DEFAULT_NAMES[format].rsplit(".", 1)
        out = run.path / (f"{stem}.{ext}" if lang == own else f"{stem}-{lang}.{ext}")
    out = Path(out)
    if out.is_dir():
        raise UserError(f"--out '{out}' is a folder; name the file, e.g. {out / DEFAULT_NAMES[format]}")
    if out.suffix.lower() != f".{format}":
        raise UserError(f"--out '{out}' does not end in .{format}, the format written; name it "
                        f"{out.with_suffix('.' + format).name} or choose --format {out.suffix.lstrip('.') or '...'}")
    data = document_bytes(build_document(analysis, lang), format)
    try:
        atomic_write_bytes(out, data)
    except OSError as e:
        raise UserError(f"cannot write {out}: {e.strerror or e}; choose another --out") from None
    return out


def export(run_dir: str | Path, to: str, target: str | Path) -> str:
    """Send a run to an experiment tracker, reading its run directory only: `to` = "tensorboard"
    writes event files under the folder `target` (one TensorBoard run per model and seed);
    "mlflow" logs one MLflow run per model and seed to `target`, a folder (a local store such as
    "mlruns") or a tracking URI ("http://host:5000"). Exporting a run again replaces what it sent
    before. Returns where it went: the run's event folder, or the tracking URI. Needs the optional
    packages of `pip install 'reportgen[tracking]'`."""
    from reportgen.tracking import export_run

    return export_run(Path(run_dir), to, str(target))
