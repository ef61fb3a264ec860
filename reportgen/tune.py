"""`reportgen tune`: hyper-parameter search with Optuna over the `[tune]` table.

Each trial trains and evaluates the searched model with one point of the space into a run
directory (`runs/<name>/tune/trial-NNNN-<uid>/`) and is scored from its metrics.json: a trial is not
analysed (no figures, no Grad-CAM, no analysis.json), since only its score is read; `reportgen
render` analyses one on request. The run of best.toml gets the full analysis. The study lives
in an Optuna storage (SQLite under runs/ by default; PostgreSQL lets workers on many machines share
one study). The study's summary, the search figure's data and the best configuration as a
ready-to-run experiment are written next to the trials.

A trial's folder belongs to one study: `uid` is a random name the study's first `tune` records with
the resolved experiment (study user attributes `uid` and `experiment`). Another study in the same
runs directory (study.db deleted, another storage) has another uid, so it never finds an old
trial's results in its folders. A later `tune` whose experiment differs (say `--set
train.epochs=7`) is refused, as `run --resume` refuses one: the finished trials were not trained
from it. Only the storage and the tpe budget `trials` may change.

Grid search visits every point exactly once, also with several workers (Optuna's GridSampler lets
concurrent workers pick the same point): all points are enqueued as WAITING trials before any
worker starts, and a worker only trains a trial it claimed from that queue. The enqueue reads the
study and then writes the missing points under the study's lock (a PostgreSQL advisory lock; for
SQLite an flock on `<database>.lock`), so several `tune` starting at once enqueue each point once.
A worker claims a trial through the storage, flipping it from WAITING to RUNNING in one
transaction, the step `study.ask()` takes for a queued trial; when another worker got there first
the flip fails and the next trial is tried. A worker that finds no WAITING trial left stops. It
never calls `ask()`, which with the queue emptied by another worker would create a fresh trial, to
be closed as FAIL untrained: the study holds the grid's trials and nothing else.

A worker records a heartbeat while it trains; a RUNNING trial whose heartbeat is GRACE_SECONDS old
belonged to a worker that died, and the next `tune` fails it and enqueues its point again. When
the workers stop with a point still unfinished (another machine is training it, or its worker died
less than GRACE_SECONDS ago), `tune` writes no summary and says when to run again: a summary
without that point could recommend a point that is not the best.

TPE workers share a budget of `trials`: each stops, through Optuna's MaxTrialsCallback, once the
study's finished and running trials reach it.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import json
import math
import multiprocessing
import os
import re
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import optuna
import sqlalchemy
from optuna.storages import RDBStorage
from optuna.study import MaxTrialsCallback
from optuna.trial import TrialState

from reportgen import signals
from reportgen.config import Experiment, TuneConfig, apply_override, differences, load_experiment, validate_experiment
from reportgen.errors import UserError
from reportgen.progress import Reporter
from reportgen.rundir import RunDir, atomic_write_text, write_model
from reportgen.schema.run import TuningSummary, TuningTrial

# The reporter says what each trial does; Optuna's own INFO lines ("[I ...] Trial 3 finished") would
# interleave with it. Its warnings still show.
optuna.logging.set_verbosity(optuna.logging.WARNING)

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
# A trial another worker is training counts: starting one more then would overshoot `trials`.
TPE_BUDGET = (*FINISHED, TrialState.RUNNING)
# A worker writes one heartbeat row every HEARTBEAT_SECONDS: often enough that a killed worker's point is
# trained again about a minute later, rarely enough that a shared database sees three writes a minute per worker.
HEARTBEAT_SECONDS = 20
# How old a RUNNING trial's last heartbeat must be before `tune` takes its worker for dead: three beats, so
# a beat or two delayed by a busy machine or a slow database never fails a live worker's trial.
GRACE_SECONDS = 3 * HEARTBEAT_SECONDS
# A larger grid is more likely a typo in tune.space than days of training meant: `--yes` confirms it.
MAX_GRID_POINTS = 1_000
ENQUEUE_REPORT_EVERY = 100  # queued points between progress lines, at least
WORKER_STOP_SECONDS = 60  # how long an interrupted worker may take to record its trial and exit


# --- the space -----------------------------------------------------------------------------------

def encode(value: Any) -> Any:
    """Optuna stores scalars only; a list choice (e.g. conv_filters) travels as its JSON text."""
    return json.dumps(value) if isinstance(value, (list, dict)) else value


def decode(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value[:1] in "[{" else value


def grid_points(space: dict[str, list[Any]]) -> list[dict[str, Any]]:
    keys = list(space)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(space[k] for k in keys))]


def each_value(space: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Points that hold every value of the space once, the other keys at their first value."""
    first = {key: values[0] for key, values in space.items()}
    return [{**first, key: value} for key, values in space.items() for value in values]


