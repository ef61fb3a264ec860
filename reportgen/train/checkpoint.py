"""The paired checkpoint of one model's training: `save_checkpoint` writes best.pt (when
improved), last.pt and history.csv at an epoch end; `load_checkpoint` restores every piece of a
`Training` from last.pt. All writes are atomic, so a resumed run repeats at most the epoch that was
in progress and ends with the same history as an uninterrupted one."""

from __future__ import annotations

from dataclasses import asdict

from reportgen.rundir import HISTORY_COLUMNS, ModelDir, load_run_checkpoint, save_torch, write_csv
from reportgen.train.factory import Training
from reportgen.train.seeding import rng_state, set_rng_state
from reportgen.train.stopping import EarlyStopping


def write_history(out: ModelDir, history: list[dict]) -> None:
    write_csv(out.history, HISTORY_COLUMNS, [[row[c] for c in HISTORY_COLUMNS] for row in history])


def save_checkpoint(out: ModelDir, tr: Training, epoch: int, improved: bool) -> None:
    if improved:
        save_torch(out.best, {**tr.meta, "model": tr.net.state_dict(), "epoch": epoch})
    save_torch(out.last, {
        **tr.meta, "model": tr.net.state_dict(), "epoch": epoch, "optimizer": tr.optimizer.state_dict(),
        "scheduler": tr.scheduler.state_dict(), "scaler": tr.policy.scaler.state_dict(),
        "early_stopping": asdict(tr.stopper), "generator": tr.generator.get_state(), "rng": rng_state(),
        "history": tr.history,
    })
    write_history(out, tr.history)


def load_checkpoint(out: ModelDir, tr: Training) -> bool:
    """Restore `tr` (weights, optimizer, schedule, scaler, early stopping, generator, the process
    RNG and the history) from out/last.pt; False when there is none to resume from."""
    if not out.last.is_file():
        return False
    state = load_run_checkpoint(out.last, out.root)
    tr.net.load_state_dict(state["model"])
    tr.optimizer.load_state_dict(state["optimizer"])
    tr.scheduler.load_state_dict(state["scheduler"])
    tr.policy.scaler.load_state_dict(state["scaler"])
    tr.stopper = EarlyStopping(**state["early_stopping"])
    tr.generator.set_state(state["generator"])
    set_rng_state(state["rng"])
    tr.history = state["history"]
    return True
