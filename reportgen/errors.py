"""The one exception type for user mistakes: the CLI prints its message and exits non-zero."""


class UserError(Exception):
    """Bad input a user can fix (config, data, run directory). The message says what and how."""
