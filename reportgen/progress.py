"""Training progress: a rich progress bar in a terminal, one plain line per epoch in a log.

Everything goes to stderr: stdout is reserved for results (the run directory's path is the
last line `reportgen run` prints). Every line is terminal_text and the bar's description is no
rich markup: a model label or a class name cannot move the cursor, retitle the terminal or be
taken for a style tag ("[/x]" would stop the run with a MarkupError).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reportgen.language.text import terminal_text

if TYPE_CHECKING:  # the command line imports this before torch, so Ctrl-C there stays one line
    import torch


def plain_epoch_line(label: str, epochs: int, row: dict) -> str:
    return (f"[{label}] epoch {row['epoch']}/{epochs} train_loss={row['train_loss']:.4f} "
            f"train_acc={row['train_acc']:.4f} val_loss={row['val_loss']:.4f} val_acc={row['val_acc']:.4f} "
            f"lr={row['lr']:.3g} {row['seconds']:.1f}s")


class Reporter:
    """Plain lines; `RichReporter` adds a live bar when stderr is a terminal."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet  # torchrun's other processes: rank 0 speaks for all
        self.label, self.epochs = "", 0

    def message(self, text: str) -> None:
        if not self.quiet:
            print(terminal_text(text), file=sys.stderr, flush=True)

    def start_model(self, label: str, params: int, epochs: int, batches: int, device: torch.device) -> None:
        self.label, self.epochs = label, epochs
        self.message(f"[{label}] {params:,} parameters, {epochs} epoch{'s' * (epochs != 1)} of {batches} "
                     f"batch{'es' * (batches != 1)} on {device}")

    def start_epoch(self, epoch: int) -> None:
        pass

    def advance(self) -> None:
        pass

    def end_epoch(self, row: dict) -> None:
        self.message(plain_epoch_line(self.label, self.epochs, row))

    def close(self) -> None:
        pass


class RichReporter(Reporter):
    def __init__(self):
        super().__init__()
        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=self.console, transient=True,
        )
        self.task = None
        self.batches = 0
        self.progress.start()

    def message(self, text: str) -> None:
        self.console.print(terminal_text(text), markup=False, highlight=False)

    def start_model(self, label, params, epochs, batches, device) -> None:
        super().start_model(label, params, epochs, batches, device)
        self.batches = batches

    def start_epoch(self, epoch: int) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(terminal_text(f"{self.label} {epoch}/{self.epochs}"), total=self.batches)

    def advance(self) -> None:
        self.progress.advance(self.task)

    def close(self) -> None:
        self.progress.stop()


def make_reporter() -> Reporter:
    return RichReporter() if sys.stderr.isatty() else Reporter()