def encode_point(point: dict[str, Any]) -> dict[str, Any]:
    return {k: encode(v) for k, v in point.items()}


def point_key(point: dict[str, Any]) -> str:
    """A grid point as its trials' user attribute `grid_point`."""
    return json.dumps(encode_point(point), sort_keys=True)


def trial_experiment(exp: Experiment, point: dict[str, Any]) -> Experiment:
    """The experiment of one trial: only the searched model, with the point's values set."""
    raw = exp.model_dump(mode="python", exclude_none=True)
    index = next(i for i, m in enumerate(exp.models) if m.label == exp.tune.model)
    raw["models"] = [raw["models"][index]]
    raw.pop("tune")
    # The comparison (e.g. the searched CNN against ResNet18) is best.toml's run; a trial trains
    # the searched model alone, so a baseline naming another model has nothing to point at.
    raw["report"].pop("baseline", None)
    # A trial scores its point with one training, of the model's first seed: the search compares
    # points, not seeds. best.toml keeps `seeds`, so its run repeats the chosen point per seed.
    own = raw["models"][0]["train"]
    own["seed"] = exp.models[index].train.run_seeds[0]
    for table in (raw["train"], own):
        table.pop("seeds", None)
    for key, value in point.items():
        apply_override(raw["models"][0], key.split("."), value, key)
    return validate_experiment(raw, f"[tune] point {point}")


def best_experiment(exp: Experiment, point: dict[str, Any], summary: Path) -> Experiment:
    """The whole experiment with the searched model set to the best point: ready to run, and
    pointing at the search's summary so its report shows how the point was chosen."""
    raw = exp.model_dump(mode="python", exclude_none=True)
    raw["report"]["tuning"] = str(summary.resolve())  # best.toml runs from any folder
    index = next(i for i, m in enumerate(exp.models) if m.label == exp.tune.model)
    for key, value in point.items():
        apply_override(raw["models"][index], key.split("."), value, key)
    raw.pop("tune")
    return validate_experiment(raw, "best configuration")


def best_toml(out: Path) -> Path:
    """The search's best configuration in its tune folder `out`, to be run."""
    path = out / "best.toml"
    if not path.is_file():
        raise UserError(f"no trial of the search in {out} completed, so there is no best configuration to run; "
                        f"see {out / 'summary.json'} for how each trial ended")
    return path


# --- the study -----------------------------------------------------------------------------------

def tune_dir(exp: Experiment, runs_dir: Path) -> Path:
    return runs_dir / exp.name / "tune"


def check_tune_dir(exp: Experiment, runs_dir: Path) -> None:
    """The search's folder (trials, summary, best.toml) can be made, checked without making it: a
    read-only --runs-dir, or a file in its place, is one line before the study opens, not a failed
    trial after."""
    folder = tune_dir(exp, runs_dir)
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"cannot write the search's folder '{folder}': '{existing}' is "
                        f"{'no folder' if not existing.is_dir() else 'read-only'}; choose another --runs-dir")


