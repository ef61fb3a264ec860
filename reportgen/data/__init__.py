"""Datasets, the seeded train/val split, and batch transforms.

Every dataset is decoded once into uint8 tensors (N, 3, S, S) at the experiment's image size;
augmentation and normalisation run on whole batches on the training device (as in
cifar10-airbench), so no per-image PIL work happens inside an epoch. The training and the
evaluation pipelines are separate `BatchTransform` objects: the reference notebook's bug, where the
training subset shared (and got) the validation transforms, cannot happen here.

    decode      an image file or array -> uint8 (3, S, S)
    dataset     what a split holds: Split (decoded), FileSplit (files decoded per batch)
    cache       the on-disk decode cache and the memory budget that picks Split or FileSplit
    sources     the built-in datasets and file layouts -> (classes, training pool, test split)
    load        the seeded train/val split of a source: load_dataset
    transforms  normalisation and augmentation of a uint8 batch
    loader      BatchLoader: one split's batches, an explicit plan per epoch
"""

from reportgen.data.dataset import DatasetSplits, FileSplit, Split
from reportgen.data.loader import BatchLoader
from reportgen.data.load import load_dataset
from reportgen.data.transforms import BatchTransform, make_transforms, normalize

__all__ = ["BatchLoader", "BatchTransform", "DatasetSplits", "FileSplit", "Split", "load_dataset",
           "make_transforms", "normalize"]
