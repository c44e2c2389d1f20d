"""``python -m handin train``: the exercise's script, on the shipped sample; and no mistake
ends in a traceback (a table of bad invocations, and an interrupted run)."""

import gzip
import json
import os
import select
import signal
import struct
import subprocess
import sys
import time

import matplotlib.image
import numpy as np
import pytest

from handin import cli


def run_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "handin", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    proc = run_cli("train", "-epochs", "3", "-hidden", "64", "--out", str(out / "res"), "--json",
                   cwd=out)
    return proc, out / "res"


def test_train_prints_accuracies_and_json(trained):
    proc, _ = trained
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("in sample accuracy 0.")
    assert lines[1].startswith("test sample accuracy 0.")
    result = json.loads(lines[-1])
    for key in ("dataset", "hidden", "lr", "c", "batch_size", "epochs", "seed", "train_accuracy",
                "test_accuracy", "history", "seconds"):
        assert key in result
    assert result["dataset"] == "sample" and result["hidden"] == 64 and result["epochs"] == 3
    assert result["n_train"] == 3400 and result["n_val"] == 600 and result["n_test"] == 1000
    assert float(lines[0].split()[-1]) == pytest.approx(result["train_accuracy"], abs=1e-4)
    assert len(result["history"]["val_acc"]) == 3
    assert "batch_cross_entropy" not in result["history"]   # per-epoch curves only
    assert result["test_accuracy"] > 0.8
    assert proc.stderr == ""   # no progress bar when stderr is not a terminal


def test_train_writes_the_two_panel_figure(trained):
    _, res = trained
    png = res / "epoch_plots.png"
    image = matplotlib.image.imread(png)
    assert image.shape[0] > 300 and image.shape[1] > 800


def test_figure_has_the_exercise_titles_and_legends():
    from handin.plots import epoch_plots

    h = {"epoch": [1, 2], "train_cost": [1.0, 0.5], "val_cost": [1.1, 0.6],
         "train_acc": [0.7, 0.8], "val_acc": [0.6, 0.75]}
    fig = epoch_plots(h)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["Loss Per Epoch", "Accuracy Per Epoch"]
    for ax in fig.axes:
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]
        assert [list(line.get_ydata()) for line in ax.get_lines()] in (
            [h["train_cost"], h["val_cost"]], [h["train_acc"], h["val_acc"]])


def test_same_seed_same_result(tmp_path):
    a = cli.main(["train", "-epochs", "1", "-hidden", "16", "--out", str(tmp_path / "a")])
    assert a == 0
    runs = [run_cli("train", "-epochs", "1", "-hidden", "16", "--json", "--out", str(tmp_path / d),
                    cwd=tmp_path) for d in ("b", "c")]
    results = [json.loads(p.stdout.splitlines()[-1]) for p in runs]
    assert results[0]["history"]["val_cost"] == results[1]["history"]["val_cost"]


