"""Command line (typer). Commands only parse arguments and call the pipeline; a UserError becomes
a one-paragraph message and exit code 2, Ctrl-C (or SIGTERM, see signals.py) exit code 130, with
the command that resumes the run when there is one. Every message is printed as terminal_text:
user text in it (a label, a file name) cannot drive the terminal."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Optional

import typer

from reportgen.errors import UserError
from reportgen.language.text import terminal_text

# rich_markup_mode=None: help names TOML tables ("[tune]"), which rich markup would swallow as tags.
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
                  help="Train deep-learning experiments and render their reports and slide decks.")


# One key per --set: `--set a=1 b=2` would read b=2 as a second experiment file.
SET_HELP = "override a key; repeat it for several: --set train.epochs=2 --set data.root=PATH"


def set_options(overrides: list[str]) -> list[str]:
    return [arg for item in overrides for arg in ("--set", item)]


def resume_hint(run: Path, experiment: Path, overrides: list[str]) -> str:
    """The command that continues `run`, quoted so that it can be pasted into a shell."""
    return shlex.join(["reportgen", "run", str(experiment), *set_options(overrides), "--resume", str(run)])


def tune_resume_hint(experiment: Path, overrides: list[str], runs_dir: Path, storage: str | None, workers: int,
                     yes: bool, run_best: bool) -> str:
    """The `reportgen tune` that continues an interrupted search with the same options, quoted so
    that it can be pasted into a shell (a storage password is masked: type it in)."""
    from reportgen.tune import shown_url

    args = ["reportgen", "tune", str(experiment), *set_options(overrides), "--runs-dir", str(runs_dir)]
    args += ["--storage", shown_url(storage)] if storage else []
    args += ["--workers", str(workers)] if workers > 1 else []
    args += ["--yes"] if yes else []
    args += ["--run"] if run_best else []
    return shlex.join(args)


def fail(message: str, code: int = 2) -> None:
    typer.echo(terminal_text(f"error: {message}"), err=True)
    raise typer.Exit(code)


def check_experiment(experiment: Path, overrides: list[str]) -> None:
    """Validate the experiment before torch and the training stack are imported, so that a mistake
    in it is answered in about a second rather than after seconds of imports."""
    from reportgen.config import load_experiment

    try:
        load_experiment(experiment, overrides)
    except UserError as e:
        fail(str(e))


@app.command()
def init(
    path: Optional[Path] = typer.Argument(None, help="file to write, or a folder to write it in; default: "
                                                     "the template's file name in the current folder"),
    template: str = typer.Option("demo", "--template", help="demo | imagefolder | csv | cifar10 | tuning | resnet34"),
) -> None:
    """Write a commented starter experiment; the lines to edit for your own data are marked '# EDIT'."""
    from reportgen.starters import next_steps, write_starter

    try:
        written = write_starter(template, path)
    except UserError as e:
        fail(str(e))
    typer.echo(next_steps(written))


@app.command()
def run(
    experiment: Path = typer.Argument(..., help="experiment TOML file"),
    set_: list[str] = typer.Option([], "--set", metavar="KEY=VALUE", help=SET_HELP),
    runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help="where run directories are created"),
    resume: Optional[Path] = typer.Option(None, "--resume", help="continue this interrupted run directory"),
) -> None:
    """Train every model of EXPERIMENT, evaluate and analyse; prints the run directory last.
    Under `torchrun --nproc_per_node=N -m reportgen run ...` the N processes train it together."""
    check_experiment(experiment, set_)
    from reportgen.errors import RunInterrupted
    from reportgen.progress import Reporter, make_reporter

    try:  # typer would end a Ctrl-C while torch is imported without a word
        from reportgen import api
        from reportgen.distributed import init_world, shutdown

        world = init_world()
    except KeyboardInterrupt:
        fail("interrupted before the run started; nothing was written", code=130)
    reporter = make_reporter() if world.is_main else Reporter(quiet=True)
    try:
        run_dir = api.run(experiment, set_, runs_dir=runs_dir, resume=resume, reporter=reporter, world=world)
    except UserError as e:
        reporter.close()
        fail(str(e))
    except RunInterrupted as e:
        reporter.close()
        fail(f"{e}. Continue with:\n  {resume_hint(e.run_dir, experiment, set_)}", code=130)
    except KeyboardInterrupt:  # before any epoch finished: the run directory was removed
        reporter.close()
        fail("interrupted before any epoch finished; nothing was kept", code=130)
    reporter.close()
    shutdown(world)
    if world.is_main:
        typer.echo(str(run_dir))


@app.command()
def render(
    run_dir: Optional[Path] = typer.Argument(None, help="run directory; default: the newest under runs/"),
    format_: str = typer.Option("pdf", "--format", help="pdf | pptx | html | latex (a zip of a LaTeX project)"),
    out: Optional[Path] = typer.Option(None, "--out", help="output file"),
    lang: Optional[str] = typer.Option(None, "--lang", help="id | en; default: the experiment's report.language"),
    runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help="where to look for the newest run"),
    pdf_variant: Optional[str] = typer.Option(None, "--pdf-variant", help=(
        "pdf/a-3b | pdf/a-3u: an archival PDF carrying the run's experiment, environment, analysis and "
        "predictions as attachments")),
    notes: Optional[Path] = typer.Option(None, "--notes", help=(
        "Markdown file of your own words, '## Diskusi' etc. appended to those sections; the run keeps it as "
        "notes.md for later renders")),
) -> None:
    """Render a finished run as a PDF report, PPTX deck, HTML page or LaTeX project; prints the written file."""
    from reportgen.progress import make_reporter

    reporter = make_reporter()  # a run without its analysis is analysed first: that shows progress
    try:
        from reportgen import api  # in the try: Ctrl-C may come while the renderers are imported

        written = api.render(run_dir, format_, out=out, lang=lang, runs_dir=runs_dir, reporter=reporter,
                             pdf_variant=pdf_variant, notes=notes)
    except UserError as e:
        reporter.close()
        fail(str(e))
    except KeyboardInterrupt:
        reporter.close()
        fail("interrupted; nothing was written", code=130)
    reporter.close()
    typer.echo(str(written))


@app.command()
def export(
    run_dir: Path = typer.Argument(..., help="run directory"),
    to: tuple[str, str] = typer.Option(..., "--to", metavar="KIND TARGET", help=(
        "tensorboard DIR (event files under the folder DIR) or mlflow URI (a folder such as mlruns, or a "
        "tracking server such as http://127.0.0.1:5000)")),
) -> None:
    """Send a run to TensorBoard or MLflow: one tracker run per model (and seed) with every epoch's
    metrics, the recipe, the final metrics and the figures; prints where it went. Needs
    `pip install 'reportgen[tracking]'`."""
    from reportgen import api

    kind, target = to
    try:
        typer.echo(api.export(run_dir, kind, target))
    except UserError as e:
        fail(str(e))


@app.command()
def tune(
    experiment: Path = typer.Argument(..., help="experiment TOML file with a [tune] table"),
    set_: list[str] = typer.Option([], "--set", metavar="KEY=VALUE", help=SET_HELP),
    storage: Optional[str] = typer.Option(None, "--storage", help="Optuna storage URL (default: SQLite under runs/)"),
    workers: int = typer.Option(1, "--workers", min=1, help="local worker processes"),
    runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help="where trial run directories are created"),
    run_best: bool = typer.Option(False, "--run", help="then train best.toml (every model) into --runs-dir"),
    yes: bool = typer.Option(False, "--yes", help="search a large grid (tune names its size and asks for this)"),
) -> None:
    """Hyper-parameter search over [tune]; prints the folder with summary.json and best.toml, and
    with --run then the directory of best.toml's run last."""
    check_experiment(experiment, set_)
    from reportgen.errors import RunInterrupted
    from reportgen.progress import make_reporter

    reporter = make_reporter()
    run_dir = None
    try:
        from reportgen import api  # in the try: Ctrl-C may come while Optuna is imported
        from reportgen.tune import best_toml, search

        out = search(experiment, set_, runs_dir, storage, workers, reporter, yes)
        if run_best:
            run_dir = api.run(best_toml(out), runs_dir=runs_dir, reporter=reporter)
    except UserError as e:
        reporter.close()
        fail(str(e))
    except RunInterrupted as e:  # the search is finished and kept: only best.toml's run continues
        reporter.close()
        fail(f"{e}. Continue with:\n  {resume_hint(e.run_dir, best_toml(out), [])}", code=130)
    except KeyboardInterrupt:
        reporter.close()
        fail("interrupted; finished trials are kept in the study. Continue with:\n  "
             + tune_resume_hint(experiment, set_, runs_dir, storage, workers, yes, run_best), code=130)
    reporter.close()
    typer.echo(str(out))
    if run_dir is not None:
        typer.echo(str(run_dir))


