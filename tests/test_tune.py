"""`reportgen tune`: grid exactly once across workers, pruning, resume, best config, PostgreSQL."""

import json
import multiprocessing
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import optuna
import pypdf
import pytest
from pptx import Presentation

from helpers import exit_codes_at_once, postgres_url, write_search

import reportgen.tune
from reportgen import render
from reportgen.config import load_experiment
from reportgen.errors import UserError
from reportgen.progress import Reporter
from reportgen.rundir import RunDir
from reportgen.runner import run_experiment, start_run
from reportgen.tune import search

def load_summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def points(summary, states=("complete", "pruned")):
    return [json.dumps(t["params"], sort_keys=True) for t in summary["trials"] if t["state"] in states]


@pytest.mark.slow
def test_grid_visited_exactly_once_by_two_workers(tmp_path):
    out = search(write_search(tmp_path), [], tmp_path / "runs", None, 2, Reporter())
    summary = load_summary(out)
    visited = points(summary)
    assert len(visited) == 8 and len(set(visited)) == 8  # 2 x 2 x 2 points, none twice
    study = optuna.load_study(study_name="search", storage=f"sqlite:///{out / 'study.db'}")
    # The workers that found the queue empty stopped without leaving a trial behind.
    assert Counter(t.state for t in study.trials) == {optuna.trial.TrialState.COMPLETE: 8}
    assert len({t["run_dir"] for t in summary["trials"]}) == 8
    for trial in summary["trials"]:  # each trial is a normal run directory
        assert (Path(trial["run_dir"]) / "tiny" / "metrics.json").is_file()
    assert summary["best"]["value"] == max(t["value"] for t in summary["trials"])


def claim_queued_trials(experiment: str, url: str, claimed) -> None:
    """One worker: claim queued trials until none is left waiting, and report their numbers."""
    storage = reportgen.tune.open_storage(url)
    study = reportgen.tune.open_study(load_experiment(experiment), storage)
    while (trial_id := reportgen.tune.claim_queued_trial(study, storage)) is not None:
        number = storage.get_trial_number_from_id(trial_id)
        claimed.put(number)
        study.tell(number, 0.0)


