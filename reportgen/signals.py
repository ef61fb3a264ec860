"""Ctrl-C and SIGTERM in the command line and in `tune`'s worker processes.

Both signals raise KeyboardInterrupt, so SIGTERM stops a run as Ctrl-C does (the run says how
to resume, a tune worker records its trial as failed) instead of killing the process mid-write.
`interrupted()` says whether one arrived: a library interrupted half-way through its import can
fail later with another error (a RuntimeError from a half-initialised module), which is then
reported as the interruption it is, not as a traceback."""

from __future__ import annotations

import signal

HANDLED = (signal.SIGINT, signal.SIGTERM)
_received: list[int] = []


def raise_interrupt_on_signals(once: bool = False) -> None:
    """From now on SIGINT and SIGTERM raise KeyboardInterrupt; with `once`, only the first of
    them does and later ones are ignored, so the cleanup the first one started can finish."""

    def interrupt(signum, _frame) -> None:
        if once and _received:
            return
        _received.append(signum)
        raise KeyboardInterrupt

    for signum in HANDLED:
        signal.signal(signum, interrupt)


def interrupted() -> bool:
    return bool(_received)
