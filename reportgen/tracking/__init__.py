"""The run in the experiment trackers people already use, from the run directory alone (never the
dataset):

    export_run(run_dir, "tensorboard", DIR)  event files under DIR, one TensorBoard run per model and seed
    export_run(run_dir, "mlflow", URI)       one MLflow run per model and seed in a folder store or on a server

Both need the optional packages of the `tracking` extra; without them, one line says how to install it."""

from __future__ import annotations

import importlib
from pathlib import Path

from reportgen.errors import UserError

# Each target and the packages of the extra it needs
TARGETS = {"tensorboard": ("tensorboard",), "mlflow": ("mlflow",)}
INSTALL = "pip install 'reportgen[tracking]'"


def require(to: str) -> None:
    for package in TARGETS[to]:
        try:
            importlib.import_module(package)
        except ImportError:
            raise UserError(f"exporting to {to} needs the optional '{package}' package: {INSTALL}") from None


def export_run(run_dir: Path, to: str, target: str) -> str:
    """Send the run to `to`'s `target`; returns where it went (the run's event folder, or the
    MLflow tracking URI)."""
    if to not in TARGETS:
        raise UserError(f"--to must be {' or '.join(TARGETS)} (got '{to}')")
    require(to)
    from reportgen.tracking.run_record import read_run

    record = read_run(run_dir)
    if to == "tensorboard":
        from reportgen.tracking.tensorboard_events import write_tensorboard

        return str(write_tensorboard(record, Path(target)))
    from reportgen.tracking.mlflow_runs import write_mlflow

    return write_mlflow(record, target)
