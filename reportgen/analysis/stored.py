"""A run's analysis.json as renderers read it: the stored facts, or the run analysed again when
they are missing, damaged or of another schema version. Reading a current one imports none of the
training stack (torch, torchvision, scipy: seconds of imports before a render could start)."""

from __future__ import annotations

from pathlib import Path

from reportgen.errors import UserError
from reportgen.progress import Reporter
from reportgen.rundir import DamagedFile, OtherVersion, ensure_writable, open_run, present, read_model
from reportgen.schema.analysis import Analysis


def load_analysis(run_dir: Path, reporter: Reporter | None = None) -> Analysis:
    """analysis.json as written when its schema version is this reportgen's. When it is missing,
    damaged or of another version, the run is analysed again from its files, after a line on
    `reporter` saying why (the run's files hold every fact; the analysis is only their summary).
    A file that is not the run's own (a link leading out of it, a FIFO) is refused instead."""
    run = open_run(Path(run_dir))
    reporter = reporter or Reporter()
    if not present(run.analysis):
        why = f"{run.analysis} is missing"
    else:
        try:
            analysis = read_model(run.analysis, run.path, Analysis, "")
        except OtherVersion as e:
            why = e.what
        except DamagedFile as e:
            why = str(e)
        else:
            analysis.run_dir = str(run.path)  # the folder may have been moved or copied since
            return analysis
    from reportgen.analysis.pipeline import analyse_files, read_run_files  # the training stack: only to analyse

    run_files = read_run_files(run.path)  # a damaged file is refused before anything is said or written
    try:
        ensure_writable(run.path)  # a read-only run is said at once, a full disk at its first write
        reporter.message(f"{why}; analysing the run again from its files")
        return analyse_files(run_files, reporter)
    except OSError as e:  # the analysis and its figures live in the run directory
        raise UserError(f"cannot write {e.filename or run.path}: {e.strerror or e}; the run must be analysed into "
                        f"its own folder before it can be rendered: copy it to a writable place (cp -r {run.path} "
                        "DEST) and render the copy") from None