def storage_url(exp: Experiment, runs_dir: Path, override: str | None) -> str:
    if override or exp.tune.storage:
        return override or exp.tune.storage
    path = tune_dir(exp, runs_dir) / "study.db"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:  # a full disk, or made read-only since check_tune_dir
        raise UserError(f"cannot write the search's folder '{path.parent}': {e.strerror or e}") from None
    return f"sqlite:///{path.resolve()}"


def make_pruner(tune: TuneConfig, epochs: int) -> optuna.pruners.BasePruner:
    # A trial reports its metric at step = epoch (counted from 1), so Optuna's warmup steps are epochs.
    return {
        "none": optuna.pruners.NopPruner,
        "median": lambda: optuna.pruners.MedianPruner(n_startup_trials=tune.startup_trials,
                                                      n_warmup_steps=tune.prune_from_epoch),
        "hyperband": lambda: optuna.pruners.HyperbandPruner(min_resource=1, max_resource=epochs),
    }[tune.pruner]()


def serialize_sqlite_transactions(engine: sqlalchemy.engine.Engine) -> None:
    """Optuna claims a queued trial by reading it as WAITING and writing RUNNING in one
    transaction. PostgreSQL locks the row; pysqlite only begins the transaction at the write, so
    two workers could both claim (and both train) one grid point. BEGIN IMMEDIATE takes SQLite's
    write lock when the transaction starts (SQLAlchemy's recipe for pysqlite)."""

    @sqlalchemy.event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @sqlalchemy.event.listens_for(engine, "begin")
    def _begin_immediate(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    engine.dispose()  # connections opened while Optuna created the schema predate the listeners


def shown_url(url: str) -> str:
    """A storage URL as it may be printed: with its password masked."""
    try:
        return sqlalchemy.engine.make_url(url).render_as_string(hide_password=True)
    except sqlalchemy.exc.ArgumentError:  # not a URL SQLAlchemy can parse: mask what looks like :password@
        return re.sub(r":[^:@/]*@", ":***@", url)


def in_memory_sqlite(url: str) -> bool:
    try:
        parsed = sqlalchemy.engine.make_url(url)
    except sqlalchemy.exc.ArgumentError:
        return False
    return parsed.get_backend_name() == "sqlite" and (parsed.database in (None, "", ":memory:")
                                                       or parsed.query.get("mode") == "memory")


@contextlib.contextmanager
def file_lock(path: str) -> Iterator[None]:
    """An exclusive flock on `path`, shared by every process on this machine; closing the file
    releases it, also when the process dies."""
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def advisory_lock_key(text: str) -> int:
    """A PostgreSQL advisory lock's key: 64 bits of the text's hash, the same on every machine."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def creation_lock(url: str) -> Iterator[None]:
    """Held while Optuna opens the storage, so that of several `tune` started at once on a fresh
    database the first creates its tables and the others find them (unlocked, each would create
    them, and all but one fail on alembic_version's unique key)."""
    parsed = sqlalchemy.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        with file_lock(f"{parsed.database}.lock"):
            yield
    elif parsed.get_backend_name() == "postgresql":
        engine = sqlalchemy.create_engine(parsed, poolclass=sqlalchemy.pool.NullPool)
        try:
            with engine.connect() as connection:  # a session lock: it ends with the connection
                connection.execute(sqlalchemy.text("SELECT pg_advisory_lock(:key)"),
                                   {"key": advisory_lock_key("reportgen tune storage")})
                yield
        finally:
            engine.dispose()
    else:  # refused by open_storage once opened
        yield


def open_storage(url: str) -> RDBStorage:
    if in_memory_sqlite(url):
        raise UserError(f"study storage '{shown_url(url)}' is in memory, where the workers cannot share it and "
                        "the next `tune` cannot continue it; name a file (sqlite:///path/study.db) or leave "
                        "--storage out (the default is runs/<name>/tune/study.db)")
    try:
        sqlite = url.startswith("sqlite")
        # Heartbeats let a later `tune` fail (and so re-run) trials of a worker that was killed.
        with warnings.catch_warnings(), creation_lock(url):
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            storage = RDBStorage(url, heartbeat_interval=HEARTBEAT_SECONDS, grace_period=GRACE_SECONDS,
                                 engine_kwargs={"connect_args": {"timeout": 60}} if sqlite else None)
    except Exception as e:  # bad URL, unreachable server, missing driver
        shown = shown_url(url)
        reason = str(e).replace(url, shown).splitlines()[0]  # drivers add hints and links on further lines
        raise UserError(f"cannot open the study storage '{shown}': {reason}") from None
    if storage.engine.url.get_backend_name() not in ("sqlite", "postgresql"):  # study_lock knows these two
        raise UserError(f"study storage '{shown_url(url)}': `reportgen tune` keeps its study in SQLite or PostgreSQL")
    if sqlite:
        serialize_sqlite_transactions(storage.engine)
    return storage


@contextlib.contextmanager
def study_lock(storage: RDBStorage, name: str) -> Iterator[None]:
    """Hold the study's lock, shared by every process and machine using the storage, so that one
    `tune` at a time reads the study and then writes what it did not find there."""
    url = storage.engine.url
    if url.get_backend_name() == "postgresql":
        with storage.engine.begin() as connection:  # the lock ends with this transaction
            connection.execute(sqlalchemy.text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": advisory_lock_key(f"reportgen tune {name}")})
            yield
    else:
        # SQLite locks the whole database for a transaction, which would block Optuna's own writes
        # in this process: the lock is a file beside the database instead (open_storage refuses
        # an in-memory database).
        with file_lock(f"{url.database}.lock"):
            yield


def recorded_experiment(exp: Experiment) -> dict[str, Any]:
    """What a study's trials were trained from. The storage may move and the tpe budget may grow
    without changing what a trial trains."""
    raw = exp.model_dump(mode="json", exclude_none=True)
    for key in ("storage", "trials"):
        raw["tune"].pop(key, None)
    return raw


def open_study(exp: Experiment, storage: RDBStorage) -> optuna.Study:
    """Create or load the study. Its first `tune` records the experiment and a random `uid` that
    names its trial folders; a later `tune` with a different experiment is refused, since the
    study's finished trials would be reused as if trained from it."""
    t = exp.tune
    study = optuna.create_study(
        study_name=exp.name, storage=storage, load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=exp.train.seed) if t.sampler == "tpe" else None,
        direction="maximize" if t.metric == "val_acc" else "minimize",
        pruner=make_pruner(t, exp.model(t.model).train.epochs),
    )
    recorded = recorded_experiment(exp)
    with study_lock(storage, exp.name):
        attrs = study.user_attrs
        if "experiment" not in attrs:
            study.set_user_attr("uid", uuid.uuid4().hex[:8])
            study.set_user_attr("experiment", recorded)
        elif attrs["experiment"] != recorded:
            raise UserError(
                f"study '{exp.name}' in {shown_url(storage.url)} was started with a different experiment (differs in: "
                f"{', '.join(differences(attrs['experiment'], recorded))}); its trials were not trained with it. "
                "Continue it with the same experiment file and --set options, start a new study with another "
                f"name (--set name=...), or delete it (optuna delete-study --study-name {exp.name} --storage URL; "
                "the default storage is runs/<name>/tune/study.db).")
    return study


def enqueue_grid(study: optuna.Study, storage: RDBStorage, exp: Experiment, reporter: Reporter) -> None:
    """Every grid point not yet finished, running or waiting goes into the queue once, also when
    several `tune` enqueue at the same instant: the study's lock is held from the read to the last
    write. A trial that was interrupted (left FAIL) is enqueued again; finished ones never are.
    Each queued trial carries its point as the user attribute `grid_point`. Optuna writes a queued
    trial in tens of milliseconds, so a large grid says how far it got every 1% of the way."""
    with study_lock(storage, study.study_name):
        taken = {t.user_attrs.get("grid_point") for t in study.get_trials(
            deepcopy=False, states=(*FINISHED, TrialState.WAITING, TrialState.RUNNING))}
        missing = [point for point in grid_points(exp.tune.space) if point_key(point) not in taken]
        step = max(ENQUEUE_REPORT_EVERY, -(-len(missing) // 100))
        for done, point in enumerate(missing, start=1):
            study.enqueue_trial(encode_point(point), user_attrs={"grid_point": point_key(point)})
            if done % step == 0 or done == len(missing) >= ENQUEUE_REPORT_EVERY:
                reporter.message(f"queued {done:,} of {len(missing):,} grid points")


def require_grid_finished(study: optuna.Study, exp: Experiment) -> None:
    """A summary without one of the grid's points could name a best point that is not the best."""
    done = {t.user_attrs.get("grid_point") for t in study.get_trials(deepcopy=False, states=FINISHED)}
    grid = grid_points(exp.tune.space)
    left = sum(point_key(p) not in done for p in grid)
    if left:
        raise UserError(
            f"{left} of {len(grid)} grid points are not finished: another worker may still be training them, "
            f"or one died less than {GRACE_SECONDS} s ago (its trial is trained again once its last heartbeat "
            f"is {GRACE_SECONDS} s old). No summary was written; run `reportgen tune` again when the other "
            f"workers are done, or after {GRACE_SECONDS} s.")


# --- one trial -----------------------------------------------------------------------------------

def run_trial(exp: Experiment, trial: optuna.Trial, runs_dir: Path, reporter: Reporter) -> float:
    from reportgen.analysis.facts import read_metrics
    from reportgen.runner import run_experiment, start_run

    space = exp.tune.space
    point = {k: decode(trial.suggest_categorical(k, [encode(v) for v in space[k]])) for k in space}
    trial_exp = trial_experiment(exp, point)
    # The study's uid keeps another study's trial of the same number out of this folder.
    folder = f"trial-{trial.number:04d}-{trial.study.user_attrs['uid']}"
    run = start_run(trial_exp, RunDir.at(tune_dir(exp, runs_dir) / folder))
    trial.set_user_attr("run_dir", str(run.path))
    metric = exp.tune.metric
    reporter.message(f"trial {trial.number}: {point}")

    def prune(row: dict) -> bool:
        trial.report(row[metric], step=row["epoch"])
        return trial.should_prune()

    run_experiment(trial_exp, run, reporter, prune=prune, analysed=False)
    metrics = read_metrics(run.model(trial_exp.models[0].slug))
    trial.set_user_attr("status", metrics.status)
    trial.set_user_attr("epochs", metrics.epochs_run)
    score = getattr(metrics, metric)
    if metrics.status == "pruned":
        raise optuna.TrialPruned()
    if metrics.status == "diverged" or score is None:
        raise optuna.TrialPruned(f"diverged: {metrics.status}")
    return score


def claim_queued_trial(study: optuna.Study, storage: RDBStorage) -> int | None:
    """The id of a WAITING trial this worker has just set RUNNING, or None when none is left."""
    study_id = storage.get_study_id_from_name(study.study_name)
    for queued in study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
        trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, queued.number)
        # False, or the error when it has even finished: another worker claimed it first.
        with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
            if storage.set_trial_state_values(trial_id, TrialState.RUNNING):
                return trial_id
    return None


@contextlib.contextmanager
def heartbeat(storage: RDBStorage, trial_id: int) -> Iterator[None]:
    """Record that the trial is alive every HEARTBEAT_SECONDS, as `optimize()` does for its trials,
    so that a later `tune` fails the trial of a killed worker and enqueues its point again."""
    stop = threading.Event()
    storage.record_heartbeat(trial_id)  # before training: a worker killed at once leaves a stale trial

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            storage.record_heartbeat(trial_id)

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_claimed_trial(study: optuna.Study, storage: RDBStorage, trial_id: int,
                      objective: Callable[[optuna.Trial], float]) -> None:
    """Train a claimed trial and tell the study how it ended, as `optimize()` would: PRUNED, or
    FAIL on an error or Ctrl-C (re-raised; the next `tune` enqueues the point again)."""
    trial = optuna.Trial(study, trial_id)
    state, value = TrialState.COMPLETE, None
    with heartbeat(storage, trial_id):
        try:
            value = objective(trial)
        except optuna.TrialPruned:
            state = TrialState.PRUNED
        except BaseException:
            study.tell(trial, state=TrialState.FAIL)
            raise
    study.tell(trial, value, state=state)


def worker(experiment: Path, overrides: list[str], runs_dir: Path, url: str, reporter: Reporter) -> None:
    """Train trials until the grid's queue is empty (grid) or the study has `trials` trials (tpe)."""
    exp = load_experiment(experiment, overrides)
    storage = open_storage(url)
    study = open_study(exp, storage)
    t = exp.tune

    def objective(trial: optuna.Trial) -> float:
        return run_trial(exp, trial, runs_dir, reporter)

    if t.sampler == "grid":
        while (trial_id := claim_queued_trial(study, storage)) is not None:
            run_claimed_trial(study, storage, trial_id, objective)
        return
    # n_trials bounds this worker by what was left when it started; the callback stops it as soon
    # as the other workers have used up the rest.
    left = t.trials - len(study.get_trials(deepcopy=False, states=TPE_BUDGET))
    study.optimize(objective, n_trials=max(left, 0), callbacks=[MaxTrialsCallback(t.trials, states=TPE_BUDGET)])


def _worker_process(experiment: str, overrides: list[str], runs_dir: str, url: str) -> None:
    # SIGTERM too ends the trial as Ctrl-C does (told FAIL, enqueued again by the next `tune`); a
    # second signal, say the parent's forward of a Ctrl-C the worker already had, must not cut that short.
    signals.raise_interrupt_on_signals(once=True)
    try:
        worker(Path(experiment), overrides, Path(runs_dir), url, Reporter())
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the parent alone says what to do
        sys.exit(130)


def run_workers(experiment: Path, overrides: list[str], runs_dir: Path, url: str, workers: int) -> None:
    """`workers` worker processes until they stop. Ctrl-C or SIGTERM to this process (an interrupt
    here) is passed on to the workers, which end their trials, before it goes on up."""
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no forked torch threads
    procs = [ctx.Process(target=_worker_process, args=(str(experiment), overrides, str(runs_dir), url))
             for _ in range(workers)]
    try:
        for p in procs:
            p.start()
        for p in procs:
            p.join()
    except KeyboardInterrupt:
        for p in procs:
            if p.is_alive():
                p.terminate()  # SIGTERM: the worker tells the study its trial failed, then exits
        for p in procs:
            p.join(timeout=WORKER_STOP_SECONDS)
            if p.is_alive():
                p.kill()
        raise
    if any(p.exitcode for p in procs):
        raise UserError(f"{sum(bool(p.exitcode) for p in procs)} of {workers} workers failed; "
                        "run `reportgen tune` again to continue the study")


# --- the search ----------------------------------------------------------------------------------

def check_search(exp: Experiment, experiment: Path, yes: bool, reporter: Reporter) -> None:
    """What must hold before the study opens: a [tune] table, a grid of at most MAX_GRID_POINTS
    points unless `yes`, the experiment itself (preflight) and every point of the space."""
    if exp.tune is None:
        raise UserError(f"{experiment}: has no [tune] table to search over")
    if exp.tune.sampler == "tpe" and exp.tune.trials == 0:
        raise UserError(f"{experiment}: `tune.trials` must be > 0 with the tpe sampler")
    space, grid = exp.tune.space, exp.tune.sampler == "grid"
    count = math.prod(len(values) for values in space.values())
    size = f"{count:,} points (" + " x ".join(f"{len(values)} {key}" for key, values in space.items()) + ")"
    if grid and count > MAX_GRID_POINTS and not yes:
        raise UserError(f"{experiment}: the grid has {size}, each a model to train; add --yes to search it all, "
                        "or give tune.space fewer values")
    from reportgen.runner import check_models, preflight

    preflight(exp)  # the data, logo and every model as best.toml's run trains them
    if count > ENQUEUE_REPORT_EVERY:  # checking and queueing it takes a while: say what is coming
        reporter.message(f"search space: {size}")
    # Every point of a grid is trained, so every one must be a valid experiment before any training;
    # tpe's space may be far larger than what it samples: each value is checked once.
    for point in grid_points(space) if grid else each_value(space):
        check_models(trial_experiment(exp, point))


def search(experiment: Path, overrides: list[str], runs_dir: Path, storage: str | None, workers: int,
           reporter: Reporter, yes: bool = False) -> Path:
    """Prepare the study, run `workers` local workers, write the summary; returns the tune folder.
    A grid of more than MAX_GRID_POINTS points is searched only with `yes`."""
    exp = load_experiment(experiment, overrides, on_replace=reporter.message)
    check_search(exp, experiment, yes, reporter)
    check_tune_dir(exp, runs_dir)
    url = storage_url(exp, runs_dir, storage)
    rdb = open_storage(url)
    study = open_study(exp, rdb)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)
    if exp.tune.sampler == "grid":
        enqueue_grid(study, rdb, exp, reporter)
    reporter.message(f"study '{exp.name}' in {shown_url(url)}")
    seeds = exp.model(exp.tune.model).train.run_seeds
    if len(seeds) > 1:
        reporter.message(f"each trial trains once, with seed {seeds[0]}; train.seeds {seeds} applies to the run "
                         "of best.toml")
    started = time.perf_counter()
    if workers <= 1:
        worker(experiment, overrides, runs_dir, url, reporter)
    else:
        run_workers(experiment, overrides, runs_dir, url, workers)
    study = optuna.load_study(study_name=exp.name, storage=url)
    if exp.tune.sampler == "grid":
        require_grid_finished(study, exp)
    return write_summary(exp, study, runs_dir, time.perf_counter() - started)


def write_summary(exp: Experiment, study: optuna.Study, runs_dir: Path, seconds: float) -> Path:
    """summary.json (every trial, the best one, parameter importances) and best.toml."""
    out = tune_dir(exp, runs_dir)
    trials = [
        TuningTrial(
            # A diverged trial is PRUNED to Optuna (a finished point, never trained again), but the
            # pruner did not stop it: it is reported as what it was.
            number=t.number,
            state="diverged" if t.user_attrs.get("status") == "diverged" else t.state.name.lower(),
            # a pruned trial has no final value: its last reported one shows how far it got
            value=t.value if t.value is not None else
            (t.intermediate_values[max(t.intermediate_values)] if t.intermediate_values else None),
            params={k: decode(v) for k, v in t.params.items()},
            seconds=(t.datetime_complete - t.datetime_start).total_seconds()
            if t.datetime_complete and t.datetime_start else None,
            epochs=t.user_attrs.get("epochs"),  # None: the trial failed or is still training
            run_dir=t.user_attrs.get("run_dir", ""),
        )
        for t in study.get_trials(deepcopy=False, states=(*FINISHED, TrialState.FAIL, TrialState.RUNNING))
    ]
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    importances: dict[str, float] = {}
    if len(complete) >= 2 and len(exp.tune.space) >= 2:
        try:
            importances = optuna.importance.get_param_importances(study)
        except (RuntimeError, ValueError):  # e.g. every trial scored the same
            importances = {}
    summary = TuningSummary(
        study=exp.name, model=exp.tune.model, sampler=exp.tune.sampler, pruner=exp.tune.pruner,
        metric=exp.tune.metric, direction=study.direction.name.lower(), space=exp.tune.space, trials=trials,
        best=next(t for t in trials if t.number == study.best_trial.number) if complete else None,
        importances=importances,
        train=exp.model(exp.tune.model).train.model_dump(mode="json"),  # each trial's recipe before its point
        search_seconds=seconds,
    )
    write_model(out / "summary.json", summary)
    if summary.best is not None:
        atomic_write_text(out / "best.toml", best_experiment(exp, summary.best.params, out / "summary.json").to_toml())
    return out
