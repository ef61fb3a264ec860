"""Architectures: importing this package registers every model (see registry.py)."""

from reportgen.models import cnn, resnet  # noqa: F401  (registration side effect)
from reportgen.models.registry import ARCHITECTURES, build, count_params

__all__ = ["ARCHITECTURES", "build", "count_params"]
