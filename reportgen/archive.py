"""The run's files an archival PDF carries inside it, so that the report and the facts it was made
from travel as one file: the experiment, the environment, the analysis, each model's predictions
and the figure data (the figures are drawn from it, so a document rebuilt from the attachments
alone has the same figures and words). Each is read through the run directory's safe readers (a
link leading out of the run, a FIFO or an oversized file is refused), byte for byte as the run
holds it."""

from __future__ import annotations

from dataclasses import dataclass

from reportgen.figures.files import DATA
from reportgen.rundir import RunDir, present, read_run_bytes
from reportgen.schema.analysis import Analysis


@dataclass(frozen=True)
class ArchivedFile:
    name: str  # its path relative to the run directory: "small-cnn/predictions.csv"
    data: bytes
    description: str  # what it is, in English: the archive is read by tools as much as by people


def archived_files(run: RunDir, analysis: Analysis) -> list[ArchivedFile]:
    """The run's own files in the order a reader needs them; a model without predictions (one that
    was interrupted before its evaluation) has none to carry."""
    files = [(run.experiment, "the experiment the run was started from"),
             (run.environment, "the software and hardware the run trained on"),
             (run.analysis, "every fact and verdict the report states")]
    for model in analysis.models:
        predictions = run.model(model.slug).predictions
        if present(predictions):
            files.append((predictions, f"the test-set predictions of the model {model.slug}"))
    files += [(path, "what a figure of the report is drawn from (NumPy arrays, no pickles)")
              for path in sorted((run.path / DATA).rglob("*.npz"))]
    return [ArchivedFile(path.relative_to(run.path).as_posix(), read_run_bytes(path, run.path), description)
            for path, description in files]
