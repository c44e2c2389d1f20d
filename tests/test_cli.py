"""``python -m handin train``: the exercise's script, on the shipped sample."""

import json
import subprocess
import sys

import matplotlib.image
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
    assert result["test_accuracy"] > 0.8
    assert proc.stderr == ""   # no progress bar when stderr is not a terminal


def test_train_writes_the_two_panel_figure(trained):
    _, res = trained
    png = res / "epoch_plots.png"
    image = matplotlib.image.imread(png)
    assert image.shape[0] > 300 and image.shape[1] > 800


def test_figure_has_the_exercise_titles_and_legends():
    from handin.plotting import epoch_plots

    h = {"epoch": [1, 2], "train_loss": [1.0, 0.5], "val_loss": [1.1, 0.6],
         "train_acc": [0.7, 0.8], "val_acc": [0.6, 0.75]}
    fig = epoch_plots(h)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["Loss Per Epoch", "Accuracy Per Epoch"]
    for ax in fig.axes:
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]
        assert [list(line.get_ydata()) for line in ax.get_lines()] in (
            [h["train_loss"], h["val_loss"]], [h["train_acc"], h["val_acc"]])


def test_same_seed_same_result(tmp_path):
    a = cli.main(["train", "-epochs", "1", "-hidden", "16", "--out", str(tmp_path / "a")])
    assert a == 0
    runs = [run_cli("train", "-epochs", "1", "-hidden", "16", "--json", "--out", str(tmp_path / d),
                    cwd=tmp_path) for d in ("b", "c")]
    results = [json.loads(p.stdout.splitlines()[-1]) for p in runs]
    assert results[0]["history"]["val_loss"] == results[1]["history"]["val_loss"]


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
