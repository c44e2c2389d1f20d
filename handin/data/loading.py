"""The data sets of the coursebook: a packaged MNIST sample, full MNIST and Fashion-MNIST.

``load("sample")`` works offline: 5,000 real MNIST digits shipped with the
package (4,000 train / 1,000 test, 400 / 100 of each digit). ``load("mnist")``
and ``load("fashion-mnist")`` give the full data sets in their standard split of
60,000 training and 10,000 test images (the report this book grew from tested
on 9,999 images, because of an off-by-one slice). They are read from a local
folder when it holds the four IDX files, else downloaded once with pooch and
cached (see :mod:`handin.data.download`); every file is checked against its known
sha256 before it is used. ``load("path/to/folder")`` reads the four IDX files of
any folder.

Images are rows of 784 uint8 pixels (0..255, a 28 x 28 image read row by row);
:func:`scale` turns them into floats in [0, 1].
"""

from __future__ import annotations

import functools
import os
import pathlib
from dataclasses import dataclass, field

import numpy as np

from ._idx import parse_idx, read_idx
from .._validation import ParameterError, ParameterTypeError, check_dtype, check_scalar
from .download import (FILES, MIRRORS, SHA256, DatasetNotAvailable, cache_dir, fetch,
                       fetch_verified, file_hash)

__all__ = ["DATASETS", "Dataset", "DatasetNotAvailable", "load", "fetch", "cache_dir",
           "read_idx", "scale", "train_val_split", "FILES", "MIRRORS", "SHA256"]

DATASETS = ("sample", "mnist", "fashion-mnist")
DIGIT_NAMES = tuple(str(k) for k in range(10))
FASHION_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot")
CLASS_NAMES = {"sample": DIGIT_NAMES, "mnist": DIGIT_NAMES, "fashion-mnist": FASHION_NAMES}

