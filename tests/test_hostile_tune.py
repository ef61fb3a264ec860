"""`reportgen tune` under hostile or careless use: a resume line that can be pasted, a best.toml that
runs from any folder, a large grid that says what it is doing, two searches started at once on a
fresh SQLite study, and SIGTERM to the parent of several workers."""

from __future__ import annotations

import contextlib
import multiprocessing
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest

from helpers import write_experiment
from helpers import exit_codes_at_once, postgres_url, write_search
from reportgen.config import load_experiment


def test_the_resume_lines_paste_back_into_the_same_command():
    from reportgen.cli import resume_hint, tune_resume_hint

    sets = ["report.title=Model 'A' vs \"B\"", "train.lr=0.01", "data.root=/data/my images"]
    line = tune_resume_hint(Path("exp dir/exp.toml"), sets, Path("/tmp/my runs"),
                            "postgresql://bob:s3cret@db/x", 2, True, True)
    assert shlex.split(line) == ["reportgen", "tune", "exp dir/exp.toml", "--set", sets[0], "--set", sets[1],
                                 "--set", sets[2], "--runs-dir", "/tmp/my runs", "--storage",
                                 "postgresql://bob:***@db/x", "--workers", "2", "--yes", "--run"]
    run_line = resume_hint(Path("runs/t/2026 01"), Path("exp dir/exp.toml"), sets[:1])
    assert shlex.split(run_line) == ["reportgen", "run", "exp dir/exp.toml", "--set", sets[0],
                                     "--resume", "runs/t/2026 01"]


def test_best_toml_runs_from_any_folder(tmp_path, monkeypatch):
    """best.toml names the search's summary; relative to where `tune` ran it is found nowhere else."""
    from reportgen.tune import best_experiment

    (tmp_path / "here" / "runs").mkdir(parents=True)
    summary = tmp_path / "here" / "runs" / "summary.json"
    summary.write_text("{}")
    monkeypatch.chdir(tmp_path / "here")
    exp = load_experiment(write_experiment(tmp_path, ("fc_neurons = 16 }\n", 'fc_neurons = 16 }\n[tune]\n'
                                                      'model = "c"\nspace = { "train.lr" = [0.1] }\n')))
    best = tmp_path / "best.toml"
    best.write_text(best_experiment(exp, {"train.lr": 0.1}, Path("runs/summary.json")).to_toml())
    monkeypatch.chdir(tmp_path)
    assert Path(load_experiment(best).report.tuning) == summary


def test_a_large_grid_says_how_far_its_queue_has_got(tmp_path, monkeypatch):
    """Optuna queues a trial in tens of milliseconds: 100,000 points took minutes without a word."""
    import reportgen.tune as tune
    from reportgen.progress import Reporter

    monkeypatch.setattr(tune, "ENQUEUE_REPORT_EVERY", 4)  # 20 points stand for a large grid
    lines = []
    monkeypatch.setattr(Reporter, "message", lambda self, text: lines.append(text))
    exp = load_experiment(write_experiment(tmp_path, ("fc_neurons = 16 }\n", 'fc_neurons = 16 }\n[tune]\n'
                                                      'model = "c"\nspace = { "train.lr" = [0.1, 0.2, 0.3, 0.4, '
                                                      '0.5], "train.momentum" = [0.1, 0.2, 0.3, 0.4] }\n')))
    storage = tune.open_storage(f"sqlite:///{tmp_path / 'study.db'}")
    tune.enqueue_grid(tune.open_study(exp, storage), storage, exp, Reporter())
    assert lines == [f"queued {n} of 20 grid points" for n in (4, 8, 12, 16, 20)]


def open_at_once(experiment: Path, url: str, barrier) -> None:
    from reportgen.tune import open_storage, open_study

    exp = load_experiment(experiment)
    barrier.wait()
    open_study(exp, open_storage(url))


@contextlib.contextmanager
def fresh_database(backend: str, tmp_path: Path, attempt: int) -> Iterator[str]:
    """The URL of an empty study storage: a new SQLite file, or a new database on the PostgreSQL
    server the tests are given (created and dropped here)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'study{attempt}.db'}"
        return
    import sqlalchemy

    server = sqlalchemy.engine.make_url(postgres_url())
    name = f"reportgen_race_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_searches_started_at_once_share_a_fresh_study(tmp_path, backend):
    """Unlocked, each creates the tables: 'UNIQUE constraint failed: alembic_version' (SQLite) or
    'duplicate key value violates unique constraint' (PostgreSQL) for all but one."""
    experiment = write_experiment(tmp_path, ("fc_neurons = 16 }\n", 'fc_neurons = 16 }\n[tune]\nmodel = "c"\n'
                                                                   'space = { "train.lr" = [0.1] }\n'))
    ctx = multiprocessing.get_context("fork")  # reportgen is imported already: the race starts at once
    for attempt in range(3):
        with fresh_database(backend, tmp_path, attempt) as url:
            assert exit_codes_at_once(ctx, 3, open_at_once, experiment, url) == [0, 0, 0]


def worker_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children]


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.slow
def test_sigterm_to_the_parent_stops_its_workers_and_prints_the_resume_line(tmp_path):
    experiment = write_search(tmp_path, epochs=200)  # far longer than the test waits
    cmd = [sys.executable, "-m", "reportgen", "tune", str(experiment), "--workers", "2",
           "--runs-dir", str(tmp_path / "my runs")]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while (len(list((tmp_path / "my runs").glob("search/tune/trial-*/tiny/history.csv"))) < 2
           and time.monotonic() < deadline):
        time.sleep(0.5)  # until both workers have trained an epoch
    workers = [pid for pid in worker_pids(proc.pid) if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]
    assert len(workers) == 2
    proc.send_signal(signal.SIGTERM)  # the parent alone, as a scheduler or `kill` sends it
    _, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert not any(alive(pid) for pid in workers)  # no worker trains on unseen
    resume = stderr.strip().splitlines()[-1].strip()
    assert shlex.split(resume) == ["reportgen", "tune", str(experiment), "--runs-dir", str(tmp_path / "my runs"),
                                   "--workers", "2"]
    study = optuna.load_study(study_name="search", storage=f"sqlite:///{tmp_path / 'my runs/search/tune/study.db'}")
    assert not study.get_trials(states=(optuna.trial.TrialState.RUNNING,))  # each told the study it failed
