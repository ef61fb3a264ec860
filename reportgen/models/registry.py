"""One registry of architectures: `build(arch, ...)` and `ARCHITECTURES` (name -> entry): every
entry of the torch-free catalog (catalog.py: name, summary, params, image sizes, paper) with how it
is built.

Every model exposes `feature_stages`: stage name -> submodule whose output is that stage's
activation. Analysis hooks those submodules to draw feature maps, so every architecture gets
feature maps without a special forward. Likewise every architecture names its `cam_layer`, the
Grad-CAM target, so a new architecture is explained without code of its own in the analysis.
It also names its own `code` (the listing a run records and the report shows) and its `init`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, fields
from functools import partial
from typing import Any, Callable, Literal

from torch import nn

from reportgen.models import cnn, resnet
from reportgen.models.catalog import CATALOG, ArchitectureInfo


@dataclass(frozen=True, kw_only=True)
class Architecture(ArchitectureInfo):
    builder: Callable[..., nn.Module]  # builder(num_classes, image_size, **params)
    # The submodule (a `model.get_submodule` name) whose output is the last convolutional stage,
    # before global pooling or the classifier: Grad-CAM's target layer, where the maps keep their
    # spatial layout and are closest to the decision. It must own parameters (analysis/explain.py
    # lets gradients flow back to it and no further).
    cam_layer: str
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


def resnet34_like(block: type[nn.Module], cam_layer: str = "layer4") -> dict[str, Any]:
    return {"builder": partial(resnet.resnet34_with, block), "cam_layer": cam_layer,
            "code": (resnet.conv, resnet.projection, resnet.two_convs, block, resnet.ResNet),
            "init": "kaiming_fan_out"}  # ResNet.__init__'s loop


IMPLEMENTATIONS: dict[str, dict[str, Any]] = {
    # the third conv block (before its pool); no init code of its own: the layers keep PyTorch's defaults
    "cnn": {"builder": cnn.build_cnn, "cam_layer": "conv3", "code": (cnn.conv_block, cnn.CNN), "init": "pytorch"},
    # torchvision's ResNet draws Kaiming normal (fan_out) for its convs; the stem swapped in keeps PyTorch's default.
    "resnet18_cifar": {"builder": resnet.resnet18_cifar, "cam_layer": "layer4", "code": (resnet.resnet18_cifar,),
                       "init": "kaiming_fan_out_new_stem"},
    "plain34": resnet34_like(resnet.PlainBlock),
    "resnet34": resnet34_like(resnet.BasicBlock),
    "multipath_resnet34": resnet34_like(resnet.MultiPathBlock),
    # Grad-CAM's layer: a pre-activation stage's output is not yet normalised and activated; its
    # closing BN-ReLU (`post`) is.
    "preact_resnet34": resnet34_like(resnet.PreActBlock, cam_layer="post"),
}

ARCHITECTURES: dict[str, Architecture] = {
    name: Architecture(**{f.name: getattr(info, f.name) for f in fields(info)}, **IMPLEMENTATIONS[name])
    for name, info in CATALOG.items()
}


def build(arch: str, num_classes: int, image_size: int, params: dict[str, Any] | None = None) -> nn.Module:
    entry = ARCHITECTURES[arch]
    problem = entry.image_size_problem(image_size)
    if problem:
        raise ValueError(problem)
    return entry.builder(num_classes=num_classes, image_size=image_size, **entry.validate_params(params or {}))


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