SAMPLE_PATH = pathlib.Path(__file__).with_name("sample") / "mnist_sample.npz"
SAMPLE_SHA256 = "079aa07ea0625714380a0766350a39c625dc1d3003b5abb1118ebc44f76cb3ef"


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set split into training and test images, with read-only arrays.

    Attributes
    ----------
    name : str
        ``"sample"``, ``"mnist"``, ``"fashion-mnist"``, or the name of the folder the
        IDX files were read from when they are none of these.
    X_train : ndarray of shape (n_train, 784), dtype uint8
        Training images, pixels 0..255, each row a 28 x 28 image read row by row.
    y_train : ndarray of shape (n_train,), dtype int64
        Their labels, 0..9.
    X_test : ndarray of shape (n_test, 784), dtype uint8
    y_test : ndarray of shape (n_test,), dtype int64
    class_names : tuple of str
        The name of each label: ``"0"`` ... ``"9"``, or the Fashion-MNIST clothes.
    source : str
        Where the data were read from.
    image_shape : tuple
        ``(28, 28)``: ``X[s].reshape(image_shape)`` is image ``s``.
    """

    name: str
    X_train: np.ndarray = field(repr=False)
    y_train: np.ndarray = field(repr=False)
    X_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)
    class_names: tuple = field(repr=False)
    source: str
    image_shape = (28, 28)

    def __post_init__(self):
        for X_name, y_name in (("X_train", "y_train"), ("X_test", "y_test")):
            X, y = getattr(self, X_name), getattr(self, y_name)
            if X.ndim != 2 or X.shape[1] != 784 or y.shape != (len(X),):
                raise ParameterError(X_name, f"{X_name} must have shape (n, 784) and {y_name} "
                                             f"shape (n,), got {X.shape} and {y.shape}.")


def _frozen(a):
    """A read-only copy of ``a`` that no one can make writable again (its memory is bytes)."""
    return np.frombuffer(a.tobytes(), dtype=a.dtype).reshape(a.shape)


def _read_pair(images_path, labels_path):
    X = parse_idx(pathlib.Path(images_path).read_bytes(), images_path)
    y = parse_idx(pathlib.Path(labels_path).read_bytes(), labels_path)
    if X.ndim != 3 or X.shape[1:] != (28, 28):
        raise ValueError(f"{images_path} must hold 28 x 28 images, got shape {X.shape}.")
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"{images_path} holds {len(X)} images but {labels_path} holds "
                         f"{len(y)} labels (shape {y.shape}); they must match.")
    if len(y) and y.max() > 9:
        raise ValueError(f"{labels_path} holds labels up to {y.max()}; expected 0..9.")
    return X.reshape(len(X), 784), _frozen(y.astype(np.int64))  # X: a view of bytes, read-only


@functools.lru_cache(maxsize=4)
def _read_idx_set(name, files, class_names):
    """``files``: ((path, sha256), ...) in the order of FILES; the digest keys the cache."""
    (tr_X, _), (tr_y, _), (te_X, _), (te_y, _) = files
    X_train, y_train = _read_pair(tr_X, tr_y)
    X_test, y_test = _read_pair(te_X, te_y)
    return Dataset(name, X_train, y_train, X_test, y_test, class_names,
                   str(pathlib.Path(tr_X).parent))


@functools.lru_cache(maxsize=2)
def _read_sample(path, sha256):
    with np.load(path, allow_pickle=False) as npz:
        arrays = [_frozen(npz[key]) for key in ("X_train", "y_train", "X_test", "y_test")]
    return Dataset("sample", *arrays, DIGIT_NAMES, path)


def is_folder(name):
    """True if ``load(name)`` reads a folder: a path, not one of ``DATASETS``.

    A path object, or a string with a path separator, or a string naming an existing
    folder (``"sample"`` stays the shipped sample even if a folder has that name).
    """
    if isinstance(name, os.PathLike):
        return True
    if not isinstance(name, str) or name in DATASETS:
        return False
    return any(sep and sep in name for sep in (os.sep, os.altsep)) or os.path.isdir(name)


def _folder_files(folder):
    """``{file: path}`` of the four IDX files in ``folder`` (``.gz`` or not); only reads."""
    folder = pathlib.Path(folder).expanduser()
    try:
        entries = set(os.listdir(folder))
    except FileNotFoundError:
        raise DatasetNotAvailable(f"data folder {folder} does not exist.") from None
    except NotADirectoryError:
        raise DatasetNotAvailable(f"data folder {folder} is not a folder: give the folder that "
                                  f"holds the four IDX files {', '.join(FILES)}.") from None
    except OSError as exc:
        raise DatasetNotAvailable(f"data folder {folder} cannot be read: "
                                  f"{exc.strerror or exc}.") from None
    paths, missing = {}, []
    for fname in FILES:
        here = [n for n in (fname, fname[:-3]) if n in entries and (folder / n).is_file()]
        if here:
            paths[fname] = folder / here[0]
        else:
            missing.append(fname)
    if missing:
        raise DatasetNotAvailable(
            f"data folder {folder} lacks {', '.join(missing)}: it must hold the four IDX files "
            f"{', '.join(FILES)} (gzip-compressed or not).")
    return paths


def _load_folder(folder):
    """The data set in a folder of four IDX files; named after it, unless its files are
    exactly those of MNIST or Fashion-MNIST (then a file that differs is refused)."""
    paths = _folder_files(folder)
    try:
        digests = {fname: file_hash(path) for fname, path in paths.items()}
    except OSError as exc:
        raise DatasetNotAvailable(f"cannot read {exc.filename or folder}: "
                                  f"{exc.strerror or exc}.") from None
    name = pathlib.Path(folder).expanduser().resolve().name or str(folder)
    class_names = DIGIT_NAMES
    for known, hashes in SHA256.items():
        matches = {fname for fname, digest in digests.items() if digest in hashes[fname]}
        if matches == set(FILES):
            name, class_names = known, CLASS_NAMES[known]
            break
        if matches:   # some files are this data set's, another is not: damaged
            bad = [f for f in FILES if f not in matches]
            raise DatasetNotAvailable(
                f"{paths[bad[0]]} is not the {known} file {bad[0]}: its sha256 is "
                f"{digests[bad[0]]}, expected {hashes[bad[0]][0]}. It is corrupt or truncated: "
                "replace it.")
    files = tuple((str(paths[f]), digests[f]) for f in FILES)
    return _read_idx_set(name, files, class_names)


def load(name="sample", *, data_home=None, download=True, progress=None):
    """Load a data set as uint8 images and int64 labels, split into train and test.

    Parameters
    ----------
    name : {"sample", "mnist", "fashion-mnist"} or path, default="sample"
        ``"sample"``: 5,000 MNIST digits shipped with handin (4,000 train,
        1,000 test), offline. ``"mnist"``, ``"fashion-mnist"``: the full data
        sets in their standard split of 60,000 train and 10,000 test images
        (not 9,999: the report this book grew from lost one to an off-by-one
        slice), read or downloaded by :func:`fetch`. A folder (a path object, a
        string with a ``/``, or an existing folder's name): the four IDX files
        ``FILES`` in it, gzip-compressed or not, checked as IDX files; if they are
        MNIST's or Fashion-MNIST's, against their sha256 too.
    data_home : str or os.PathLike, optional
        Folder of downloaded data sets; see :func:`cache_dir`.
    download : bool, default=True
        Download the files if no local copy is found. If False, only local
        folders are read.
    progress : bool, optional
        Show a download progress bar. Default: if stderr is a terminal.

    Returns
    -------
    Dataset
        With read-only arrays, shared between calls (loaded once per process).

    Raises
    ------
    ValueError
        If ``name`` is neither one of ``DATASETS`` nor a folder, or an IDX file is
        malformed (truncated, corrupt, wrong type; the message names it).
    DatasetNotAvailable
        If the data set is not available offline and cannot be downloaded, a
        folder is missing or lacks a file, or a file fails its sha256 (the
        packaged sample: reinstall handin).

    Examples
    --------
    >>> ds = load("sample")
    >>> ds.X_train.shape, ds.X_test.shape, ds.X_train.dtype
    ((4000, 784), (1000, 784), dtype('uint8'))
    """
    if is_folder(name):
        return _load_folder(name)
    if not isinstance(name, str) or name not in DATASETS:
        raise ParameterError("name", f"name must be one of {', '.join(map(repr, DATASETS))}, or a folder of "
                         f"IDX files, got {name!r}.")
    if name == "sample":
        try:
            digest = file_hash(SAMPLE_PATH)
        except FileNotFoundError:
            digest = "missing"
        if digest != SAMPLE_SHA256:
            raise DatasetNotAvailable(
                f"The packaged sample is corrupt or missing: {SAMPLE_PATH} has sha256 {digest}, "
                f"expected {SAMPLE_SHA256}. Reinstall handin (pip install --force-reinstall "
                "handin) to get it back.")
        return _read_sample(str(SAMPLE_PATH), digest)
    found = fetch_verified(name, data_home, progress, download)
    return _read_idx_set(name, tuple((str(found[f][0]), found[f][1]) for f in FILES),
                         CLASS_NAMES[name])


def train_val_split(X, y, val_fraction=0.15, *, seed=0):
    """Hold out a stratified, shuffled validation set.

    Each class keeps its share: ``round(val_fraction * n)`` rows in all go to
    validation, split between classes in proportion to their sizes.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Integer labels.
    val_fraction : float, default=0.15
        Share of the samples held out, in the open range (0, 1).
    seed : int or numpy.random.Generator, default=0
        The same seed gives the same split.

    Returns
    -------
    X_train : ndarray of shape (n_samples - n_val, n_features)
    X_val : ndarray of shape (n_val, n_features)
    y_train : ndarray of shape (n_samples - n_val,)
    y_val : ndarray of shape (n_val,)
        New arrays, in shuffled order.

    Examples
    --------
    >>> ds = load("sample")
    >>> X_tr, X_val, y_tr, y_val = train_val_split(ds.X_train, ds.y_train, 0.15, seed=0)
    >>> len(X_tr), len(X_val)
    (3400, 600)
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2:
        raise ParameterError("X", f"X must be a 2-D array of shape (n_samples, n_features), "
                         f"got shape {X.shape}.")
    if y.shape != (len(X),):
        raise ParameterError("y", f"y must have shape (n_samples,) = ({len(X)},) to match X, "
                         f"got shape {y.shape}.")
    if y.dtype.kind not in "iu":
        raise ParameterTypeError("y", f"y must hold integer labels, got dtype {y.dtype}.")
    val_fraction = check_scalar(val_fraction, "val_fraction", float, min_val=0.0, max_val=1.0,
                                include_min=False, include_max=False)
    if not isinstance(seed, np.random.Generator):
        seed = check_scalar(seed, "seed", int, min_val=0)
    n_val = round(val_fraction * len(y))
    if not 0 < n_val < len(y):
        raise ParameterError("val_fraction", f"val_fraction={val_fraction} leaves {n_val} of {len(y)} samples for "
                         "validation; both parts need at least one.")
    _, y_class, counts = np.unique(y, return_inverse=True, return_counts=True)
    exact = val_fraction * counts  # largest-remainder rounding, so the shares sum to n_val
    n_val_k = np.floor(exact).astype(np.int64)
    n_val_k[np.argsort(n_val_k - exact, kind="stable")[:n_val - n_val_k.sum()]] += 1
    rng = np.random.default_rng(seed)
    val, train = [], []
    for k, n_k in enumerate(n_val_k):
        idx = rng.permutation(np.flatnonzero(y_class == k))
        val.append(idx[:n_k])
        train.append(idx[n_k:])
    train, val = rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(val))
    return X[train], X[val], y[train], y[val]


def scale(X, dtype=np.float32):
    """Pixels 0..255 to floats in [0, 1]: ``X / 255``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Pixel values 0..255, e.g. ``Dataset.X_train``.
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32

    Returns
    -------
    ndarray of shape (n_samples, n_features) and the given dtype
        A new array; ``X`` is not modified.
    """
    dtype = check_dtype(dtype)
    X = np.asarray(X)
    if X.dtype.kind not in "uif":
        raise ParameterTypeError("X", f"X must hold pixel values 0..255, got dtype {X.dtype}.")
    out = X.astype(dtype)
    out /= 255
    return out
