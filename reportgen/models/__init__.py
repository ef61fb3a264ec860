"""Architectures: catalog.py says what a user may choose and set (torch-free: the experiment's
validation imports it), registry.py how each is built. Importing this package imports no torch;
the names below load the registry when first used."""

__all__ = ["ARCHITECTURES", "build", "count_params"]


def __getattr__(name: str):
    if name in __all__:
        from reportgen.models import registry

        return getattr(registry, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