@pytest.mark.slow
def test_sqlite_study_hands_each_queued_trial_to_one_worker(tmp_path):
    # Without BEGIN IMMEDIATE, pysqlite reads the WAITING trial outside any transaction, so two
    # workers can both claim it (seen as duplicate numbers and "Cannot tell a COMPLETE trial").
    experiment, url = str(write_search(tmp_path)), f"sqlite:///{tmp_path / 'study.db'}"
    study = reportgen.tune.open_study(load_experiment(experiment), reportgen.tune.open_storage(url))
    for i in range(60):
        study.enqueue_trial({"i": i})
    ctx = multiprocessing.get_context("spawn")
    claimed = ctx.Queue()
    workers = [ctx.Process(target=claim_queued_trials, args=(experiment, url, claimed)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    numbers = []
    while not claimed.empty():
        numbers.append(claimed.get())
    assert sorted(numbers) == list(range(60)), Counter(numbers).most_common(3)  # each once, no extra trial
    assert len(study.get_trials(deepcopy=False)) == 60


@pytest.mark.slow
def test_tpe_workers_stop_at_trials(tmp_path):
    space = '{ "train.lr" = [0.001, 0.003, 0.01, 0.03], "params.dropout_rate" = [0.0, 0.25, 0.5] }'
    experiment = write_search(tmp_path, epochs=1, space=space)
    experiment.write_text(experiment.read_text().replace('sampler = "grid"', 'sampler = "tpe"\ntrials = 3'))
    out = search(experiment, [], tmp_path / "runs", None, 2, Reporter())
    states = [t["state"] for t in load_summary(out)["trials"]]
    # Both workers stop once the budget is spent; one more trial is possible only when a worker
    # counts the study just before the other starts its next trial.
    assert set(states) <= {"complete", "pruned"} and 3 <= len(states) <= 4, states
    again = search(experiment, [], tmp_path / "runs", None, 1, Reporter())  # the budget is spent: no trial
    assert len(load_summary(again)["trials"]) == len(states)


@pytest.mark.slow
def test_hopeless_trial_is_pruned(tmp_path):
    # Two good learning rates finish first; the third barely moves and the median rule stops it.
    space = '{ "train.lr" = [0.01, 0.005, 1e-7] }'
    out = search(write_search(tmp_path, epochs=4, pruner="median", space=space), [], tmp_path / "runs", None, 1,
                 Reporter())
    states = {t["params"]["train.lr"]: t["state"] for t in load_summary(out)["trials"]}
    assert states == {0.01: "complete", 0.005: "complete", 1e-7: "pruned"}
    pruned = next(t for t in load_summary(out)["trials"] if t["state"] == "pruned")
    metrics = json.loads((Path(pruned["run_dir"]) / "tiny" / "metrics.json").read_text())
    assert metrics["status"] == "pruned" and metrics["epochs_run"] < 4


@pytest.mark.slow
def test_interrupted_search_resumes_without_rerunning(tmp_path, monkeypatch):
    experiment = write_search(tmp_path)
    real, calls = reportgen.tune.run_trial, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(reportgen.tune, "run_trial", interrupted)
    with pytest.raises(KeyboardInterrupt):
        search(experiment, [], tmp_path / "runs", None, 1, Reporter())
    monkeypatch.setattr(reportgen.tune, "run_trial", real)
    first = sorted((tmp_path / "runs" / "search" / "tune").glob("trial-*/tiny/metrics.json"))
    assert len(first) == 3
    stamps = {p: p.stat().st_mtime_ns for p in first}

    out = search(experiment, [], tmp_path / "runs", None, 1, Reporter())
    visited = points(load_summary(out))
    assert len(visited) == 8 and len(set(visited)) == 8
    assert all(p.stat().st_mtime_ns == stamp for p, stamp in stamps.items())  # never re-run


@pytest.mark.slow
def test_best_config_loads_and_runs(tmp_path):
    space = '{ "params.dropout_rate" = [0.0, 0.5] }'
    out = search(write_search(tmp_path, epochs=1, space=space), [], tmp_path / "runs", None, 1, Reporter())
    best = load_experiment(out / "best.toml")
    assert best.tune is None and best.report.tuning == str(out / "summary.json")
    assert best.models[0].params["dropout_rate"] == load_summary(out)["best"]["params"]["params.dropout_rate"]
    run = start_run(best, RunDir.at(tmp_path / "best-run"))
    run_experiment(best, run, Reporter())
    assert json.loads((run.path / "tuning.json").read_text())["best"] is not None
    assert (run.path / "tiny" / "metrics.json").is_file()

    # The report and the deck of the best run show the search that chose it.
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(render(run.path, "pdf")).pages)
    assert "Hyperparameter Tuning" in text and "Ruang pencarian hyperparameter" in text
    assert "Dropout" in text and "0; 0,5" in text and "params.dropout_rate" not in text
    deck = Presentation(render(run.path, "pptx"))
    texts = " ".join(sh.text_frame.text for s in deck.slides for sh in s.shapes if sh.has_text_frame)
    rows = [[c.text for c in r.cells] for s in deck.slides for sh in s.shapes if sh.has_table for r in sh.table.rows]
    assert "Hyperparameter Tuning" in texts and ["Dropout", "0; 0,5"] in [row[:2] for row in rows]


ONE_LR = '{ "train.lr" = [0.01] }'


@pytest.mark.slow
def test_new_study_never_reuses_an_old_trial_folder(tmp_path):
    # A second study in the same runs directory (study.db deleted) used to find trial-0000 finished
    # and report the old learning rate's score for the new one.
    runs = tmp_path / "runs"
    first = search(write_search(tmp_path, epochs=1, space=ONE_LR), [], runs, None, 1, Reporter())
    old = Path(load_summary(first)["best"]["run_dir"])
    stamp = (old / "tiny" / "metrics.json").stat().st_mtime_ns
    (first / "study.db").unlink()
    out = search(write_search(tmp_path, epochs=1, space='{ "train.lr" = [0.003] }'), [], runs, None, 1, Reporter())
    new = Path(load_summary(out)["best"]["run_dir"])
    assert new != old and (new / "tiny" / "metrics.json").is_file()
    assert (old / "tiny" / "metrics.json").stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_changed_experiment_is_refused(tmp_path):
    experiment, runs = write_search(tmp_path, epochs=1, space=ONE_LR), tmp_path / "runs"
    search(experiment, [], runs, None, 1, Reporter())
    with pytest.raises(UserError, match=r"train\.epochs.*name="):
        search(experiment, ["train.epochs=2"], runs, None, 1, Reporter())
    # The budget of a tpe study is no part of what a trial trains: raising it continues the study.
    search(experiment, ["tune.trials=5"], runs, None, 1, Reporter())


def die_in_first_trial(experiment: str, runs_dir: str) -> None:
    """A worker killed while it trains: its trial stays RUNNING with a fresh heartbeat."""
    reportgen.tune.run_trial = lambda *args, **kwargs: os._exit(3)
    search(Path(experiment), [], Path(runs_dir), None, 1, Reporter())


@pytest.mark.slow
def test_point_of_a_worker_that_just_died_is_not_summarised_without(tmp_path):
    experiment, runs = write_search(tmp_path, epochs=1, space='{ "train.lr" = [0.01, 0.003] }'), tmp_path / "runs"
    dead = multiprocessing.get_context("spawn").Process(target=die_in_first_trial, args=(str(experiment), str(runs)))
    dead.start()
    dead.join(timeout=300)
    assert dead.exitcode == 3
    with pytest.raises(UserError, match=r"1 of 2 grid points.* 60 s"):
        search(experiment, [], runs, None, 1, Reporter())
    assert not (runs / "search" / "tune" / "summary.json").exists()


def enqueue_at_once(experiment: str, url: str, barrier) -> None:
    """One `tune` enqueueing the grid at the same instant as another, its writes slowed down so
    that the other's read lands between this one's read and its writes."""
    enqueue = optuna.Study.enqueue_trial

    def slow_enqueue(*args, **kwargs):
        time.sleep(0.2)
        return enqueue(*args, **kwargs)

    optuna.Study.enqueue_trial = slow_enqueue
    storage = reportgen.tune.open_storage(url)
    exp = load_experiment(experiment)
    study = reportgen.tune.open_study(exp, storage)
    barrier.wait(timeout=120)
    reportgen.tune.enqueue_grid(study, storage, exp, Reporter())


@pytest.mark.slow
def test_grid_enqueued_once_by_two_processes_at_once(tmp_path):
    experiment, url = str(write_search(tmp_path)), f"sqlite:///{tmp_path / 'study.db'}"
    reportgen.tune.open_study(load_experiment(experiment), reportgen.tune.open_storage(url))  # the race is the enqueue
    assert exit_codes_at_once(multiprocessing.get_context("spawn"), 2, enqueue_at_once, experiment, url) == [0, 0]
    study = optuna.load_study(study_name="search", storage=url)
    assert Counter(Counter(t.user_attrs["grid_point"] for t in study.trials).values()) == {1: 8}


@pytest.mark.slow
def test_two_workers_share_a_postgresql_study(tmp_path):
    url = postgres_url()
    experiment = write_search(tmp_path)
    name = f"search-{uuid.uuid4().hex[:8]}"  # the server outlives the test: a fresh study each time
    cmd = [sys.executable, "-m", "reportgen", "tune", str(experiment), "--set", f"name={name}",
           "--storage", url, "--runs-dir", str(tmp_path / "runs"), "--workers", "2"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    visited = points(load_summary(Path(proc.stdout.strip().splitlines()[-1])))
    assert len(visited) == 8 and len(set(visited)) == 8


@pytest.mark.slow
def test_ctrl_c_to_the_process_group_prints_no_worker_traceback(tmp_path):
    import signal

    experiment = write_search(tmp_path, epochs=200)  # far longer than the test waits
    proc = subprocess.Popen([sys.executable, "-m", "reportgen", "tune", str(experiment), "--workers", "2",
                             "--runs-dir", str(tmp_path / "runs")], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while not list((tmp_path / "runs").glob("search/tune/trial-*/tiny/history.csv")) and time.monotonic() < deadline:
        time.sleep(0.5)  # until both workers are training
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert "Continue with:" in stderr


@pytest.mark.slow
def test_tune_output_has_the_reporters_lines_and_none_of_optunas(tmp_path):
    experiment = write_search(tmp_path, epochs=1, space=ONE_LR)
    proc = subprocess.run([sys.executable, "-m", "reportgen", "tune", str(experiment), "--runs-dir",
                           str(tmp_path / "runs")], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "study 'search'" in proc.stderr and "trial 0:" in proc.stderr
    assert "[I " not in proc.stderr and "Trial 0 finished" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("startup_trials,prune_from_epoch,finished,pruned_at", [
    (2, 1, 2, 1),  # the defaults: two finished trials, then a trial below their median stops after its first epoch
    (3, 2, 3, 2),  # waits for its warm-up epochs
    (3, 1, 2, None),  # too few finished trials for a median
])
def test_the_median_pruner_follows_the_tune_settings(tmp_path, startup_trials, prune_from_epoch, finished,
                                                     pruned_at):
    settings = f"startup_trials = {startup_trials}\nprune_from_epoch = {prune_from_epoch}\n"
    exp = load_experiment(write_search(tmp_path, epochs=3, pruner="median", space='{ "train.lr" = [0.1] }\n' + settings))
    study = optuna.create_study(direction="maximize", pruner=reportgen.tune.make_pruner(exp.tune, 3))
    for _ in range(finished):
        study.add_trial(optuna.trial.create_trial(value=0.9, intermediate_values={1: 0.9, 2: 0.9, 3: 0.9}))
    trial = study.ask()
    stopped = []
    for epoch in (1, 2, 3):
        trial.report(0.1, step=epoch)
        stopped.append(trial.should_prune())
    assert stopped.index(True) + 1 == pruned_at if pruned_at else not any(stopped)
