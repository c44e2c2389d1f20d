"""Tests of handin.data: IDX reading, the packaged sample, downloads (from 127.0.0.1), splits."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import shutil
import socket
import struct
import threading

import numpy as np
import pytest

from handin import data
from handin.data import (DatasetNotAvailable, download, load, loading, read_idx, scale,
                         train_val_split)

# --- tiny IDX files ---------------------------------------------------------------------------


def idx_bytes(arr, *, dtype_byte=0x08):
    arr = np.asarray(arr, dtype=np.uint8)
    return bytes([0, 0, dtype_byte, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) \
        + arr.tobytes()


def tiny_set(seed=0):
    """The four files of a tiny MNIST-like data set: {file name: gzip bytes}, and the arrays."""
    rng = np.random.default_rng(seed)
    arrays = {"train-images-idx3-ubyte.gz": rng.integers(0, 256, (20, 28, 28)),
              "train-labels-idx1-ubyte.gz": np.arange(20) % 10,
              "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (10, 28, 28)),
              "t10k-labels-idx1-ubyte.gz": np.arange(10)[::-1]}
    return {f: gzip.compress(idx_bytes(a), mtime=0) for f, a in arrays.items()}, arrays


def sha(b):
    return hashlib.sha256(b).hexdigest()


@pytest.fixture
def tiny(monkeypatch):
    """Register the tiny set's hashes as those of "mnist" and "fashion-mnist"; return its files."""
    files, arrays = tiny_set()
    for name in ("mnist", "fashion-mnist"):
        monkeypatch.setitem(data.SHA256, name, {f: (sha(b),) for f, b in files.items()})
    monkeypatch.setattr(download, "DEBIAN_FASHION_MNIST", download.pathlib.Path("/nonexistent"))
    return files, arrays


def write_files(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for f, b in files.items():
        (folder / f).write_bytes(b)


# --- read_idx ---------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_roundtrip_by_content_not_name(tmp_path, compress):
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    raw = idx_bytes(images)
    path = tmp_path / ("plain.gz" if not compress else "compressed.idx")  # names that lie
    path.write_bytes(gzip.compress(raw) if compress else raw)
    out = read_idx(path)
    assert out.dtype == np.uint8 and out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out, images)
    out[0, 0, 0] = 7  # a writable copy
    np.testing.assert_array_equal(read_idx(io.BytesIO(idx_bytes([7, 2, 1]))), [7, 2, 1])
    np.testing.assert_array_equal(read_idx(str(path)), images)


@pytest.mark.parametrize("mangle, message", [
    (lambda b: b"PK\x03\x04" + b[4:], "magic number"),
    (lambda b: b[:3] + b"\x02" + b[4:], "magic number 0x00000802"),
    (lambda b: b[:2] + b"\x0d" + b[3:], "data type byte 0x0d"),
    (lambda b: b[:-1], "truncated"),
    (lambda b: b[:10], "truncated"),
    (lambda b: b + b"\x00\x00", "extra bytes"),
    (lambda b: gzip.compress(b)[:-12], "not a valid gzip"),
    (lambda b: b"\x00\x00", "too short"),
])
def test_read_idx_rejects_bad_files_naming_them(tmp_path, mangle, message):
    path = tmp_path / "bad-file-idx3-ubyte"
    path.write_bytes(mangle(idx_bytes(np.zeros((3, 28, 28)))))
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_read_idx_type_errors():
    with pytest.raises(TypeError, match="path_or_file"):
        read_idx(42)
    with pytest.raises(TypeError, match="binary mode"):
        read_idx(io.StringIO("text"))


# --- local folders ----------------------------------------------------------------------------


