"""The live explorer, headless: the asyncio paths run under asyncio.run (no pytest-asyncio)."""

import ast
import asyncio
import math
import statistics
import time
from dataclasses import replace

import numpy as np
import pytest

from handin import experiment, train
from handin.explorer import DEFAULTS, Explorer
from handin.plotting import LIVE_CURVES

SMALL = dict(hidden=16, epochs=3, batch_size=64)


@pytest.fixture(scope="module")
def split():
    return experiment.prepare("sample", seed=0, n_train=600)


def explorer(split, **kw):
    return Explorer(split, **{"debounce": 0.02, **SMALL, **kw})


def finite(data):
    """All plotted y values of lines_data(), flattened."""
    groups = ([data["current"]] if data["current"] else []) + data["faded"]
    return np.array([v for g in groups for k in LIVE_CURVES for v in g[k][1]])


def test_defaults_and_controls(split):
    ex = Explorer(split)
    v = ex.values()
    assert (v["lr"], v["hidden"], v["c"], v["batch_size"], v["epochs"]) == (0.1, 256, 1e-4, 32, 10)
    assert v["n_train"] == len(split.X_train) == 600
    assert all(w.continuous_update is False for w in ex.controls.values())
    assert [label for label, _ in ex.controls["c"].options][:3] == ["0", "1e-6", "1e-5"]
    assert "application/vnd.jupyter.widget-view+json" in ex._repr_mimebundle_()
    assert ex.png()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="hidden must be one of"):
        ex.set(hidden=100)
    with pytest.raises(ValueError, match="lr must be in"):
        ex.set(lr=100.0)
    with pytest.raises(TypeError, match="unknown control"):
        ex.set(momentum=0.9)
    assert set(DEFAULTS) == set(ex.controls)


def test_changing_a_slider_retrains_and_changes_the_plotted_data(split):
    ex = explorer(split)

    async def main():
        ex.set(lr=0.05)
        h1 = await ex.wait()
        d1 = ex.lines_data()["current"]
        ex.set(lr=0.5)
        h2 = await ex.wait()
        return h1, d1, h2, ex.lines_data()

    h1, d1, h2, d2 = asyncio.run(main())
    assert isinstance(h1, train.History) and isinstance(h2, train.History)
    assert d1["val_acc"] == ([1.0, 2.0, 3.0], h1.val_acc)
    assert d2["current"]["val_acc"] == ([1.0, 2.0, 3.0], h2.val_acc)
    assert d2["current"]["train_loss"] != d1["train_loss"]
    # the first run stays as a faded curve, labelled with its hyperparameters
    [faded] = d2["faded"]
    assert faded["label"] == "lr=0.05 h=16 c=1e-4 b=64"
    assert faded["val_acc"] == d1["val_acc"]
    assert (ex.n_started, ex.n_completed, ex.n_stopped) == (2, 2, 0)
    assert [r.values["lr"] for r in ex.runs] == [0.05, 0.5]
    # the lines are made once per run: 4 of the run shown + 4 faded, 2 on each panel each
    assert len(ex.figure.ax_loss.lines) == len(ex.figure.ax_acc.lines) == 4
    assert "done" in ex.status_text and "test acc" in ex.status_text
    assert "epoch 3/3" in ex.status_text and "val acc" in ex.status_text


def test_twenty_rapid_changes_leave_one_run_with_the_last_value(split):
    ex = explorer(split, debounce=0.05)
    lrs = np.geomspace(0.01, 0.5, 20).round(4)

    async def main():
        for lr in lrs:                      # 5 ms apart: within the debounce
            ex.set(lr=float(lr))
            await asyncio.sleep(0.005)
        await ex.wait()

    asyncio.run(main())
    assert (ex.n_started, ex.n_completed) == (1, 1)
    assert ex.runs[-1].values["lr"] == lrs[-1] == ex.controls["lr"].value


def test_changes_during_a_run_stop_it_and_the_latest_value_wins(split):
    ex = explorer(split, epochs=30, hidden=64)

    async def main():
        ex.set(lr=0.2)
        while ex.n_started == 0 or len(ex.history) < 1:
            await asyncio.sleep(0.01)
        for hidden in (4, 8, 16, 32, 128, 256, 512, 32):
            ex.set(hidden=hidden)
        ex.set(epochs=2)
        return await ex.wait()

    h = asyncio.run(main())
    assert (ex.n_started, ex.n_stopped, ex.n_completed) == (2, 1, 1)
    assert ex.runs[-1].values["hidden"] == 32 and len(h) == 2
    assert ex.lines_data()["faded"] == []        # a stopped run is not kept


