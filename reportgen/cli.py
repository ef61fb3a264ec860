"""Command line (typer). Commands only parse arguments and call the pipeline; a UserError becomes
a one-paragraph message and exit code 2, Ctrl-C during training exit code 130 with the command
that resumes the run."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from reportgen.errors import UserError

# rich_markup_mode=None: help names TOML tables ("[tune]"), which rich markup would swallow as tags.
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
                  help="Train deep-learning experiments and render their reports and slide decks.")


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def run(
    experiment: Path = typer.Argument(..., help="experiment TOML file"),
    set_: list[str] = typer.Option([], "--set", help="override a key, e.g. --set train.epochs=2"),
    runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help="where run directories are created"),
    resume: Optional[Path] = typer.Option(None, "--resume", help="continue this interrupted run directory"),
) -> None:
    """Train every model of EXPERIMENT, evaluate and analyse; prints the run directory last.
    Under `torchrun --nproc_per_node=N -m reportgen run ...` the N processes train it together."""
    from reportgen import api
    from reportgen.distributed import init_world, shutdown
    from reportgen.errors import RunInterrupted
    from reportgen.progress import Reporter, make_reporter
    from reportgen.runner import resume_hint

    world = init_world()
    reporter = make_reporter() if world.is_main else Reporter(quiet=True)
    try:
        run_dir = api.run(experiment, set_, runs_dir=runs_dir, resume=resume, reporter=reporter, world=world)
    except UserError as e:
        reporter.close()
        fail(str(e))
    except RunInterrupted as e:
        reporter.close()
        fail(f"{e}. Continue with:\n  {resume_hint(e.run_dir, experiment, set_)}", code=130)
    reporter.close()
    shutdown(world)
    if world.is_main:
        typer.echo(str(run_dir))


@app.command()
def render(
    run_dir: Optional[Path] = typer.Argument(None, help="run directory; default: the newest under runs/"),
    format_: str = typer.Option("pdf", "--format", help="pdf | pptx | html"),
    out: Optional[Path] = typer.Option(None, "--out", help="output file"),
    lang: Optional[str] = typer.Option(None, "--lang", help="id | en; default: the experiment's report.language"),
    runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help="where to look for the newest run"),
) -> None:
    """Render a finished run as a PDF report, PPTX deck or HTML page; prints the written file."""
    from reportgen import api

    try:
        typer.echo(str(api.render(run_dir, format_, out=out, lang=lang, runs_dir=runs_dir)))
    except UserError as e:
        fail(str(e))


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
    set_: list[str] = typer.Option([], "--set", help="override a key, e.g. --set train.epochs=2"),
    storage: Optional[str] = typer.Option(None, "--storage", help="Optuna storage URL (default: SQLite under runs/)"),
    workers: int = typer.Option(1, "--workers", min=1, help="local worker processes"),
    runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help="where trial run directories are created"),
    run_best: bool = typer.Option(False, "--run", help="then train best.toml (every model) into --runs-dir"),
) -> None:
    """Hyper-parameter search over [tune]; prints the folder with summary.json and best.toml, and
    with --run then the directory of best.toml's run last."""
    from reportgen import api
    from reportgen.errors import RunInterrupted
    from reportgen.progress import make_reporter
    from reportgen.runner import resume_hint
    from reportgen.tune import best_toml, search, shown_url

    reporter = make_reporter()
    run_dir = None
    try:
        out = search(experiment, set_, runs_dir, storage, workers, reporter)
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
        sets = "".join(f" --set {o}" for o in set_)
        fail(f"interrupted; finished trials are kept in the study. Continue with:\n  "
             f"reportgen tune {experiment}{sets}" + (f" --storage {shown_url(storage)}" if storage else ""), code=130)
    reporter.close()
    typer.echo(str(out))
    if run_dir is not None:
        typer.echo(str(run_dir))


@app.command()
def models(
    num_classes: int = typer.Option(10, "--num-classes", min=2),
    image_size: int = typer.Option(32, "--image-size", min=8),
) -> None:
    """Every registered architecture with its parameter count (default params)."""
    from rich.console import Console
    from rich.table import Table

    from reportgen.models import ARCHITECTURES, build, count_params

    table = Table("arch", "parameters", "description")
    for name, entry in ARCHITECTURES.items():
        try:
            count = f"{count_params(build(name, num_classes, image_size)):,}"
        except ValueError as e:  # e.g. cnn needs an image size divisible by 8
            count = f"n/a ({e})"
        table.add_row(name, count, entry.summary)
    Console(width=max(100, Console().width)).print(table)
