"""The Python API, for notebooks and scripts; the command line is a thin layer over it.

    run(experiment, overrides)   train every model of an experiment; returns the run directory
    render(run_dir, format)      write the run's report.pdf, report.html, slides.pptx or report-latex.zip
    export(run_dir, to, target)  send the run to TensorBoard or MLflow (extra: reportgen[tracking])

Errors a user can fix raise `reportgen.errors.UserError` with a message that says how.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def run(experiment: str | Path, overrides: Sequence[str] = (), *, runs_dir: str | Path = "runs",
        resume: str | Path | None = None, reporter=None, world=None) -> Path:
    """Train, evaluate and analyse every model of `experiment` (a TOML file); `overrides` are
    `KEY=VALUE` strings as `--set` takes them; a `train.KEY` reaches every model, also one whose own
    `train` table sets KEY, unless `models.N.train.KEY` is among them too. `resume` continues an
    interrupted run directory. Returns the run directory. `reporter` shows progress and which of the
    file's values the overrides replaced (default: silent); `world` is the torchrun process group
    (default: this process alone)."""
    # Long because each way a run can stop (bad data, Ctrl-C, a full disk, before or after its first
    # epoch) is handled beside the call it stops, so that a run loses nothing and leaves no empty folder.
    import contextlib

    from reportgen.config import load_experiment
    from reportgen.progress import Reporter

    reporter = reporter or Reporter(quiet=True)
    exp = load_experiment(experiment, list(overrides), on_replace=reporter.message)
    from reportgen.distributed import SINGLE  # the training stack, once the experiment is known to be valid
    from reportgen.errors import RunInterrupted, UserError
    from reportgen.runner import discard_untrained, prepare_run, run_experiment

    world = world or SINGLE
    runs_dir = Path(runs_dir)
    # The folders a new run creates above its own: removed with it when it is discarded.
    created = [folder for folder in (runs_dir / exp.name, runs_dir) if not folder.exists()]

    def remove_created() -> None:
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: another run may have started there meanwhile

    try:
        # Rank 0 creates (or checks) the run directory; the other processes use the same one.
        run_dir = world.broadcast(prepare_run(exp, runs_dir, Path(resume) if resume else None)
                                  if world.is_main else None)
    except BaseException:
        remove_created()
        raise
    try:
        run_experiment(exp, run_dir, reporter, world=world)
    except BaseException as e:
        # Whatever stops a new run before its first finished epoch (bad data, a failed
        # allocation, Ctrl-C while loading) leaves no folder that looks like a run behind.
        discarded = world.is_main and not resume and discard_untrained(exp, run_dir)
        if discarded:
            remove_created()
        if isinstance(e, KeyboardInterrupt):
            raise (KeyboardInterrupt() if discarded else RunInterrupted(run_dir.path)) from None
        if isinstance(e, OSError):  # a full disk, a folder made read-only mid-run: the writes before it are whole
            kept = ("no epoch had finished, so nothing was kept" if discarded else
                    f"every finished epoch is saved in {run_dir.path}: free space (or fix permissions) and "
                    f"continue with --resume {run_dir.path}")
            raise UserError(f"cannot write {e.filename or run_dir.path}: {e.strerror or e}; {kept}") from None
        raise
    return run_dir.path


def render(run_dir: str | Path | None = None, format: str = "pdf", *, out: str | Path | None = None,
           lang: str | None = None, runs_dir: str | Path = "runs", reporter=None,
           pdf_variant: str | None = None, notes: str | Path | None = None) -> Path:
    """Write a finished run (default: the newest finished one under `runs_dir`, by start time) as
    `format` (pdf | html | pptx | latex) in `lang` (id | en; default: the experiment's report.language)
    and return the file. The default file is in the run directory: report.pdf, report.html,
    slides.pptx or report-latex.zip (a LaTeX project unpacking to a folder of the zip's name), with
    `-en` before the suffix when `lang` is not the experiment's own language.
    Rendering reads only the run directory and reportgen's own files. A run still training is
    refused; a run without a current analysis.json is analysed first, with a line on `reporter`
    (default: stderr) saying why. `pdf_variant` ("pdf/a-3b" or "pdf/a-3u") makes the PDF an archival
    one that carries the run's experiment.toml, environment.json, analysis.json and each model's
    predictions.csv as attachments. `notes` (a Markdown file) adds the user's own words to the sections
    its headings name and is kept as the run's notes.md, which later renders include (see
    reportgen.report.notes)."""
    # Long because every argument is checked before any work, each with its own message, in the one
    # entry point the CLI and the Python API share.
    from reportgen.analysis import load_analysis
    from reportgen.errors import UserError
    from reportgen.language.phrases import LANGUAGES
    from reportgen.progress import Reporter
    from reportgen.archive import archived_files
    from reportgen.renderers import DEFAULT_NAMES, FORMATS, PDF_VARIANTS, document_bytes
    from reportgen.report import build_document
    from reportgen.report.notes import include_notes
    from reportgen.rundir import atomic_write_bytes, is_training, newest_run, open_run

    if format not in FORMATS:
        raise UserError(f"format must be one of {', '.join(FORMATS)} (got '{format}')")
    if pdf_variant is not None and (format != "pdf" or pdf_variant not in PDF_VARIANTS):
        raise UserError(f"--pdf-variant must be one of {', '.join(PDF_VARIANTS)} with --format pdf "
                        f"(got '{pdf_variant}' with --format {format})")
    if lang is not None and lang not in LANGUAGES:
        raise UserError(f"language must be {' or '.join(LANGUAGES)} (got '{lang}')")
    run = open_run(Path(run_dir)) if run_dir else newest_run(Path(runs_dir))
    if is_training(run):
        raise UserError(f"{run.path} is still training (`reportgen run` holds its run.lock); render it when the run "
                        "has finished")
    analysis = load_analysis(run.path, reporter)
    own = analysis.experiment["report"]["language"]
    lang = lang or own
    if out is None:
        stem, ext = DEFAULT_NAMES[format].rsplit(".", 1)
        out = run.path / (f"{stem}.{ext}" if lang == own else f"{stem}-{lang}.{ext}")
    out = Path(out)
    if out.is_dir():
        raise UserError(f"--out '{out}' is a folder; name the file, e.g. {out / DEFAULT_NAMES[format]}")
    suffix = Path(DEFAULT_NAMES[format]).suffix  # a LaTeX project is a .zip
    if out.suffix.lower() != suffix:
        raise UserError(f"--out '{out}' does not end in {suffix}, the format written; name it "
                        f"{out.with_suffix(suffix).name} or choose --format {out.suffix.lstrip('.') or '...'}")
    try:  # before the render, which can take a minute, not after it
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise unwritable(out, e) from None
    attachments = archived_files(run, analysis) if pdf_variant else []
    doc = build_document(analysis, lang, vector=format == "latex")  # the LaTeX project prints plots as vectors
    other = next(language for language in LANGUAGES if language != lang)  # a notes heading may be in either
    include_notes(doc, run, analysis.experiment["report"].get("notes"), Path(notes) if notes else None,
                  lambda: {s.id: s.title for s in build_document(analysis, other).sections()},
                  (reporter or Reporter()).message)
    data = document_bytes(doc, format, pdf_variant, attachments, folder=out.stem)
    try:
        atomic_write_bytes(out, data)
    except OSError as e:
        raise unwritable(out, e) from None
    return out


def unwritable(out: Path, e: OSError) -> Exception:
    from reportgen.errors import UserError

    return UserError(f"cannot write {out}: {e.strerror or e}; choose another --out")


def export(run_dir: str | Path, to: str, target: str | Path) -> str:
    """Send a run to an experiment tracker, reading its run directory only: `to` = "tensorboard"
    writes event files under the folder `target` (one TensorBoard run per model and seed);
    "mlflow" logs one MLflow run per model and seed to `target`, a folder (a local store such as
    "mlruns") or a tracking URI ("http://host:5000"). Exporting a run again replaces what it sent
    before. Returns where it went: the run's event folder, or the tracking URI. Needs the optional
    packages of `pip install 'reportgen[tracking]'`."""
    from reportgen.tracking import export_run

    return export_run(Path(run_dir), to, str(target))
