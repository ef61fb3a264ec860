"""The `reportgen` command (the console script, `python -m reportgen`, `torchrun -m reportgen`).

The signal handlers come first, before the command line's imports (typer, then torch and the
renderers inside the commands), so Ctrl-C at any instant ends in one line and exit code 130."""

import os
import sys

from reportgen import signals


def main() -> None:
    signals.raise_interrupt_on_signals()
    try:
        from reportgen.cli import app

        app()
    except SystemExit:
        raise
    except BaseException:
        if not signals.interrupted():
            raise
        # Interrupted during an import or between a command's own handlers: whatever state the
        # half-imported libraries are in, the process says so and ends without running their exit code.
        print("error: interrupted", file=sys.stderr, flush=True)
        sys.stdout.flush()
        os._exit(130)


if __name__ == "__main__":
    main()
