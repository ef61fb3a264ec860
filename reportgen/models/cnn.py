"""The custom CNN of the reference deck (its CIFAR10NetWithFeatureMaps): three conv-BN-ReLU blocks,
each followed by a shared 2x2 pool, then FC -> dropout -> FC. Its params and their defaults (the deck's)
are catalog.py's CNNParams; the image side must be a multiple of 8 (catalog.py)."""

from __future__ import annotations

import torch
from torch import nn


def conv_block(c_in: int, c_out: int, kernel_size: int) -> nn.Sequential:
    # padding = kernel_size // 2 keeps the height and width for an odd kernel ("same" padding).
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size, padding=kernel_size // 2),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class CNN(nn.Module):
    def __init__(self, num_classes: int, image_size: int, conv_filters: list[int], kernel_size: int,
                 pool_type: str, fc_neurons: int, dropout_rate: float):
        super().__init__()
        f1, f2, f3 = conv_filters
        self.conv1 = conv_block(3, f1, kernel_size)
        self.conv2 = conv_block(f1, f2, kernel_size)
        self.conv3 = conv_block(f2, f3, kernel_size)
        self.pool = nn.MaxPool2d(2, 2) if pool_type == "max" else nn.AvgPool2d(2, 2)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(f3 * (image_size // 8) ** 2, fc_neurons)
        self.relu = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout(dropout_rate)
        self.fc2 = nn.Linear(fc_neurons, num_classes)
        self.feature_stages = {"conv1": self.conv1, "conv2": self.conv2, "conv3": self.conv3}

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 3, S, S) -> (B, classes)
        x = self.pool(self.conv1(x))  # (B, f1, S/2, S/2)
        x = self.pool(self.conv2(x))  # (B, f2, S/4, S/4)
        x = self.pool(self.conv3(x))  # (B, f3, S/8, S/8)
        return self.fc2(self.dropout(self.relu(self.fc1(self.flatten(x)))))


def build_cnn(num_classes: int, image_size: int, **params) -> CNN:
    return CNN(num_classes, image_size, **params)