def test_cancelling_takes_effect_within_one_chunk(split):
    ex = explorer(split, epochs=30, hidden=128, batch_size=16, chunk_seconds=0.02)
    lateness = []

    async def probe():
        """How late a 10 ms sleep wakes up while the run goes: the loop's responsiveness."""
        loop = asyncio.get_running_loop()
        # Until the run has done at least 10 chunks: the median below is then about chunks
        # of training, not the run's first chunk (which also draws the figure once).
        while ex.n_started == 0 or ex._run is None or len(ex._run.chunks) < 10:
            t = loop.time()
            await asyncio.sleep(0.01)
            if ex.n_started:
                lateness.append(loop.time() - t - 0.01)

    async def main():
        ex.set(lr=0.15)              # a new value (0.1 is the default)
        await probe()
        run = ex._run
        steps = run.steps
        t0 = time.perf_counter()
        task = ex.cancel()
        await asyncio.wait([task])
        return run, steps, run.stopped_at - t0

    run, steps, dt = asyncio.run(main())
    assert run.record.outcome == "stopped" and ex.n_stopped == 1
    assert run.steps == steps == run.steps_at_cancel   # not one batch after the cancel
    # From cancel() to the task stopping the run: within two chunks (of chunk_seconds, or
    # as measured in this run: a loaded machine makes every chunk longer).
    assert dt <= 2 * max(ex.chunk_seconds, statistics.median(run.chunks))
    # The loop got control back after every chunk: no probe waited longer than the
    # longest chunk (plus scheduling slack), and chunks are cut by time, not batches.
    assert max(lateness) <= max(run.chunks) + 0.03
    assert statistics.median(run.chunks) < 0.1 and run.steps / len(run.chunks) > 1
    assert "stopped" in ex.status_text


def test_divergence_is_shown_and_the_plot_stays_finite(split):
    ex = explorer(split, batch_size=256, n_train=500)
    ex.run(lr=0.1)
    result = ex.run(lr=4.0)           # diverges in epoch 2: one finite epoch
    assert isinstance(result, train.TrainingDiverged) and result.epoch == 2
    assert ex.alert_text == str(result)
    assert "diverged in epoch 2" in ex.alert_text and "try a lower one" in ex.alert_text
    assert "diverged in epoch 2" in ex.status_text and "diverged" in ex.alert.value
    data = ex.lines_data()
    assert len(data["current"]["train_loss"][0]) == 1 and np.isfinite(finite(data)).all()
    for ax in (ex.figure.ax_loss, ex.figure.ax_acc):
        assert np.isfinite(ax.get_ylim()).all() and np.isfinite(ax.get_xlim()).all()
    lo, hi = ex.figure.ax_acc.get_ylim()
    assert -0.02 <= lo < hi <= 1.02
    # the loss axis is capped so the finished run's curve (costs < 3) stays readable
    assert ex.figure.ax_loss.get_ylim()[1] < 100
    assert ex.png()[:4] == b"\x89PNG" and ex.runs[-1].outcome == "diverged"

    async def again():              # the asyncio path reports it the same way
        ex.set(lr=8.0)
        return await ex.wait()

    assert isinstance(asyncio.run(again()), train.TrainingDiverged)
    assert "diverged" in ex.alert_text


def test_errors_in_runs_and_callbacks_are_shown_in_the_widget(split):
    X = split.X_train.copy()
    X[3, 5] = np.nan
    ex = explorer(replace(split, X_train=X))
    with pytest.raises(ValueError, match="finite"):
        ex.run()
    assert ex.alert_text.startswith("ValueError:") and "traceback" in ex.alert.value
    assert "failed" in ex.status_text

    async def main():
        ex.set(lr=0.2)
        with pytest.raises(ValueError, match="finite"):
            await ex.wait()

    asyncio.run(main())
    assert len(ex.errors) == 2 and "ValueError" in ex.alert.value

    def broken():
        raise RuntimeError("boom")

    ex.figure.clear_faded = broken
    ex.clear_button.click()           # no exception escapes the callback
    assert ex.alert_text == "RuntimeError: boom" and "Traceback" in ex.alert.value


def test_clear_runs_removes_the_faded_curves(split):
    ex = explorer(split, epochs=2)
    for lr in (0.05, 0.2):
        ex.run(lr=lr)
    assert [f["label"] for f in ex.lines_data()["faded"]] == ["lr=0.05 h=16 c=1e-4 b=64"]
    ex.clear_button.click()
    assert ex.lines_data()["faded"] == [] and ex.lines_data()["current"] is not None
    assert [r.values["lr"] for r in ex.runs] == [0.2]
    assert len(ex.figure.ax_acc.lines) == 2 and ex.figure.ax_acc.get_legend() is None
    ex.run(lr=0.3)       # the run shown when clearing is the one faded now
    assert [f["label"][:6] for f in ex.lines_data()["faded"]] == ["lr=0.2"]
    assert [r.values["lr"] for r in ex.runs] == [0.2, 0.3]


