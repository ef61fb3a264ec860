"""ResNets. The report's four 34-layer networks are one `ResNet` built from (block, layers) with
four block types; `resnet18_cifar` is torchvision's resnet18 with the reference deck's CIFAR stem."""

from __future__ import annotations

import torch
import torchvision
from torch import nn

from reportgen.models.registry import Architecture, register

STAGE_CHANNELS = (64, 128, 256, 512)
LAYERS_34 = (3, 4, 6, 3)


def conv(c_in: int, c_out: int, kernel: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False)


def projection(c_in: int, c_out: int, stride: int, norm: bool = True) -> nn.Module | None:
    """1x1 projection shortcut where the shape changes (He et al. option B); None = identity."""
    if stride == 1 and c_in == c_out:
        return None
    layers = [conv(c_in, c_out, 1, stride)] + ([nn.BatchNorm2d(c_out)] if norm else [])
    return nn.Sequential(*layers)


def two_convs(c_in: int, c_out: int, kernel: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        conv(c_in, c_out, kernel, stride), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
        conv(c_out, c_out, kernel), nn.BatchNorm2d(c_out),
    )


class BasicBlock(nn.Module):
    """y = relu(F(x) + shortcut(x)), F = conv3x3-BN-ReLU-conv3x3-BN."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.residual = two_convs(c_in, c_out, 3, stride)
        self.shortcut = projection(c_in, c_out, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.shortcut is None else self.shortcut(x)
        return torch.relu(self.residual(x) + identity)


class PlainBlock(nn.Module):
    """y = relu(F(x)): the same layers as BasicBlock with the skip connection removed.

    The projection layers are kept, frozen and unused, so that Plain-34 counts as many parameters as
    ResNet-34 (21,287,237 with 5 classes); frozen, they receive no gradient and do not trouble the
    optimizer or DistributedDataParallel."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.residual = two_convs(c_in, c_out, 3, stride)
        self.unused_projection = projection(c_in, c_out, stride)
        if self.unused_projection is not None:
            self.unused_projection.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.residual(x))


class MultiPathBlock(nn.Module):
    """Two parallel paths, 3x3 and 5x5 kernels, each with half the channels, concatenated, plus
    the shortcut: multi-scale features at 29,342,021 parameters (5 classes)."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.path3 = two_convs(c_in, c_out // 2, 3, stride)
        self.path5 = two_convs(c_in, c_out - c_out // 2, 5, stride)
        self.shortcut = projection(c_in, c_out, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.shortcut is None else self.shortcut(x)
        return torch.relu(torch.cat([self.path3(x), self.path5(x)], dim=1) + identity)


class PreActBlock(nn.Module):
    """He et al. 2016b: y = F(x) + shortcut(x), F = BN-ReLU-conv3x3-BN-ReLU-conv3x3, no ReLU after
    the addition; the projection is a bare 1x1 conv on the pre-activated input."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.preact = nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(inplace=True))
        self.residual = nn.Sequential(
            conv(c_in, c_out, 3, stride), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True), conv(c_out, c_out, 3),
        )
        self.shortcut = projection(c_in, c_out, stride, norm=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = self.preact(x)
        identity = x if self.shortcut is None else self.shortcut(pre)
        return self.residual(pre) + identity


class ResNet(nn.Module):
    """7x7/2 stem + 3x3/2 max-pool, four stages of `block`, global average pool, linear head."""

    def __init__(self, block: type[nn.Module], layers: tuple[int, ...], num_classes: int):
        super().__init__()
        self.stem = nn.Sequential(conv(3, 64, 7, 2), nn.BatchNorm2d(64), nn.ReLU(inplace=True))
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        stages, c_in = [], 64
        for i, (c_out, n) in enumerate(zip(STAGE_CHANNELS, layers)):
            stride = 1 if i == 0 else 2
            stages.append(nn.Sequential(*[block(c_in if j == 0 else c_out, c_out, stride if j == 0 else 1)
                                          for j in range(n)]))
            c_in = c_out
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        # Pre-activation blocks leave their output un-normalised; the final BN-ReLU closes the net.
        self.post = nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(inplace=True)) if block is PreActBlock \
            else nn.Identity()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(c_in, num_classes)
        self.feature_stages = {"stem": self.stem, **{f"layer{i + 1}": s for i, s in enumerate(stages)}}
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 3, S, S) -> (B, classes)
        x = self.maxpool(self.stem(x))  # (B, 64, S/4, S/4)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))  # (B, 512, S/32, S/32)
        return self.fc(self.flatten(self.avgpool(self.post(x))))


def resnet18_cifar(num_classes: int, image_size: int) -> nn.Module:
    # No pretrained weights; a 3x3 stride-1 stem and no max-pool keep a 32 px image's detail for the
    # residual stages; the head has one output per class.
    model = torchvision.models.resnet18(weights=None, num_classes=num_classes)
    model.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
    model.maxpool = nn.Identity()
    model.feature_stages = {"conv1": model.relu, **{f"layer{i}": getattr(model, f"layer{i}") for i in range(1, 5)}}
    return model


register(Architecture(
    name="resnet18_cifar", builder=resnet18_cifar, reference="he2016", cam_layer="layer4",
    summary="torchvision resnet18 with a 3x3 stride-1 stem and no max-pool (CIFAR)",
    # torchvision's ResNet draws Kaiming normal (fan_out) for its convs; the stem swapped in above
    # keeps PyTorch's default.
    code=(resnet18_cifar,), init="kaiming_fan_out_new_stem",
))
# Grad-CAM's layer: the last stage, except that a pre-activation stage's output is not yet
# normalised and activated; its closing BN-ReLU (`post`) is.
for _name, _block, _summary, _ref, _parent, _change, _cam in [
    ("plain34", PlainBlock, "34-layer plain network: ResNet-34 without skip connections", "he2016", "", "", "layer4"),
    ("resnet34", BasicBlock, "ResNet-34 with residual (skip) connections", "he2016", "plain34", "skip_connections",
     "layer4"),
    ("multipath_resnet34", MultiPathBlock, "ResNet-34 with parallel 3x3 and 5x5 paths per block", "ding2022",
     "resnet34", "multipath", "layer4"),
    ("preact_resnet34", PreActBlock, "pre-activation ResNet-34 (BN-ReLU-conv)", "he2016identity", "resnet34",
     "preactivation", "post"),
]:
    register(Architecture(
        name=_name, summary=_summary, reference=_ref, modifies=_parent, change=_change, cam_layer=_cam,
        builder=lambda num_classes, image_size, _block=_block: ResNet(_block, LAYERS_34, num_classes),
        code=(conv, projection, two_convs, _block, ResNet), init="kaiming_fan_out",  # ResNet.__init__'s loop
    ))
