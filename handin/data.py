"""The data sets of the coursebook: a packaged MNIST sample, full MNIST and Fashion-MNIST.

``load("sample")`` works offline: 5,000 real MNIST digits shipped with the
package (4,000 train / 1,000 test, 400 / 100 of each digit). ``load("mnist")``
and ``load("fashion-mnist")`` give the full data sets in their standard split of
60,000 training and 10,000 test images (the report this book grew from tested
on 9,999 images, because of an off-by-one slice). They are read from a local
folder when it holds the four IDX files, else downloaded once with pooch and
cached; every file is checked against its known sha256 before it is used.

Images are rows of 784 uint8 pixels (0..255, a 28 x 28 image read row by row);
:func:`scale` turns them into floats in [0, 1].
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import pathlib
import sys
from dataclasses import dataclass, field

import numpy as np
import pooch

from ._idx import parse_idx, read_idx
from ._validation import check_scalar

__all__ = ["DATASETS", "Dataset", "DatasetNotAvailable", "load", "fetch", "cache_dir",
           "read_idx", "scale", "train_val_split"]

log = logging.getLogger(__name__)

DATASETS = ("sample", "mnist", "fashion-mnist")
DIGIT_NAMES = tuple(str(k) for k in range(10))
FASHION_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot")
CLASS_NAMES = {"sample": DIGIT_NAMES, "mnist": DIGIT_NAMES, "fashion-mnist": FASHION_NAMES}

SAMPLE_PATH = pathlib.Path(__file__).with_name("datasets") / "mnist_sample.npz"
SAMPLE_SHA256 = "079aa07ea0625714380a0766350a39c625dc1d3003b5abb1118ebc44f76cb3ef"
DEBIAN_FASHION_MNIST = pathlib.Path("/usr/share/datasets/fashion-mnist")  # dataset-fashion-mnist

FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
MIRRORS = {
    "mnist": ("https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/",
              "http://yann.lecun.com/exdb/mnist/"),
    "fashion-mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                      "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/"),
}
# sha256 of each file: first as published (what the mirrors serve; tensorflow_datasets'
# url_checksums), then of known repacks of the same content. Debian's dataset-fashion-mnist
# recompresses the files without the gzip name field: other .gz bytes, same IDX data.
SHA256 = {
    "mnist": dict(zip(FILES, [
        ("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",),
        ("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",),
        ("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",),
        ("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",)])),
    "fashion-mnist": dict(zip(FILES, [
        ("3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
         "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
        ("a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
         "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
        ("346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
         "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
        ("67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
         "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05")])),
}


class DatasetNotAvailable(OSError):
    """A data set is neither on this machine (intact) nor downloadable right now."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set split into training and test images, with read-only arrays.

    Attributes
    ----------
    name : {"sample", "mnist", "fashion-mnist"}
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
        ``(28, 28)``: ``X[i].reshape(image_shape)`` is image ``i``.
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
                raise ValueError(f"{X_name} must have shape (n, 784) and {y_name} shape (n,), "
                                 f"got {X.shape} and {y.shape}.")


def cache_dir(data_home=None):
    """The folder where downloaded data sets are kept (one sub-folder per data set).

    Parameters
    ----------
    data_home : str or os.PathLike, optional
        Use this folder. Default: the environment variable ``HANDIN_DATA`` if
        set, else the user cache folder of ``pooch.os_cache("handin")``.

    Returns
    -------
    pathlib.Path
        The folder (not created here).
    """
    data_home = data_home if data_home is not None else os.environ.get("HANDIN_DATA") or None
    if data_home is None:
        return pathlib.Path(pooch.os_cache("handin"))
    return pathlib.Path(data_home).expanduser()


