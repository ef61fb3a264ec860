"""Layer tables like the reference documents' (name, type, input and output shape, parameters) via torchinfo."""

from __future__ import annotations

import torchinfo
from torch import nn

from reportgen.schema.analysis import ArchitectureTable, LayerRow
from reportgen.models import count_params

DEPTH = 2  # top-level layers and their direct children: blocks of a ResNet stage, conv-BN-ReLU of a CNN block


def dotted_name(info) -> str:
    parts = []
    while info is not None and info.depth > 0:
        parts.append(info.var_name)
        info = info.parent_info
    return ".".join(reversed(parts))


def pair(value) -> list[int]:
    """A module's kernel, stride or padding as (height, width): PyTorch takes an int for both."""
    return list(value) if isinstance(value, tuple) else [value, value]


def module_facts(module: nn.Module) -> dict:
    """What the layer table states of a layer beyond its shapes, read from the module itself."""
    if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
        padding = module.padding
        return {"kernel": pair(module.kernel_size), "stride": pair(module.stride),
                "padding": padding if isinstance(padding, str) else pair(padding)}
    if isinstance(module, nn.Dropout):
        return {"dropout": module.p}
    # A trained 1x1 convolution inside a block sits on its shortcut: its body's convolutions are
    # wider (a plain block's frozen, unused projection does not count).
    projection = any(isinstance(m, nn.Conv2d) and m.kernel_size == (1, 1) and m.weight.requires_grad
                     for m in module.modules() if m is not module)
    return {"projection": projection}


def layer_table(model: nn.Module, image_size: int) -> ArchitectureTable:
    stats = torchinfo.summary(model, input_size=(1, 3, image_size, image_size), depth=DEPTH, verbose=0,
                              device="cpu", mode="eval")
    rows = [
        LayerRow(name=dotted_name(info), type=info.class_name, depth=info.depth - 1,
                 input_shape=list(info.input_size[1:]), output_shape=list(info.output_size[1:]),
                 params=info.num_params if not info.is_recursive else 0, **module_facts(info.module))
        for info in stats.summary_list if 1 <= info.depth <= DEPTH
    ]
    total = count_params(model)
    if stats.total_params != total:  # torchinfo and the model must agree, or the table misleads
        raise RuntimeError(f"torchinfo counted {stats.total_params:,} parameters, the model has {total:,}")
    return ArchitectureTable(rows=rows, total_params=total,
                             trainable_params=sum(p.numel() for p in model.parameters() if p.requires_grad),
                             input_shape=[3, image_size, image_size])