def test_run_returns_the_same_history_as_fit(split):
    ex = explorer(split)
    args = dict(lr=0.2, hidden=32, c=1e-3, batch_size=32, epochs=2)
    h = ex.run(n_train=500, **args)
    data = split.X_train[:500], split.y_train[:500], split.X_val, split.y_val
    # The explorer drives train_iter(yield_every=1), as fit(callback_every=1) does: equal.
    _, ref = train.fit(*data, seed=0, callback_every=1, **args)
    got, want = h.as_dict(), ref.as_dict()
    del got["seconds"], want["seconds"]      # wall times
    assert got == want
    # Plain fit() agrees to float32 rounding only: in float32 the training loop's
    # results move by ~1e-7 with the yield schedule (seen with numpy 2 / OpenBLAS here).
    _, plain = train.fit(*data, seed=0, **args)
    for key in ("train_loss", "val_loss", "train_acc", "val_acc"):
        np.testing.assert_allclose(got[key], getattr(plain, key), rtol=1e-5, atol=1e-6)
    assert ex.history is h and ex.runs[-1].test_acc > 0.5


def test_redraws_are_throttled_and_the_end_is_always_drawn(split):
    ex = explorer(split, epochs=30, batch_size=256, n_train=500, max_fps=8)
    before = len(ex.redraw_seconds)
    t0 = time.perf_counter()
    ex.run(lr=0.2)
    elapsed = time.perf_counter() - t0
    redraws = len(ex.redraw_seconds) - before
    # throttled redraws at least 1/8 s apart, plus the one at the end
    assert 2 <= redraws <= math.floor(elapsed * 8) + 2
    assert ex.lines_data()["current"]["val_acc"][0] == [float(e) for e in range(1, 31)]
    assert ex.image.value == ex.png()


def test_a_change_without_event_loop_waits_for_wait(split):
    ex = explorer(split)
    ex.set(lr=0.3)
    assert "no event loop" in ex.status_text and ex.n_started == 0
    h = asyncio.run(ex.wait())
    assert len(h) == 3 and ex.runs[-1].values["lr"] == 0.3


def test_stop_before_and_during_a_run(split):
    ex = explorer(split, debounce=0.05, epochs=30, hidden=64)

    async def main():
        ex.set(lr=0.2)
        ex.stop_button.click()                 # still in the debounce: nothing starts
        await asyncio.sleep(0.1)
        assert ex.n_started == 0 and ex.status_text == "Stopped before the run started."
        ex.set(lr=0.3)
        while ex.n_started == 0 or len(ex.history) < 1:
            await asyncio.sleep(0.01)
        ex.stop_button.click()
        await asyncio.sleep(0.05)

    asyncio.run(main())
    assert (ex.n_started, ex.n_stopped, ex.n_completed) == (1, 1, 0)
    assert "stopped: epoch" in ex.status_text and ex.task is None


def test_a_kernel_answers_while_the_explorer_trains():
    """In a real ipykernel, a cell sent during a run executes while the run goes on."""
    jupyter_client = pytest.importorskip("jupyter_client.manager")
    km, kc = jupyter_client.start_new_kernel(kernel_name="python3")

    def execute(code, **expressions):
        msg_id = kc.execute(code, user_expressions=expressions)
        while True:
            reply = kc.get_shell_msg(timeout=60)
            if reply["parent_header"].get("msg_id") == msg_id:
                assert reply["content"]["status"] == "ok", reply["content"]
                return {k: v["data"]["text/plain"]
                        for k, v in reply["content"]["user_expressions"].items()}

    try:
        # a run of 30 epochs x 425 batches of 8 with 1,024 hidden units: long enough
        execute("from handin.explorer import Explorer\n"
                "ex = Explorer(hidden=1024, epochs=30, batch_size=8, debounce=0.01)\n"
                "ex.set(lr=0.02)")
        deadline = time.monotonic() + 60
        while execute("", n="ex.n_started")["n"] == "0" and time.monotonic() < deadline:
            time.sleep(0.1)
        states = []
        for _ in range(4):
            time.sleep(0.3)
            states.append(ast.literal_eval(
                execute("", s="(ex.n_started, ex._run.record.outcome, ex._run.steps)")["s"]))
        assert [s[:2] for s in states] == [(1, "running")] * 4
        steps = [s[2] for s in states]
        assert steps == sorted(steps) and steps[0] < steps[-1]    # it trained in between
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
