"""The data: MNIST-style images and labels, loaded, split and scaled for training.

``load`` takes a name (``"sample"``, 5,000 digits shipped in ``sample/``; ``"mnist"``,
``"fashion-mnist"``, downloaded once by :mod:`handin.data.download`) or a folder of IDX
files; ``train_val_split`` holds out a validation set and ``scale`` turns pixels into floats.
The modules: ``loading`` (the above), ``download`` (mirrors, sha256, cache), ``_idx`` (the
IDX file format).
"""

from . import download
from .loading import (CLASS_NAMES, DATASETS, FILES, MIRRORS, SHA256, Dataset, DatasetNotAvailable,
                      cache_dir, fetch, is_folder, load, read_idx, scale, train_val_split)

__all__ = ["load", "train_val_split", "scale", "Dataset", "DatasetNotAvailable", "DATASETS",
           "CLASS_NAMES", "is_folder", "read_idx", "fetch", "cache_dir", "FILES", "MIRRORS",
           "SHA256", "download"]
