"""The one exception type for user mistakes: the CLI prints its message and exits non-zero."""


class UserError(Exception):
    """Bad input a user can fix (config, data, run directory). The message says what and how."""


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during `run`: still a KeyboardInterrupt (a notebook cell stops), carrying the run
    directory whose finished epochs are saved, so the caller can say how to resume it."""

    def __init__(self, run_dir):
        super().__init__(f"interrupted; every finished epoch is saved in {run_dir}")
        self.run_dir = run_dir