@pytest.mark.parametrize("args,flag", [
    (["-lr", "-1"], "-lr"),
    (["-lr", "abc"], "-lr"),
    (["-bs", "0"], "-bs"),
    (["-bs", "100000"], "-bs"),
    (["-epochs", "0"], "-epochs"),
    (["-hidden", "0"], "-hidden"),
    (["-c", "-0.5"], "-c"),
    (["--dataset", "cifar"], "--dataset"),
    (["--seed", "-3"], "--seed"),
    (["--bogus"], "--bogus"),
])
def test_bad_arguments_exit_2_with_one_line_naming_the_flag(tmp_path, args, flag):
    proc = run_cli("train", *args, "--out", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert flag in lines[0]
    assert proc.stdout == ""
    assert not (tmp_path / "epoch_plots.png").exists()


def test_divergence_exits_1_with_hint_and_no_plot(tmp_path):
    proc = run_cli("train", "-lr", "1e6", "-epochs", "2", "-hidden", "16", "--out", str(tmp_path),
                   cwd=tmp_path)
    assert proc.returncode == 1
    assert "diverged in epoch 1" in proc.stderr and "lower" in proc.stderr
    assert not (tmp_path / "epoch_plots.png").exists()


# --- no traceback from any mistake ------------------------------------------------------------

IDX_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def idx_folder(folder, n_train=200, n_test=50, seed=0):
    """Four small, valid IDX files (random images, labels 0..9) in ``folder``."""
    rng = np.random.default_rng(seed)
    arrays = [rng.integers(0, 256, (n_train, 28, 28)), np.arange(n_train) % 10,
              rng.integers(0, 256, (n_test, 28, 28)), np.arange(n_test) % 10]
    folder.mkdir(parents=True, exist_ok=True)
    for fname, a in zip(IDX_FILES, arrays):
        a = a.astype(np.uint8)
        raw = bytes([0, 0, 8, a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape) + a.tobytes()
        (folder / fname).write_bytes(gzip.compress(raw, mtime=0))
    return folder


def damage(folder, how):
    path = folder / "t10k-images-idx3-ubyte.gz"
    raw = path.read_bytes()
    if how == "truncated":             # a valid gzip of an IDX file cut short
        path.write_bytes(gzip.compress(gzip.decompress(raw)[:-100], mtime=0))
    elif how == "cut gzip":            # a download cut short
        path.write_bytes(raw[: len(raw) // 2])
    elif how == "corrupt":             # a flipped byte
        raw = bytearray(raw)
        raw[len(raw) // 2] ^= 0xFF
        path.write_bytes(bytes(raw))
    elif how == "missing file":
        path.unlink()
    return folder


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_folder_of_idx_files_trains(tmp_path):
    folder = idx_folder(tmp_path / "my-idx")
    proc = run_cli("train", "--dataset", str(folder), "-epochs", "1", "-hidden", "8", "-bs", "8",
                   "--json", "--out", str(tmp_path / "res"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["dataset"] == "my-idx" and result["n_train"] == 170 and result["n_test"] == 50
    png = tmp_path / "res" / "epoch_plots.png"
    assert png.is_file() and png.stat().st_mode & 0o777 == 0o666 & ~current_umask()
    assert sorted(p.name for p in (tmp_path / "res").iterdir()) == ["epoch_plots.png"]


# (case, arguments with {tmp} and {file}, exit status, words the message must hold)
BAD = [
    ("--out unwritable", ["--out", "/proc/handin-cannot-write"], 1,
     ["--out /proc/handin-cannot-write", "cannot create"]),
    ("--out under a file", ["--out", "{file}/results"], 1, ["{file}/results", "Not a directory"]),
    ("--out is a file", ["--out", "{file}"], 1, ["--out {file} is a file"]),
    ("data folder missing", ["--dataset", "{tmp}/nowhere"], 1, ["{tmp}/nowhere", "does not exist"]),
    ("data folder unreadable", ["--dataset", "{file}/data"], 1, ["{file}/data", "not a folder"]),
    ("data folder is a file", ["--dataset", "{file}"], 1, ["{file}", "not a folder"]),
    ("IDX file missing", ["--dataset", "{idx:missing file}"], 1,
     ["lacks t10k-images-idx3-ubyte.gz"]),
    ("IDX file truncated", ["--dataset", "{idx:truncated}"], 1,
     ["t10k-images-idx3-ubyte.gz", "truncated"]),
    ("IDX download cut short", ["--dataset", "{idx:cut gzip}"], 1,
     ["t10k-images-idx3-ubyte.gz", "not a valid gzip"]),
    ("IDX file corrupt", ["--dataset", "{idx:corrupt}"], 1,
     ["t10k-images-idx3-ubyte.gz", "corrupt"]),
    ("unknown data set", ["--dataset", "cifar"], 2, ["--dataset", "'cifar'"]),
    ("not a number", ["-lr", "fast"], 2, ["-lr", "'fast'"]),
    ("batch larger than the data", ["-bs", "5000"], 2, ["-bs", "3400"]),
    ("unknown flag", ["--epochs", "3"], 2, ["--epochs"]),
    ("fetch: unknown data set", ["fetch", "cifar"], 2, ["'cifar'", "mnist"]),
    ("fetch: --dir a file", ["fetch", "mnist", "--dir", "{file}"], 1, ["cannot create"]),
]


@pytest.mark.parametrize("case, args, status, words", BAD, ids=[b[0] for b in BAD])
def test_bad_invocations_exit_with_a_message_and_no_traceback(tmp_path, case, args, status,
                                                              words):
    file = tmp_path / "a-file"
    file.write_text("not a folder")

    def fill(text):
        if text.startswith("{idx:"):
            return str(damage(idx_folder(tmp_path / "idx"), text[5:-1]))
        return text.format(tmp=tmp_path, file=file)

    args = [fill(a) for a in args]
    command = args if args[0] == "fetch" else ["train", "-epochs", "1", "-hidden", "8", *args]
    if "--out" not in args and command[0] == "train":
        command += ["--out", str(tmp_path / "res")]
    env = {**os.environ, "HANDIN_DATA": str(tmp_path / "no-downloads-here")}
    proc = subprocess.run([sys.executable, "-m", "handin", *command], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == status, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert fill(word) in proc.stderr
    if status == 2:
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stdout == ""
    assert not list(tmp_path.rglob("*.png")) and not (tmp_path / "res").exists()


def test_fetch_offline_says_what_failed(tmp_path):
    """No network: every mirror fails, one message lists them, exit status 1."""
    env = {**os.environ, "HANDIN_DATA": str(tmp_path), "HTTPS_PROXY": "http://127.0.0.1:9",
           "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    proc = subprocess.run([sys.executable, "-m", "handin", "fetch", "mnist"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "could not be downloaded" in proc.stderr and "Download attempts" in proc.stderr
    assert list((tmp_path / "mnist").iterdir()) == []


def read_until(fd, proc, needle, timeout=240):
    """Read a pseudo-terminal until ``needle`` shows (or the process ends); returns all read."""
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:         # EIO: the process closed the terminal
                break
        elif proc.poll() is not None:
            break
    return seen


def test_ctrl_c_exits_130_and_leaves_the_last_figure_whole(tmp_path):
    """SIGINT once training has started (its progress bar is seen on a terminal): exit 130,
    "interrupted", no traceback, and the epoch_plots.png of an earlier run untouched."""
    pty = pytest.importorskip("pty")
    out = tmp_path / "res"
    out.mkdir()
    earlier = b"an earlier run's figure"
    (out / "epoch_plots.png").write_bytes(earlier)
    master, slave = pty.openpty()
    import fcntl
    import termios
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns:
    # a terminal of 0 columns (a new pty's) would get an empty progress bar
    # A shell without job control starts background commands with SIGINT ignored, and the
    # child would inherit that (Python then never raises KeyboardInterrupt): give it back
    # the default, as an interactive terminal does.
    proc = subprocess.Popen([sys.executable, "-m", "handin", "train", "-epochs", "500",
                             "--out", str(out)], cwd=tmp_path, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=slave,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.close(slave)
    try:
        seen = read_until(master, proc, b"training")
        assert b"training" in seen, seen.decode(errors="replace")
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)
        seen += read_until(master, proc, b"interrupted")
        assert proc.wait(timeout=120) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    text = seen.decode(errors="replace")
    assert "handin train: interrupted" in text and "Traceback" not in text
    assert proc.stdout.read() == b""
    assert (out / "epoch_plots.png").read_bytes() == earlier
    assert sorted(p.name for p in out.iterdir()) == ["epoch_plots.png"]


def test_ctrl_c_while_the_figure_is_written(tmp_path, monkeypatch):
    """Interrupted in the middle of writing the figure: the old figure stays, no temp file."""
    import handin.plots

    def half_written(history, path, title=None):
        pathlib_path = __import__("pathlib").Path(path)
        pathlib_path.write_bytes(b"\x89PNG half")
        raise KeyboardInterrupt

    monkeypatch.setattr(handin.plots, "epoch_plots", half_written)
    (tmp_path / "epoch_plots.png").write_bytes(b"old")
    status = cli.main(["train", "-epochs", "1", "-hidden", "8", "--out", str(tmp_path)])
    assert status == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch_plots.png"]
    assert (tmp_path / "epoch_plots.png").read_bytes() == b"old"
