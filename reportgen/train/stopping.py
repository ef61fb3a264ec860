"""Early stopping on the monitored validation metric; its state is a plain dataclass so that
last.pt can carry it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class EarlyStopping:
    monitor: str
    patience: int  # 0 = never stop early
    best: float | None = None
    best_epoch: int = 0
    bad_epochs: int = 0

    def improved(self, value: float) -> bool:
        return self.best is None or (value > self.best if self.monitor == "val_acc" else value < self.best)

    def update(self, epoch: int, value: float) -> bool:
        """Record this epoch's monitored value; True when it is the best so far."""
        if self.improved(value):
            self.best, self.best_epoch, self.bad_epochs = value, epoch, 0
            return True
        self.bad_epochs += 1
        return False

    @property
    def should_stop(self) -> bool:
        return self.patience > 0 and self.bad_epochs >= self.patience
