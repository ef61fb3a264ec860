"""reportgen's version, in a module of its own: the run records it (environment.json) without
importing the package's API."""

__version__ = "0.1.0"