def _check_name(name, allowed):
    if not isinstance(name, str) or name not in allowed:
        raise ValueError(f"name must be one of {', '.join(map(repr, allowed))}, got {name!r}.")
    return name


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _find_local(name, data_home):
    """``{file: (path, sha256)}`` from the first folder that holds all four files, or None."""
    root = cache_dir(data_home)
    folders = [root / name, root] + ([DEBIAN_FASHION_MNIST] if name == "fashion-mnist" else [])
    for folder in folders:
        paths = {fname: folder / fname for fname in FILES}
        if all(path.is_file() for path in paths.values()):
            found = {fname: (path, _sha256(path)) for fname, path in paths.items()}
            for fname, (path, digest) in found.items():
                if digest not in SHA256[name][fname]:
                    raise DatasetNotAvailable(
                        f"{path} is not the {name} file {fname}: its sha256 is {digest}, expected "
                        f"{SHA256[name][fname][0]}. It is corrupt, truncated or from another data "
                        f"set: replace it, or delete it so that handin downloads it again.")
            return found
    return None


def _not_available(name, data_home, failures=()):
    folder = cache_dir(data_home) / name
    mirrors = "".join(f"\n    {url}" for url in MIRRORS[name])
    how = "could not be downloaded" if failures else "download=False"
    text = (f"The {name} data set is not on this machine, and {how}.\n"
            f"It needs the four files {', '.join(FILES)} from one of{mirrors}\n"
            f"Put them in {folder} (or in the folder named by the environment variable "
            f"HANDIN_DATA, or pass data_home=) and load it again, or connect to the internet and "
            f"call load({name!r}) with download=True.")
    if name == "fashion-mnist":
        text += ("\nOn Debian or Ubuntu, `apt-get install dataset-fashion-mnist` installs the "
                 f"files in {DEBIAN_FASHION_MNIST}, which handin reads.")
    text += "\nload('sample') works offline: 5,000 real MNIST digits shipped with handin."
    if failures:
        text += "\nDownload attempts:" + "".join(f"\n  - {line}" for line in failures)
    return text


@contextlib.contextmanager
def _pooch_quiet(quiet):
    """Silence pooch's own messages ("Downloading data from ...") when no progress is shown."""
    logger = pooch.get_logger()
    level = logger.level
    if quiet:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def fetch(name, *, data_home=None, progress=None):
    """The four IDX files of a data set, verified, from a local folder or downloaded.

    The first of these folders that holds all four files is used:
    ``cache_dir(data_home) / name``, ``cache_dir(data_home)`` itself and, for
    Fashion-MNIST, Debian's ``/usr/share/datasets/fashion-mnist``. Otherwise
    the missing files are downloaded into ``cache_dir(data_home) / name``, each
    from the first mirror in ``MIRRORS[name]`` that serves it intact. A download
    that is cut short or fails its sha256 is deleted, never kept.

    Parameters
    ----------
    name : {"mnist", "fashion-mnist"}
    data_home : str or os.PathLike, optional
        See :func:`cache_dir`.
    progress : bool, optional
        Show a progress bar (on stderr) while downloading. Default: if stderr is a terminal.

    Returns
    -------
    paths : dict of str to pathlib.Path
        ``{file name: path}`` for the names in ``FILES``.

    Raises
    ------
    DatasetNotAvailable
        If a local file fails its sha256, or no mirror could deliver a file; the
        message says which files are needed, where to put them and where to get them.
    """
    _check_name(name, DATASETS[1:])
    return {fname: path for fname, (path, _) in _fetch(name, data_home, progress).items()}


def _fetch(name, data_home, progress, download=True):
    found = _find_local(name, data_home)
    if found is not None:
        return found
    if not download:
        raise DatasetNotAvailable(_not_available(name, data_home))
    folder = cache_dir(data_home) / name
    show = sys.stderr.isatty() if progress is None else bool(progress)
    with _pooch_quiet(not show):
        for fname in FILES:
            failures = []
            for url in (mirror + fname for mirror in MIRRORS[name]):
                try:
                    pooch.retrieve(url, f"sha256:{SHA256[name][fname][0]}", fname=fname,
                                   path=folder, progressbar=show)
                    break
                except (OSError, ValueError) as exc:  # requests' errors are OSErrors; bad hash
                    log.info("could not download %s: %s", url, exc)
                    failures.append(f"{url}: {str(exc).splitlines()[0][:300]}")
            else:
                raise DatasetNotAvailable(_not_available(name, data_home, failures))
    return _find_local(name, data_home)


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
def _read_idx_set(name, files):
    """``files``: ((path, sha256), ...) in the order of FILES; the digest keys the cache."""
    (tr_X, _), (tr_y, _), (te_X, _), (te_y, _) = files
    X_train, y_train = _read_pair(tr_X, tr_y)
    X_test, y_test = _read_pair(te_X, te_y)
    return Dataset(name, X_train, y_train, X_test, y_test, CLASS_NAMES[name],
                   str(pathlib.Path(tr_X).parent))