@pytest.mark.parametrize("sub", ["mnist", ""])
def test_load_from_local_folder(tmp_path, tiny, sub):
    files, arrays = tiny
    write_files(tmp_path / sub, files)
    ds = load("mnist", data_home=tmp_path, download=False)
    assert ds.name == "mnist" and ds.class_names == tuple("0123456789")
    assert ds.X_train.shape == (20, 784) and ds.X_train.dtype == np.uint8
    assert ds.y_train.dtype == np.int64 and ds.X_test.shape == (10, 784)
    np.testing.assert_array_equal(ds.X_train, arrays["train-images-idx3-ubyte.gz"].reshape(20, -1))
    np.testing.assert_array_equal(ds.y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    assert ds.source == str(tmp_path / sub).rstrip("/")
    for a in (ds.X_train, ds.y_train, ds.X_test, ds.y_test):
        with pytest.raises(ValueError):
            a.setflags(write=True)
    assert ds.X_train[0].reshape(ds.image_shape).shape == (28, 28)


def test_local_file_failing_its_hash_is_named(tmp_path, tiny):
    files, _ = tiny
    write_files(tmp_path / "mnist", files)
    bad = tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz"
    bad.write_bytes(files["t10k-labels-idx1-ubyte.gz"][:-3])
    with pytest.raises(DatasetNotAvailable, match="t10k-labels-idx1-ubyte.gz") as info:
        load("mnist", data_home=tmp_path, download=False)
    assert str(bad) in str(info.value)


@pytest.mark.parametrize("labels, message", [(np.arange(19) % 10, "holds 20 images but"),
                                             (np.arange(20), "labels up to 19")])
def test_mismatched_counts_and_bad_labels(tmp_path, monkeypatch, labels, message):
    files, _ = tiny_set()
    files["train-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(labels))
    monkeypatch.setitem(data.SHA256, "mnist", {f: (sha(b),) for f, b in files.items()})
    write_files(tmp_path, files)
    with pytest.raises(ValueError, match=message) as info:
        load("mnist", data_home=tmp_path, download=False)
    assert "train-labels-idx1-ubyte.gz" in str(info.value)


def test_debian_folder_and_env_var(tmp_path, tiny, monkeypatch):
    files, _ = tiny
    write_files(tmp_path / "debian", files)
    monkeypatch.setattr(download, "DEBIAN_FASHION_MNIST", tmp_path / "debian")
    monkeypatch.setenv("HANDIN_DATA", str(tmp_path / "empty"))
    assert data.cache_dir() == tmp_path / "empty"
    assert data.cache_dir(tmp_path) == tmp_path
    ds = load("fashion-mnist", download=False)
    assert ds.source == str(tmp_path / "debian") and ds.class_names[0] == "T-shirt/top"
    with pytest.raises(DatasetNotAvailable):
        load("mnist", download=False)  # the Debian folder is only for Fashion-MNIST


def test_offline_error_says_how_to_get_the_data(tmp_path, tiny):
    with pytest.raises(DatasetNotAvailable) as info:
        load("mnist", data_home=tmp_path, download=False)
    text = str(info.value)
    for part in [*data.FILES, *data.MIRRORS["mnist"], "HANDIN_DATA", "data_home",
                 str(tmp_path / "mnist"), "load('sample')"]:
        assert part in text
    assert isinstance(info.value, OSError)


def test_bad_name():
    with pytest.raises(ValueError, match="name must be one of 'sample', 'mnist', 'fashion-mnist'"):
        load("MNIST")
    with pytest.raises(ValueError, match="'mnist', 'fashion-mnist', got 'sample'"):
        data.fetch("sample")


# --- downloads from a server on 127.0.0.1 -----------------------------------------------------


@pytest.fixture
def server(tiny):
    """Serves /good/<file>, /bad/<file> (other bytes), /cut/<file> (dies mid-file); 404 else."""
    files, _ = tiny
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            kind, _, fname = self.path.strip("/").partition("/")
            body = files.get(fname)
            if body is None or kind not in ("good", "bad", "cut"):
                self.send_error(404)
                return
            if kind == "bad":
                body = gzip.compress(idx_bytes(np.zeros(len(body) % 7 + 1)), mtime=0)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) + (1000 if kind == "cut" else 0)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if kind == "cut" else body)
            self.close_connection = True

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", hits
    httpd.shutdown()
    httpd.server_close()


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def test_download_then_cached(tmp_path, server, monkeypatch, capsys):
    url, hits = server
    monkeypatch.setitem(data.MIRRORS, "mnist", (url + "good/",))
    paths = data.fetch("mnist", data_home=tmp_path, progress=False)
    assert capsys.readouterr() == ("", "")  # the library never prints
    assert sorted(paths) == sorted(data.FILES)
    assert all(p.parent == tmp_path / "mnist" and p.is_file() for p in paths.values())
    assert len(hits) == 4
    ds = load("mnist", data_home=tmp_path, download=False)
    assert ds.X_train.shape == (20, 784)
    load("mnist", data_home=tmp_path)
    assert len(hits) == 4  # served from the cache
    cached = paths["train-images-idx3-ubyte.gz"]
    cached.write_bytes(cached.read_bytes()[:-1])  # a cached file is verified again
    with pytest.raises(DatasetNotAvailable, match=str(cached)):
        load("mnist", data_home=tmp_path)


