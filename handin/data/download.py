"""Where the full data sets come from: a local folder of IDX files, or a download with pooch.

Full MNIST and Fashion-MNIST are four IDX files each (:data:`FILES`). :func:`fetch`
finds them in a local folder, or downloads them once from a mirror, and checks every
file against its known sha256 before it is used. A folder prepared once
(``python -m handin fetch mnist --dir DIR``) can be shared read-only by a whole class
through ``HANDIN_DATA=DIR``: reading it writes nothing there.

Downloads use pooch's :class:`pooch.HTTPDownloader` (its progress bar, its timeouts),
into a temporary file in the destination folder that replaces the real name only once
its sha256 is right: a download cut short, corrupt or interrupted leaves nothing behind.
Nothing is printed but the progress bar; what happened goes to the ``handin.data.download``
logger. pooch's own logger is not touched.
"""

from __future__ import annotations

import logging
import os
import pathlib
import sys
import tempfile

import pooch

from .._validation import ParameterError

__all__ = ["FILES", "MIRRORS", "SHA256", "DatasetNotAvailable", "cache_dir", "fetch",
           "find_local", "file_hash"]

log = logging.getLogger(__name__)

FULL_DATASETS = ("mnist", "fashion-mnist")
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


def file_hash(path):
    """The sha256 of a file, as hex (pooch's :func:`pooch.file_hash`)."""
    return pooch.file_hash(os.fspath(path), alg="sha256")


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


def check_name(name, allowed):
    if not isinstance(name, str) or name not in allowed:
        raise ParameterError("name", f"name must be one of {', '.join(map(repr, allowed))}, got {name!r}.")
    return name


def find_local(name, data_home=None):
    """``{file: (path, sha256)}`` from the first folder that holds all four files, or None.

    The folders, in order: ``cache_dir(data_home) / name``, ``cache_dir(data_home)`` and,
    for Fashion-MNIST, Debian's ``/usr/share/datasets/fashion-mnist``. Only reads.

    Raises
    ------
    DatasetNotAvailable
        If a file there fails its sha256 (the message names it and says what to do).
    """
    root = cache_dir(data_home)
    folders = [root / name, root] + ([DEBIAN_FASHION_MNIST] if name == "fashion-mnist" else [])
    for folder in folders:
        paths = {fname: folder / fname for fname in FILES}
        if all(path.is_file() for path in paths.values()):
            found = {fname: (path, file_hash(path)) for fname, path in paths.items()}
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


def _download(url, path, sha256, progress):
    """Download ``url`` to ``path`` through a temporary file beside it; keep it only if intact."""
    fd, part = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        pooch.HTTPDownloader(progressbar=progress)(url, part, None)
        digest = file_hash(part)
        if digest != sha256:
            raise ValueError(f"its sha256 is {digest}, expected {sha256}")
        os.replace(part, path)
    finally:   # also on KeyboardInterrupt: no half-written file stays
        if os.path.exists(part):
            os.remove(part)


def fetch(name, *, data_home=None, progress=None, download=True):
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
    download : bool, default=True
        If False, only local folders are read.

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
    return {fname: path for fname, (path, _) in fetch_verified(name, data_home, progress,
                                                                download).items()}


def fetch_verified(name, data_home=None, progress=None, download=True):
    """Like :func:`fetch`, with each file's sha256: ``{file: (path, sha256)}``."""
    check_name(name, FULL_DATASETS)
    found = find_local(name, data_home)
    if found is not None:
        return found
    if not download:
        raise DatasetNotAvailable(_not_available(name, data_home))
    folder = cache_dir(data_home) / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetNotAvailable(
            _not_available(name, data_home, [f"cannot create {folder}: {exc.strerror or exc}"])
        ) from None
    show = sys.stderr.isatty() if progress is None else bool(progress)
    for fname in FILES:
        path = folder / fname
        if path.is_file() and file_hash(path) in SHA256[name][fname]:
            continue       # kept from an earlier, interrupted fetch
        failures = []
        for url in (mirror + fname for mirror in MIRRORS[name]):
            try:
                _download(url, path, SHA256[name][fname][0], show)
                log.info("downloaded %s to %s", url, path)
                break
            except (OSError, ValueError) as exc:  # requests' errors are OSErrors; bad hash
                log.info("could not download %s: %s", url, exc)
                failures.append(f"{url}: {str(exc).splitlines()[0][:300]}")
        else:
            raise DatasetNotAvailable(_not_available(name, data_home, failures))
    return find_local(name, data_home)
