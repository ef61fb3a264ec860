"""MLflow: one MLflow run per model and seed in the experiment named like the reportgen experiment,
to a local store (a folder such as `mlruns`) or a tracking server: the recipe as params, every
epoch's history.csv values with the epoch as step, the final metrics, and as artifacts the run
folder's documents (report, deck, analysis.json, experiment.toml) and the model's figures.

Every MLflow run carries the tag `reportgen.run` = "<experiment>/<run folder>": exporting the same
run again deletes (MLflow's recoverable delete) the runs an earlier export made, once the new ones
are complete."""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from mlflow.entities import Metric, Param
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from reportgen.errors import UserError
from reportgen.tracking.images import draw_images
from reportgen.tracking.run_record import RunRecord, TrainedModel

# A model's status as MLflow's run status: a diverged training failed; a pruned or interrupted one was stopped
RUN_STATUS = {"completed": "FINISHED", "diverged": "FAILED", "pruned": "KILLED", "interrupted": "KILLED"}
# The most of each that one log_batch call takes
MAX_METRICS, MAX_PARAMS = 1000, 100


def tracking_uri(target: str) -> str:
    """A URI MLflow knows (http://host:5000, sqlite:///mlflow.db, file:///...) as it is; anything
    else is a folder for a local store."""
    scheme = urlsplit(target).scheme
    if len(scheme) > 1:  # one letter: a Windows drive, i.e. a folder
        return target
    return Path(target).expanduser().resolve().as_uri()


@contextmanager
def mlflow_settings(uri: str) -> Iterator[None]:
    """MLflow's settings for this export, each unless the user set it: a local folder store is
    allowed (MLflow refuses one unless told; the user named the folder), and an unreachable server
    fails within seconds instead of retrying for minutes. Its INFO lines (creating a database's
    tables) and a server's links to every run are held back: the command prints where the run went
    and nothing else."""
    wanted = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
              "MLFLOW_HTTP_REQUEST_TIMEOUT": "30", "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true"}
    if uri.startswith("file:"):
        wanted["MLFLOW_ALLOW_FILE_STORE"] = "true"
    added = {name: value for name, value in wanted.items() if name not in os.environ}
    os.environ.update(added)
    logger = logging.getLogger("mlflow")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)
        for name in added:
            os.environ.pop(name, None)


# The system's words for a network failure ("[Errno 111] Connection refused"), which MLflow wraps
# in a paragraph of its own and urllib3's
SYSTEM_REASON = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def reason(error: Exception) -> str:
    """An MLflow or network error's reason, short enough for the one line a user gets."""
    text = str(getattr(error, "message", None) or error)
    found = SYSTEM_REASON.search(text)
    lines = text.strip().splitlines()
    line = found.group(1).strip() if found else lines[0] if lines else type(error).__name__
    return line if len(line) <= 200 else line[:197] + "..."


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def log_model(client: MlflowClient, experiment_id: str, record: RunRecord, model: TrainedModel, drawn: Path) -> None:
    """One model's MLflow run, complete before its status is set."""
    facts = model.facts
    run_id = client.create_run(experiment_id, run_name=model.name, tags={
        "reportgen.run": record.key, "reportgen.run_dir": str(record.run.path.resolve()), "reportgen.model": facts.label,
        "reportgen.seed": str(model.seed), "reportgen.status": facts.status,
    }).info.run_id
    params = [Param(key, value if isinstance(value, str) else json.dumps(value))
              for key, value in model.params().items()]
    now = int(time.time() * 1000)
    metrics = [Metric(tag, value, now, epoch) for tag, points in model.epoch_metrics().items()
               for epoch, value in points]
    step = facts.best_epoch or 0  # the evaluated checkpoint's epoch
    metrics += [Metric(tag, value, now, step) for tag, value in model.final_metrics(record.eval_split).items()]
    for batch in chunks(params, MAX_PARAMS):
        client.log_batch(run_id, params=batch)
    for batch in chunks(metrics, MAX_METRICS):
        client.log_batch(run_id, metrics=batch)
    for document in record.documents:
        client.log_artifact(run_id, str(document))
    folder = drawn / run_id
    folder.mkdir()
    for path in draw_images(model, record.classes, record.language, folder).values():
        client.log_artifact(run_id, str(path), artifact_path="figures")
    client.set_terminated(run_id, RUN_STATUS[facts.status])


def artifact_location(uri: str) -> str | None:
    """Where a new experiment of a local database store keeps its artifacts: beside the database
    (MLflow's own default is ./mlruns of whichever folder the export runs in). None: the store decides."""
    database = uri.removeprefix("sqlite:///")
    if database == uri or not database:
        return None
    return (Path(database).resolve().parent / "mlartifacts").as_uri()


def experiment_id(client: MlflowClient, name: str, uri: str) -> str:
    found = client.get_experiment_by_name(name)
    if found is None:
        return client.create_experiment(name, artifact_location=artifact_location(uri))
    if found.lifecycle_stage == "deleted":  # MLflow keeps its name taken until it is restored or purged
        store = f"MLFLOW_TRACKING_URI={uri}" + (" MLFLOW_ALLOW_FILE_STORE=true" if uri.startswith("file:") else "")
        raise UserError(f"the MLflow experiment '{name}' at {uri} is deleted; restore it with `{store} mlflow "
                        f"experiments restore --experiment-id {found.experiment_id}` and export again")
    return found.experiment_id


def write_mlflow(record: RunRecord, target: str) -> str:
    """Every trained model of the run as an MLflow run; returns the tracking URI."""
    uri = tracking_uri(target)
    with mlflow_settings(uri):
        client = MlflowClient(tracking_uri=uri)
        try:
            experiment = experiment_id(client, record.experiment, uri)
        except (MlflowException, OSError) as e:  # OSError: also requests' connection errors
            raise UserError(f"cannot reach the MLflow store at {uri} ({reason(e)}); check the address, start "
                            "the server, or export to a folder: --to mlflow mlruns") from None
        try:
            earlier = client.search_runs([experiment], f"tags.`reportgen.run` = '{record.key}'")
            with tempfile.TemporaryDirectory() as drawn:
                for model in record.models:
                    log_model(client, experiment, record, model, Path(drawn))
            for run in earlier:
                client.delete_run(run.info.run_id)
        except (MlflowException, OSError) as e:
            raise UserError(f"MLflow at {uri} did not take the export ({reason(e)}); the runs it took are "
                            "replaced when you export again") from None
    return uri