def test_mirror_fallback(tmp_path, server, monkeypatch, capsys):
    url, hits = server
    monkeypatch.setitem(data.MIRRORS, "mnist", (url + "missing/", url + "good/"))
    ds = load("mnist", data_home=tmp_path, progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "100%" in err  # pooch's tqdm bar, on stderr
    assert ds.X_test.shape == (10, 784)
    assert sum(h.startswith("/missing/") for h in hits) == 4
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == sorted(data.FILES)


@pytest.mark.parametrize("kind", ["bad", "cut"])
def test_bad_or_cut_download_leaves_nothing(tmp_path, server, monkeypatch, kind):
    url, _ = server
    monkeypatch.setitem(data.MIRRORS, "mnist", (url + kind + "/",))
    with pytest.raises(DatasetNotAvailable, match=url + kind) as info:
        data.fetch("mnist", data_home=tmp_path, progress=False)
    assert "Download attempts" in str(info.value)
    folder = tmp_path / "mnist"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_all_mirrors_down_one_clear_error(tmp_path, server, monkeypatch):
    url, _ = server
    down = closed_port_url()
    monkeypatch.setitem(data.MIRRORS, "fashion-mnist", (down, url + "missing/"))
    with pytest.raises(DatasetNotAvailable) as info:
        load("fashion-mnist", data_home=tmp_path, progress=False)
    text = str(info.value)
    assert text.startswith("The fashion-mnist data set is not on this machine, and could not be "
                           "downloaded.")
    assert down + "train-images-idx3-ubyte.gz" in text and "404" in text
    assert "dataset-fashion-mnist" in text and "load('sample')" in text


def test_interrupted_download_leaves_nothing(tmp_path, server, monkeypatch):
    """Ctrl-C in the middle of a download: no file, no temporary file, under its name or not."""
    url, _ = server
    monkeypatch.setitem(data.MIRRORS, "mnist", (url + "good/",))

    def interrupted(self, url, output_file, pooch_, check_only=False):
        with open(output_file, "wb") as f:
            f.write(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(download.pooch.HTTPDownloader, "__call__", interrupted)
    with pytest.raises(KeyboardInterrupt):
        data.fetch("mnist", data_home=tmp_path, progress=False)
    assert list((tmp_path / "mnist").iterdir()) == []


def test_pooch_logger_left_alone(tmp_path, server, monkeypatch, capsys):
    url, _ = server
    monkeypatch.setitem(data.MIRRORS, "mnist", (url + "good/",))
    logger = download.pooch.get_logger()
    before = (logger.level, list(logger.handlers), list(logger.filters), logger.disabled)
    data.fetch("mnist", data_home=tmp_path, progress=False)
    assert (logger.level, list(logger.handlers), list(logger.filters), logger.disabled) == before
    assert capsys.readouterr().err == ""  # and still nothing printed


def test_file_hash_is_poochs(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    assert download.file_hash(path) == sha(b"abc") == download.pooch.file_hash(str(path))


# --- a folder of IDX files, and a class sharing one read-only ---------------------------------


def tree(folder):
    """Every file and folder under ``folder`` with its size and mtime (to see any write)."""
    return {str(p.relative_to(folder)): (p.is_dir(), p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))} | {".": folder.stat().st_mtime_ns}


@pytest.mark.parametrize("compressed", [True, False])
def test_load_a_folder_of_idx_files(tmp_path, compressed):
    files, arrays = tiny_set(seed=3)     # not MNIST's hashes: read as IDX files, named by folder
    folder = tmp_path / "my digits"
    folder.mkdir()
    for f, b in files.items():
        (folder / (f if compressed else f[:-3])).write_bytes(b if compressed
                                                              else gzip.decompress(b))
    for name in (folder, str(folder)):
        ds = load(name)
        assert ds.name == "my digits" and ds.class_names == tuple("0123456789")
        np.testing.assert_array_equal(ds.y_train, arrays["train-labels-idx1-ubyte.gz"])
        assert ds.X_test.shape == (10, 784) and ds.source == str(folder)


def test_a_folder_of_mnist_files_is_mnist(tmp_path, tiny):
    files, _ = tiny
    write_files(tmp_path / "anywhere", files)
    ds = load(tmp_path / "anywhere")
    assert ds.name == "mnist"       # recognised by the hashes (the tiny set stands in for MNIST)


@pytest.mark.parametrize("case, message", [
    ("missing", "does not exist"),
    ("a file", "is not a folder"),
    ("under a file", "is not a folder"),
    ("lacks a file", "lacks t10k-labels-idx1-ubyte.gz"),
    ("one file damaged", "t10k-images-idx3-ubyte.gz: its sha256 is"),
    ("truncated", "truncated"),
    ("corrupt gzip", "not a valid gzip"),
])
def test_bad_folders_are_named(tmp_path, tiny, monkeypatch, case, message):
    files, _ = tiny
    if case in ("truncated", "corrupt gzip"):   # files of no known data set: checked as IDX
        for name in data.SHA256:
            monkeypatch.setitem(data.SHA256, name, {f: ("0" * 64,) for f in data.FILES})
    folder = tmp_path / "data"
    if case == "a file":
        folder.write_text("not a folder")
    elif case == "under a file":
        (tmp_path / "file").write_text("")
        folder = tmp_path / "file" / "data"
    elif case != "missing":
        write_files(folder, files)
        target = folder / ("t10k-images-idx3-ubyte.gz")
        if case == "lacks a file":
            (folder / "t10k-labels-idx1-ubyte.gz").unlink()
        elif case == "one file damaged":
            target.write_bytes(target.read_bytes()[:-5])
        elif case == "truncated":
            target.write_bytes(gzip.compress(gzip.decompress(target.read_bytes())[:-7]))
        else:
            raw = bytearray(target.read_bytes())
            raw[len(raw) // 2] ^= 0xFF
            target.write_bytes(bytes(raw))
    error = ValueError if case in ("truncated", "corrupt gzip") else DatasetNotAvailable
    with pytest.raises(error, match=message) as info:
        load(folder)
    assert str(folder) in str(info.value) or case == "one file damaged"


def test_names_that_are_not_folders():
    assert not data.is_folder("sample") and not data.is_folder("MNIST")
    assert data.is_folder("./MNIST") and data.is_folder(loading.pathlib.Path("x"))
    with pytest.raises(ValueError, match="or a folder of IDX files, got 'MNIST'"):
        load("MNIST")


def test_a_shared_read_only_folder_is_never_written(tmp_path, server, monkeypatch):
    """The teacher fetches once; every student reads through HANDIN_DATA; nothing changes."""
    url, hits = server
    monkeypatch.setitem(data.MIRRORS, "mnist", (url + "good/",))
    shared = tmp_path / "shared"
    data.fetch("mnist", data_home=shared, progress=False)
    for p in [shared, *shared.rglob("*")]:
        p.chmod(0o555 if p.is_dir() else 0o444)
    before, n_hits = tree(shared), len(hits)
    try:
        monkeypatch.setenv("HANDIN_DATA", str(shared))
        loading._read_idx_set.cache_clear()
        assert load("mnist").X_train.shape == (20, 784)
        assert load(shared / "mnist").name == "mnist"
        assert data.fetch("mnist")["train-images-idx3-ubyte.gz"].parent == shared / "mnist"
    finally:
        after = tree(shared)
        for p in [shared, *shared.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
    assert after == before and len(hits) == n_hits


def test_fetch_command_prepares_a_folder_to_share(tmp_path, server, monkeypatch, capsys):
    from handin import cli

    url, hits = server
    monkeypatch.setitem(data.MIRRORS, "fashion-mnist", (url + "missing/", url + "good/"))
    assert cli.main(["fetch", "fashion-mnist", "--dir", str(tmp_path / "class"),
                     "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert f"fashion-mnist: the four IDX files, sha256 checked, in {tmp_path}/class" in out
    assert f"export HANDIN_DATA={tmp_path / 'class'}" in out
    assert sorted(p.name for p in (tmp_path / "class" / "fashion-mnist").iterdir()) == \
        sorted(data.FILES)
    n = len(hits)
    assert cli.main(["fetch", "fashion-mnist", "--dir", str(tmp_path / "class")]) == 0
    assert len(hits) == n      # already there: nothing downloaded again


# --- the packaged sample ----------------------------------------------------------------------


def test_sample():
    ds = load("sample")
    assert ds is load()  # loaded once per process
    assert ds.name == "sample" and ds.class_names == tuple("0123456789")
    assert ds.X_train.shape == (4000, 784) and ds.X_test.shape == (1000, 784)
    assert ds.X_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    assert ds.X_train.max() == 255 and ds.X_train.min() == 0
    np.testing.assert_array_equal(np.bincount(ds.y_train), np.full(10, 400))
    np.testing.assert_array_equal(np.bincount(ds.y_test), np.full(10, 100))
    assert not (ds.y_train[:-1] <= ds.y_train[1:]).all()  # shuffled, not sorted by class
    for a in (ds.X_train, ds.y_train, ds.X_test, ds.y_test):
        with pytest.raises(ValueError):
            a[0] = 1
        with pytest.raises(ValueError):
            a.setflags(write=True)
    assert hashlib.sha256(loading.SAMPLE_PATH.read_bytes()).hexdigest() == loading.SAMPLE_SHA256
    readme = (loading.SAMPLE_PATH.parent / "README.md").read_text()
    assert loading.SAMPLE_SHA256 in readme


def test_tampered_sample_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / "mnist_sample.npz"
    shutil.copy(loading.SAMPLE_PATH, copy)
    raw = bytearray(copy.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    copy.write_bytes(bytes(raw))
    monkeypatch.setattr(loading, "SAMPLE_PATH", copy)
    with pytest.raises(DatasetNotAvailable, match="packaged sample is corrupt.*Reinstall"):
        load("sample")
    monkeypatch.setattr(loading, "SAMPLE_PATH", tmp_path / "missing.npz")
    with pytest.raises(DatasetNotAvailable, match="Reinstall"):
        load("sample")


# --- train_val_split and scale ----------------------------------------------------------------


def test_train_val_split_is_stratified_and_deterministic():
    ds = load("sample")
    X_tr, X_val, y_tr, y_val = train_val_split(ds.X_train, ds.y_train, 0.15, seed=0)
    assert X_tr.shape == (3400, 784) and X_val.shape == (600, 784)
    np.testing.assert_array_equal(np.bincount(y_val), np.full(10, 60))
    np.testing.assert_array_equal(np.bincount(y_tr), np.full(10, 340))
    assert X_tr.flags.writeable  # new arrays, not views of the shared sample
    rows = {r.tobytes() for r in X_tr} | {r.tobytes() for r in X_val}
    assert len(rows) == len({r.tobytes() for r in ds.X_train})  # a partition
    again = train_val_split(ds.X_train, ds.y_train, 0.15, seed=0)
    other = train_val_split(ds.X_train, ds.y_train, 0.15, seed=1)
    for a, b in zip((X_tr, X_val, y_tr, y_val), again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(y_val, other[3])
    gen = train_val_split(ds.X_train, ds.y_train, seed=np.random.default_rng(0))
    assert len(gen[1]) == 600


def test_train_val_split_uneven_classes():
    y = np.array([0] * 7 + [1] * 3 + [2] * 10)
    X = np.arange(40).reshape(20, 2)
    _, X_val, _, y_val = train_val_split(X, y, 0.25, seed=3)
    # 25% of 20 is 5, shared by largest remainder: 1.75, 0.75, 2.5 -> 2, 1, 2
    np.testing.assert_array_equal(np.bincount(y_val, minlength=3), [2, 1, 2])
    np.testing.assert_array_equal(y[X_val[:, 0] // 2], y_val)  # rows stay with their labels


@pytest.mark.parametrize("val_fraction", [0, 1, 1.5, -0.1, float("nan")])
def test_train_val_split_bad_fraction(val_fraction):
    with pytest.raises(ValueError, match=r"val_fraction must be a float in the range \(0.0, 1.0\)"):
        train_val_split(np.zeros((10, 2)), np.arange(10), val_fraction)


def test_train_val_split_bad_shapes():
    with pytest.raises(ValueError, match="X must be a 2-D array"):
        train_val_split(np.zeros(10), np.arange(10))
    with pytest.raises(ValueError, match=r"y must have shape \(n_samples,\) = \(10,\)"):
        train_val_split(np.zeros((10, 2)), np.arange(9))
    with pytest.raises(TypeError, match="y must hold integer labels"):
        train_val_split(np.zeros((10, 2)), np.zeros(10))
    with pytest.raises(ValueError, match="both parts"):
        train_val_split(np.zeros((10, 2)), np.arange(10), 0.01)
    with pytest.raises(TypeError, match="val_fraction"):
        train_val_split(np.zeros((10, 2)), np.arange(10), "0.2")


def test_scale():
    X = np.array([[0, 51, 255]], dtype=np.uint8)
    out = scale(X)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0, 0.2, 1]])
    assert scale(X, np.float64).dtype == np.float64
    X_ro = load("sample").X_test
    assert scale(X_ro).flags.writeable and scale(X_ro).base is not X_ro
    for bad in (np.int32, "float16", "nonsense"):
        with pytest.raises(ValueError, match="dtype must be numpy.float32 or numpy.float64"):
            scale(X, bad)
    with pytest.raises(TypeError, match="X must hold pixel values"):
        scale(np.array([["a"]]))


# --- the real Fashion-MNIST, as installed by Debian's dataset-fashion-mnist -------------------


@pytest.mark.skipif(not download.DEBIAN_FASHION_MNIST.exists(),
                    reason="apt-get install dataset-fashion-mnist provides the real files")
def test_debian_fashion_mnist(tmp_path):
    ds = load("fashion-mnist", data_home=tmp_path, download=False)
    assert ds.X_train.shape == (60000, 784) and ds.X_test.shape == (10000, 784)
    np.testing.assert_array_equal(np.bincount(ds.y_train), np.full(10, 6000))
    np.testing.assert_array_equal(np.bincount(ds.y_test), np.full(10, 1000))
    assert ds.class_names == ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                              "Shirt", "Sneaker", "Bag", "Ankle boot")
