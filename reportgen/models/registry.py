"""One registry of architectures: `build(arch, ...)` and `ARCHITECTURES` (name -> entry).

Every model exposes `feature_stages`: stage name -> submodule whose output is that stage's
activation. Analysis hooks those submodules to draw feature maps, so every architecture gets
feature maps without a special forward. Likewise every architecture names its `cam_layer`, the
Grad-CAM target, so a new architecture is explained without code of its own in the analysis.
It also names its own `code` (the listing a run records and the report shows) and its `init`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Literal

from pydantic import BaseModel, ValidationError
from torch import nn


@dataclass(frozen=True)
class Architecture:
    name: str
    summary: str  # one line shown by `reportgen models`
    builder: Callable[..., nn.Module]  # builder(num_classes, image_size, **params)
    # The submodule (a `model.get_submodule` name) whose output is the last convolutional stage,
    # before global pooling or the classifier: Grad-CAM's target layer, where the maps keep their
    # spatial layout and are closest to the decision. It must own parameters (analysis/explain.py
    # lets gradients flow back to it and no further).
    cam_layer: str
    params_model: type[BaseModel] | None = None  # validates `params`; None = takes no params
    reference: str = ""  # key into the report's bibliography (templates/references.toml)
    # The architecture this one modifies, its parent: the report tests each modification against it
    # (an experiment may name another with `[[models]] parent`); "" = none. `change` names what it
    # changes: "skip_connections" (resnet34 over plain34, He et al.'s degradation experiment),
    # "multipath", "preactivation".
    modifies: str = ""
    change: str = ""
    # The project's own classes and functions the model is built from, in reading order: its code
    # listing in the report (a library's code, e.g. torchvision's, is never listed).
    code: tuple[Callable, ...] = ()
    # How the builder initialises the weights, as the report states it: "pytorch" (PyTorch's defaults,
    # Kaiming uniform with a = sqrt(5) for conv and linear layers), "kaiming_fan_out" (Kaiming normal,
    # fan_out, ReLU gain, for every Conv2d), "kaiming_fan_out_new_stem" (the same, except a stem
    # conv replaced after construction, which keeps PyTorch's default). tests/test_model_code.py
    # checks it against the weights a build draws.
    init: Literal["pytorch", "kaiming_fan_out", "kaiming_fan_out_new_stem"] = "pytorch"

    def source(self) -> str:
        """The model's own code: the source of `code`, as the installed reportgen has it."""
        return "\n\n\n".join(inspect.getsource(obj).rstrip() for obj in self.code) + "\n"

    def validate_params(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.params_model is None:
            if params:
                raise ValueError(f"arch '{self.name}' takes no params (got {sorted(params)})")
            return {}
        try:
            return self.params_model.model_validate(params).model_dump()
        except ValidationError as e:
            detail = "; ".join(
                f"params.{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()
            )
            raise ValueError(f"arch '{self.name}': {detail}") from None


ARCHITECTURES: dict[str, Architecture] = {}


def register(arch: Architecture) -> Architecture:
    ARCHITECTURES[arch.name] = arch
    return arch


def build(arch: str, num_classes: int, image_size: int, params: dict[str, Any] | None = None) -> nn.Module:
    entry = ARCHITECTURES[arch]
    return entry.builder(num_classes=num_classes, image_size=image_size, **entry.validate_params(params or {}))


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