@functools.lru_cache(maxsize=2)
def _read_sample(path, sha256):
    with np.load(path, allow_pickle=False) as npz:
        arrays = [_frozen(npz[key]) for key in ("X_train", "y_train", "X_test", "y_test")]
    return Dataset("sample", *arrays, DIGIT_NAMES, path)


def load(name="sample", *, data_home=None, download=True, progress=None):
    """Load a data set as uint8 images and int64 labels, split into train and test.

    Parameters
    ----------
    name : {"sample", "mnist", "fashion-mnist"}, default="sample"
        ``"sample"``: 5,000 MNIST digits shipped with handin (4,000 train,
        1,000 test), offline. ``"mnist"``, ``"fashion-mnist"``: the full data
        sets in their standard split of 60,000 train and 10,000 test images
        (not 9,999: the report this book grew from lost one to an off-by-one
        slice), read or downloaded by :func:`fetch`.
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
        If ``name`` is not one of ``DATASETS``.
    DatasetNotAvailable
        If the data set is not available offline and cannot be downloaded, or a
        file fails its sha256 (the packaged sample: reinstall handin).

    Examples
    --------
    >>> ds = load("sample")
    >>> ds.X_train.shape, ds.X_test.shape, ds.X_train.dtype
    ((4000, 784), (1000, 784), dtype('uint8'))
    """
    _check_name(name, DATASETS)
    if name == "sample":
        try:
            digest = _sha256(SAMPLE_PATH)
        except FileNotFoundError:
            digest = "missing"
        if digest != SAMPLE_SHA256:
            raise DatasetNotAvailable(
                f"The packaged sample is corrupt or missing: {SAMPLE_PATH} has sha256 {digest}, "
                f"expected {SAMPLE_SHA256}. Reinstall handin (pip install --force-reinstall "
                "handin) to get it back.")
        return _read_sample(str(SAMPLE_PATH), digest)
    found = _fetch(name, data_home, progress, download)
    return _read_idx_set(name, tuple((str(found[f][0]), found[f][1]) for f in FILES))


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
        raise ValueError(f"X must be a 2-D array of shape (n_samples, n_features), "
                         f"got shape {X.shape}.")
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape (n_samples,) = ({len(X)},) to match X, "
                         f"got shape {y.shape}.")
    if y.dtype.kind not in "iu":
        raise TypeError(f"y must hold integer labels, got dtype {y.dtype}.")
    val_fraction = check_scalar(val_fraction, "val_fraction", float, min_val=0.0, max_val=1.0,
                                include_min=False, include_max=False)
    if not isinstance(seed, np.random.Generator):
        seed = check_scalar(seed, "seed", int, min_val=0)
    n_val = round(val_fraction * len(y))
    if not 0 < n_val < len(y):
        raise ValueError(f"val_fraction={val_fraction} leaves {n_val} of {len(y)} samples for "
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
    try:
        ok = np.dtype(dtype) in (np.float32, np.float64)
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(f"dtype must be numpy.float32 or numpy.float64, got {dtype!r}.")
    X = np.asarray(X)
    if X.dtype.kind not in "uif":
        raise TypeError(f"X must hold pixel values 0..255, got dtype {X.dtype}.")
    out = X.astype(np.dtype(dtype))
    out /= 255
    return out