@app.command()
def models(
    num_classes: int = typer.Option(10, "--num-classes", help="classes of the output layer (at least 2)"),
    image_size: int = typer.Option(32, "--image-size", help="side of the input images in pixels, as data.image_size"),
) -> None:
    """Every registered architecture with its parameter count (default params)."""
    from rich.console import Console
    from rich.table import Table

    from reportgen.config import MAX_IMAGE_SIZE, MIN_IMAGE_SIZE, TrainConfig
    from reportgen.device import resolve_device
    from reportgen.models import ARCHITECTURES
    from reportgen.train.memory import device_memory, footprint, gigabytes

    if not MIN_IMAGE_SIZE <= image_size <= MAX_IMAGE_SIZE:  # what an experiment may use
        fail(f"--image-size must be in [{MIN_IMAGE_SIZE}, {MAX_IMAGE_SIZE}], as data.image_size (got {image_size})")
    if num_classes < 2:
        fail(f"--num-classes must be at least 2 (got {num_classes})")
    train = TrainConfig()
    have = device_memory(resolve_device(train.device))
    table = Table("arch", "parameters", f"memory to train ({train.batch_size} per batch)", "description")
    for name, entry in ARCHITECTURES.items():
        try:  # on the meta device: counted, never allocated, so a model of any size costs nothing here
            need = footprint(name, num_classes, image_size, "{}")
        except (ValueError, RuntimeError) as e:  # e.g. cnn needs an image size divisible by 8
            table.add_row(name, f"n/a ({str(e).splitlines()[0]})", "", entry.summary)
            continue
        memory = gigabytes(need.training_bytes(train))
        fits = "" if need.training_bytes(train) <= have else f" (this machine has {gigabytes(have)})"
        table.add_row(name, f"{need.params:,}", f"~{memory}{fits}", entry.summary)
    Console(width=max(100, Console().width)).print(table)
