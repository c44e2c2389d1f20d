"""The live explorer, headless: its run controller, its scheduler and the explorer itself.

Behaviour is checked with counters and states, never with wall-clock bounds (latency is
measured in benchmarks/). The asyncio paths run under asyncio.run (no pytest-asyncio).
"""

import ast
import asyncio
import time
from dataclasses import replace

import numpy as np
import pytest
import threadpoolctl

from handin import experiment, threads, train
from handin.explorer import DEFAULTS, Explorer, Outcome
from handin.explorer.chart import CURVES
from handin.explorer.runs import RunController
from handin.explorer.schedule import Scheduler

SMALL = dict(hidden=16, epochs=3, batch_size=64)


@pytest.fixture(scope="module")
def split():
    return experiment.prepare("sample", seed=0, n_train=600)


def explorer(split, **kw):
    return Explorer(split, **{"debounce": 0.02, **SMALL, **kw})


def finite(data):
    """All plotted y values of lines_data(), flattened."""
    groups = ([data["current"]] if data["current"] else []) + data["faded"]
    return np.array([v for g in groups for k in CURVES for v in g[k][1]])


async def until(condition, turns=100_000):
    """Let the loop run until condition() holds (bounded by turns, not by time)."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition never held")


# ------------------------------------------------------------ the run controller
class Events:
    def __init__(self):
        self.seen = []

    def on_start(self, r):
        self.seen.append(("start", r.label))

    def on_epoch(self, r):
        self.seen.append(("epoch", len(r.history)))

    def on_end(self, r):
        self.seen.append(("end", str(r.outcome)))


def test_the_run_controller_trains_without_widgets_or_asyncio(split):
    events = Events()
    rc = RunController(split, events, chunk_seconds=0.005)
    r = rc.start({**SMALL, "lr": 0.2})
    chunks = 0
    while not rc.advance():
        chunks += 1
    assert r.outcome is Outcome.DONE and r.outcome == "done" and rc.current is None
    assert events.seen == [("start", r.label), ("epoch", 1), ("epoch", 2), ("epoch", 3),
                           ("end", "done")]
    assert len(r.history) == 3 and 0 < r.test_acc <= 1 and len(r.chunks) == chunks + 1
    # a second run stopped mid-way: no batch after stop(), and start() stops a live run
    r2 = rc.start({**SMALL, "epochs": 30})
    rc.advance()
    steps = r2.steps
    assert rc.stop() is r2 and r2.outcome is Outcome.STOPPED and r2.steps == steps
    assert rc.advance() is True and r2.steps == steps        # nothing left to train
    r3 = rc.start(SMALL)
    rc.advance()
    r4 = rc.start({**SMALL, "lr": 0.3})
    assert r3.outcome is Outcome.STOPPED and rc.current is r4
    assert (rc.n_started, rc.n_completed, rc.n_stopped) == (4, 1, 2)
    with pytest.raises(ValueError, match="batch_size must be one of"):
        rc.start({"batch_size": 7})


def test_the_run_controller_limits_blas_to_one_thread_while_training(split, monkeypatch):
    seen = []
    evaluate = train.evaluate

    def probe(*args, **kwargs):             # called by train_iter inside a chunk
        seen.append(max(i["num_threads"] for i in threadpoolctl.threadpool_info()
                        if i["user_api"] == "blas"))
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(train, "evaluate", probe)
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        rc = RunController(split, Events(), blas_threads=1)
        rc.start(SMALL)
        rc.run_to_end()
        outside = max(i["num_threads"] for i in threadpoolctl.threadpool_info()
                      if i["user_api"] == "blas")
    assert seen == [1] * 6 and outside == 2        # 3 epochs x (train, validation)


def test_auto_threads_are_tuned_on_the_runs_own_training_chunks(split, monkeypatch,
                                                               counting_tuner):
    """With blas_threads="auto" each chunk runs on the Tuner's pick, and only the chunks
    that trained steps and nothing else (not the first, which sets up; not one ending an
    epoch, which evaluates) are recorded."""
    picked, recorded = counting_tuner.picked, counting_tuner.recorded
    rc = RunController(split, Events(), chunk_seconds=0.0)   # a chunk is one step
    r = rc.start(SMALL)
    rc.run_to_end()
    assert r.outcome is Outcome.DONE and r.threads == picked and len(picked) == len(r.chunks)
    assert set(picked) == {1, 2}
    assert len(recorded) == r.steps - r.history.epoch[-1] - 1     # all but first, ends, last
    assert all(steps == 1 for _, steps in recorded)
    assert all(c is not None and c >= 0 for c in counting_tuner.cpu), "the chunk's CPU time"
    monkeypatch.setenv(threads.ENV, "1")
    r2 = rc.start(SMALL)
    rc.run_to_end()
    assert set(r2.threads) == {1} and len(picked) == len(r.chunks), "a pin is not tuned"


# ------------------------------------------------------------------ the scheduler
def test_the_scheduler_starts_a_single_request_at_once_and_a_burst_once():
    now = [0.0]
    sched = Scheduler(debounce=0.05, clock=lambda: now[0])
    started, finished = [], []

    def job(name):
        async def run():
            started.append(name)
            await asyncio.sleep(0)
            finished.append(name)
        return run

    async def main():
        sched.request(job("single"))
        await asyncio.sleep(0)                 # one turn: it began, no debounce
        assert started == ["single"] and not sched.in_burst()
        await sched.wait()
        now[0] = 1.0
        for k in range(100):                   # a burst: 100 requests 1 ms apart
            now[0] += 0.001
            sched.request(job(k))
            await asyncio.sleep(0)
        assert sched.in_burst()
        await sched.wait()

    asyncio.run(main())
    # the burst's first request started at once and was cancelled by the second; the
    # other 98 never started; the last one ran
    assert started == ["single", 0, 99] and finished == ["single", 99]
    assert sched.n_requests == 101 and sched.n_jobs_started == 3 and not sched.busy


# ---------------------------------------------------------------- the explorer
def test_defaults_and_controls(split):
    ex = Explorer(split)
    v = ex.values()
    assert (v["lr"], v["hidden"], v["c"], v["batch_size"], v["epochs"]) == (0.1, 256, 1e-4, 32, 10)
    assert v["n_train"] == len(split.X_train) == 600
    assert all(w.continuous_update is False for w in ex.controls.values())
    assert [label for label, _ in ex.controls["c"].options][:3] == ["0", "1e-6", "1e-5"]
    assert "application/vnd.jupyter.widget-view+json" in ex._repr_mimebundle_()
    assert ex.chart in ex.widget.children and "handin-chart" in ex.chart._esm
    assert ex.png()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="hidden must be one of"):
        ex.set(hidden=100)
    with pytest.raises(ValueError, match="lr must be in"):
        ex.set(lr=100.0)
    with pytest.raises(TypeError, match="unknown control"):
        ex.set(momentum=0.9)
    with pytest.raises(TypeError, match="unknown control"):
        Explorer(split, momentum=0.9)
    assert set(DEFAULTS) == set(ex.controls)


def test_changing_a_slider_retrains_and_changes_the_plotted_data(split):
    ex = explorer(split)

    async def main():
        ex.set(lr=0.05)
        h1 = await ex.wait()
        d1 = ex.lines_data()["current"]
        ex.controls["lr"].value = 0.5            # as the front end does
        h2 = await ex.wait()
        return h1, d1, h2, ex.lines_data()

    h1, d1, h2, d2 = asyncio.run(main())
    assert isinstance(h1, train.History) and isinstance(h2, train.History)
    assert d1["val_acc"] == ([1.0, 2.0, 3.0], h1.val_acc)
    assert d2["current"]["val_acc"] == ([1.0, 2.0, 3.0], h2.val_acc)
    assert d2["current"]["train_cost"] != d1["train_cost"]
    [faded] = d2["faded"]                        # the first run stays, faded and labelled
    assert faded["label"] == "lr=0.05 h=16 c=1e-4 b=64 ep=3" and faded["val_acc"] == d1["val_acc"]
    assert (ex.n_started, ex.n_completed, ex.n_stopped) == (2, 2, 0)
    assert [r.values["lr"] for r in ex.runs] == [0.05, 0.5]
    assert ex.chart.current["outcome"] == "done" and len(ex.chart.faded) == 1
    s = ex.status_text
    assert "done" in s and "epoch 3/3" in s and f"val acc {h2.val_acc[-1]:.2f}" in s
    assert f"test acc {ex.runs[-1].test_acc:.2f}" in s and "lr=0.5" in s


@pytest.mark.parametrize("gap", [None, 0.001])
def test_a_burst_of_100_changes_starts_one_run_with_the_last_value(split, gap):
    ex = explorer(split, debounce=0.05)
    lrs = np.geomspace(0.01, 0.5, 100).round(4)
    now = [0.0]
    ex.scheduler.clock = lambda: now[0]          # the changes come 1 ms apart, whatever the load

    async def main():
        for lr in lrs:
            now[0] += 0.001
            ex.set(lr=float(lr))
            if gap:                              # the loop runs between the changes
                await asyncio.sleep(gap)
        return await ex.wait()

    h = asyncio.run(main())
    assert (ex.n_started, ex.n_completed, ex.n_stopped) == (1, 1, 0)
    assert ex.runs[-1].values["lr"] == lrs[-1] == ex.controls["lr"].value and len(h) == 3
    # with gaps the burst's first change began a run that the second one superseded
    assert ex.controller.n_superseded == (1 if gap else 0)
    assert ex.scheduler.n_jobs_started == (2 if gap else 1)
    assert ex.lines_data()["faded"] == []        # nothing of the superseded run is kept


def test_a_single_change_starts_its_run_without_waiting_for_the_debounce(split):
    ex = explorer(split, debounce=3600.0)        # an hour: any wait for it would show

    async def main():
        ex.set(lr=0.2)
        for _ in range(3):
            await asyncio.sleep(0)
        started = ex.n_started
        await ex.wait()
        return started

    assert asyncio.run(main()) == 1 and ex.n_completed == 1


def test_changes_during_a_run_stop_it_and_the_latest_value_wins(split):
    ex = explorer(split, epochs=30, hidden=64)

    async def main():
        ex.set(lr=0.2)
        await until(lambda: ex.history is not None and len(ex.history) >= 1
                    and not ex.scheduler.recent())
        for hidden in (4, 8, 16, 32, 128, 256, 512, 32):
            ex.set(hidden=hidden)
        ex.set(epochs=2)
        return await ex.wait()

    h = asyncio.run(main())
    assert (ex.n_started, ex.n_stopped, ex.n_completed) == (2, 1, 1)
    assert ex.runs[-1].values["hidden"] == 32 and len(h) == 2
    # the stopped run stays on the chart, in its colour, marked stopped with its epochs
    [stopped] = ex.chart.faded
    assert stopped["outcome"] == "stopped" and stopped["label"].startswith("lr=0.2 h=64")
    assert stopped["note"] == f"stopped after {len(stopped['points']['val_acc'])} epoch" + \
        ("s" if len(stopped["points"]["val_acc"]) != 1 else "")
    assert stopped["color"] != ex.chart.current["color"]


def test_a_run_keeps_its_colour_when_it_is_no_longer_the_current_one(split):
    ex = explorer(split, epochs=1)
    colours = []
    for lr in (0.05, 0.1, 0.2):
        ex.run(lr=lr)
        colours.append(ex.chart.current["color"])
    assert len(set(colours)) == 3, "every run its own colour"
    assert [r["color"] for r in ex.chart.faded] == colours[:2], "kept when faded"
    ex.clear_button.click()
    ex.run(lr=0.3)
    assert ex.chart.current["color"] not in [r["color"] for r in ex.chart.faded]


def test_cancel_stops_the_run_at_once_and_the_loop_runs_between_chunks(split):
    ex = explorer(split, epochs=30, hidden=128, batch_size=16, chunk_seconds=0.005)
    turns = []

    async def probe():
        while True:
            turns.append(len(ex.current_run.chunks) if ex.current_run else 0)
            await asyncio.sleep(0)

    async def main():
        p = asyncio.ensure_future(probe())
        ex.set(lr=0.15)
        await until(lambda: ex.current_run is not None and len(ex.current_run.chunks) >= 10)
        run, steps = ex.current_run, ex.current_run.steps
        task = ex.cancel()
        state = run.outcome, ex.status_text      # before any await: already stopped
        await asyncio.wait([task])
        p.cancel()
        return run, steps, state

    run, steps, state = asyncio.run(main())
    assert state[0] is Outcome.STOPPED and "stopped" in state[1] and ex.n_stopped == 1
    assert run.steps == steps                    # not one batch after the cancel
    assert ex.controller._iterator is None       # the generator is closed
    # the probe ran between every two chunks: it saw each chunk count from 1 to 10
    assert set(range(1, 11)) <= set(turns)
    assert run.steps > len(run.chunks)           # chunks are cut by time, not one batch each


def test_divergence_is_shown_and_the_plot_stays_finite(split):
    ex = explorer(split, batch_size=256, n_train=500)
    ex.run(lr=0.1)
    result = ex.run(lr=4.0)           # diverges in epoch 2: one finite epoch
    assert isinstance(result, train.TrainingDiverged) and result.epoch == 2
    assert ex.alert_text == str(result)
    assert "diverged in epoch 2" in ex.alert_text and "try a lower one" in ex.alert_text
    assert "diverged in epoch 2" in ex.status_text and "diverged" in ex.view.alert.value
    assert ex.chart.current["outcome"] == "diverged"
    assert ex.chart.current["note"] == "diverged in epoch 2"
    data = ex.lines_data()
    assert len(data["current"]["train_cost"][0]) == 1 and np.isfinite(finite(data)).all()
    lim = ex.chart.limits
    assert np.isfinite(lim["x"] + lim["cost"] + lim["acc"]).all()
    assert -0.02 <= lim["acc"][0] < lim["acc"][1] <= 1.02
    assert lim["cost"][1] < 100            # capped: the finished run's costs stay readable
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
    assert ex.alert_text.startswith("ParameterError:") and "traceback" in ex.view.alert.value
    assert "failed" in ex.status_text and ex.current_run.outcome is Outcome.ERROR
    assert ex.runs == []

    async def main():
        ex.set(lr=0.2)
        with pytest.raises(ValueError, match="finite"):
            await ex.wait()

    asyncio.run(main())
    assert len(ex.errors) == 2 and "ParameterError" in ex.view.alert.value

    def broken():
        raise RuntimeError("boom")

    ex.chart.clear_faded = broken
    ex.clear_button.click()           # no exception escapes the callback
    assert ex.alert_text == "RuntimeError: boom" and "Traceback" in ex.view.alert.value


def test_a_failed_draw_is_shown_and_leaves_the_run_done(split):
    ex = explorer(split)
    calls = []

    def broken(*args, **kwargs):
        calls.append(kwargs.get("outcome"))
        raise RuntimeError("draw failed")

    ex.chart.update = broken
    h = ex.run(lr=0.2)
    assert isinstance(h, train.History) and len(h) == 3
    assert ex.current_run.outcome is Outcome.DONE and ex.runs == [ex.current_run]
    assert calls[-1] == "done" and len(ex.errors) == len(calls)
    assert ex.alert_text == "RuntimeError: draw failed"


def test_clear_runs_removes_the_faded_curves(split):
    ex = explorer(split, epochs=2)
    for lr in (0.05, 0.2):
        ex.run(lr=lr)
    assert [f["label"] for f in ex.lines_data()["faded"]] == ["lr=0.05 h=16 c=1e-4 b=64 ep=2"]
    ex.clear_button.click()
    assert ex.lines_data()["faded"] == [] and ex.lines_data()["current"] is not None
    assert [r.values["lr"] for r in ex.runs] == [0.2]
    ex.run(lr=0.3)       # the run shown when clearing is the one faded now
    assert [f["label"][:6] for f in ex.lines_data()["faded"]] == ["lr=0.2"]
    assert [r.values["lr"] for r in ex.runs] == [0.2, 0.3]


def test_one_formatting_of_every_value_slider_status_legend_alert(split):
    """The slider reads 7.94 (d3 '.3~g'); so do the status, the legend and the alert."""
    ex = explorer(split, batch_size=256, n_train=500)
    lr = 10 ** 0.9                                 # a value of the log slider: 7.943282...
    assert ex.controls["lr"].readout_format == ".3~g"
    result = ex.run(lr=lr)
    assert isinstance(result, train.TrainingDiverged)
    assert ex.status_text.startswith("lr=7.94 ") and ex.chart.current["label"].startswith("lr=7.94 ")
    assert "lr=7.94 " in ex.alert_text and "e.g. lr=0.794." in ex.alert_text
    assert "7.943" not in ex.status_text + ex.alert_text + ex.chart.current["label"]
    ex.run(lr=0.002)
    assert ex.status_text.startswith("lr=0.002 ") and "0.00200" not in ex.status_text


def test_a_diverged_runs_status_says_where_it_stopped(split):
    ex = explorer(split, batch_size=256, n_train=500)
    result = ex.run(lr=10.0)
    assert isinstance(result, train.TrainingDiverged)
    where = f"diverged in epoch {result.epoch}, batch {result.batch}"
    assert where in ex.status_text and "epoch 0/" not in ex.status_text


def test_labels_of_runs_that_differ_differ_and_an_unchanged_train_reruns_in_place(split):
    ex = explorer(split, epochs=2)
    ex.run()
    ex.run(epochs=3)                   # differs from the first only by its epochs
    labels = [ex.chart.current["label"]] + [f["label"] for f in ex.chart.faded]
    assert len(set(labels)) == 2 and "ep=3" in ex.chart.current["label"], labels
    ex.run()                           # the same values as the first run: in its place
    ex.train_button.click()            # Train with unchanged values (no loop: run it)
    asyncio.run(ex.wait())
    labels = [ex.chart.current["label"]] + [f["label"] for f in ex.chart.faded]
    assert sorted(labels) == sorted(set(labels)) and len(labels) == 2, labels
    assert len(ex.runs) == 2 and len({r.label for r in ex.runs}) == 2


def test_a_second_explorer_for_lessons_leaves_the_first_as_it_was(split):
    """Chapter 5: the explorer at the top keeps the exercise's values and an empty chart
    while the lessons run on an explorer of their own."""
    ex = explorer(split)
    before = ex.values()
    lessons = explorer(split, replace=False)
    lessons.run(lr=0.5, c=1e-1)
    assert not ex.closed and ex.values() == before and ex.runs == []
    assert ex.lines_data() == {"current": None, "faded": []}
    assert ex.status_text == "Move a slider or press Train to start a run."
    assert lessons.lines_data()["current"] is not None and lessons.values()["c"] == 1e-1
    explorer(split)                    # `ex = Explorer()` run again closes both
    assert ex.closed and lessons.closed


def test_chapter_5_drives_only_its_lessons_explorer_from_code():
    """After Run All, the explorer at the top of chapter 5 is as the student found it: no
    cell but its display touches ``ex``."""
    import pathlib
    source = (pathlib.Path(__file__).parents[2] / "notebooks" / "05_explorer.py").read_text()
    uses = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name) and n.id == "ex"]
    assert [type(n.ctx).__name__ for n in uses] == ["Store", "Load"]


def test_run_returns_the_same_history_as_fit(split):
    ex = explorer(split)
    args = dict(lr=0.2, hidden=32, c=1e-3, batch_size=32, epochs=2)
    h = ex.run(n_train=500, **args)
    data = split.X_train[:500], split.y_train[:500], split.X_val, split.y_val
    # The explorer's step leaves out the inputs blank in every training image (the same
    # math, float32 sums in another order): equal to fit's to float32's precision, and
    # exactly so to its own run without the skip.
    _, ref = train.fit(*data, seed=0, **args)
    got, want = h.as_dict(), ref.as_dict()
    del got["seconds"], want["seconds"]      # wall times
    assert got.keys() == want.keys() and got["epoch"] == want["epoch"]
    for key in ("train_cost", "val_cost", "batch_cross_entropy"):
        np.testing.assert_allclose(got[key], want[key], rtol=1e-4, err_msg=key)
    for key in ("train_acc", "val_acc"):
        np.testing.assert_allclose(got[key], want[key], atol=2 / 500, err_msg=key)
    assert ex.history is h and ex.runs[-1].test_acc > 0.5


def test_the_training_curve_is_measured_on_train_curve_rows(split):
    ex = explorer(split, train_curve_rows=200, epochs=2, blas_threads=1)

    async def main():
        ex.set(lr=0.2)
        return await ex.wait()

    live = asyncio.run(main()).as_dict()
    blocking = ex.run(lr=0.3).as_dict()
    v = ex.runs[-1].values
    data = split.X_train, split.y_train, split.X_val, split.y_val
    kw = dict(hidden=v["hidden"], c=v["c"], batch_size=v["batch_size"], epochs=2, seed=0,
              yield_every=1, skip_blank_inputs=True, params_mid_epoch=False)
    with threadpoolctl.threadpool_limits(1, user_api="blas"):     # as this explorer trains
        *_, part = train.train_iter(*data, lr=0.2, train_eval_rows=200, **kw)
        *_, full = train.train_iter(*data, lr=0.2, **kw)
        *_, part3 = train.train_iter(*data, lr=0.3, train_eval_rows=200, **kw)
    for key in ("train_cost", "train_acc", "val_cost", "val_acc"):
        assert live[key] == getattr(part.history, key)
        assert blocking[key] == getattr(part3.history, key)       # run() measures the same
    assert live["val_acc"] == full.history.val_acc       # the same training, validation
    assert live["train_cost"] != full.history.train_cost  # only the estimate differs
    with pytest.raises(ValueError, match="train_eval_rows"):
        train.train_iter(*data, train_eval_rows=0)


@pytest.mark.parametrize("max_fps, sent_per_epoch", [(1e-6, {1}), (1e9, {1, 2, 3, 4, 5})])
def test_chart_updates_are_throttled_and_the_end_is_always_sent(split, max_fps, sent_per_epoch):
    ex = explorer(split, epochs=5, max_fps=max_fps)
    epochs_sent = []
    update = ex.chart.update

    def counted(history, **kw):
        epochs_sent.append((len(history), kw.get("outcome")))
        update(history, **kw)

    ex.chart.update = counted
    ex.run(lr=0.2)
    assert {n for n, outcome in epochs_sent if outcome is None} == sent_per_epoch
    assert epochs_sent[-1] == (5, Outcome.DONE)       # the end, always
    assert ex.chart.data()["current"]["val_acc"][0] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_a_change_without_event_loop_waits_for_wait(split):
    ex = explorer(split)
    ex.set(lr=0.3)
    assert "no event loop" in ex.status_text and ex.n_started == 0
    h = asyncio.run(ex.wait())
    assert len(h) == 3 and ex.runs[-1].values["lr"] == 0.3


def test_stop_before_and_during_a_run(split):
    ex = explorer(split, epochs=30, hidden=64)
    assert isinstance(ex.run(lr=0.1, epochs=2), train.History)

    async def main():
        ex.set(lr=0.2, epochs=30)
        ex.stop_button.click()                 # before the task began: nothing starts
        before = await ex.wait()
        assert ex.n_started == 1 and ex.status_text == "Stopped before the run started."
        ex.set(lr=0.3)
        await until(lambda: ex.n_started == 2 and len(ex.history) >= 1)
        ex.stop_button.click()
        status = ex.status_text                # at once, before the task has woken up
        during = await ex.wait()
        return before, status, during

    before, status, during = asyncio.run(main())
    assert before is None and during is None   # not the previous run's History
    assert "stopped: epoch" in status and "lr=0.3" in status
    assert (ex.n_started, ex.n_stopped, ex.n_completed) == (2, 1, 1) and ex.task is None


def test_ctrl_c_in_run_stops_the_run_and_closes_its_generator(split):
    ex = explorer(split, epochs=30)

    update = ex.chart.update

    def interrupt(history, **kw):            # Ctrl-C while the first epoch is drawn
        ex.chart.update = update
        raise KeyboardInterrupt

    ex.chart.update = interrupt
    with pytest.raises(KeyboardInterrupt):
        ex.run(lr=0.2)
    r = ex.current_run
    assert r.outcome is Outcome.STOPPED and ex.controller.current is None
    assert ex.controller._iterator is None and ex.runs == []
    assert "stopped: epoch 1/30" in ex.status_text
    assert len(ex.run(lr=0.2, epochs=2)) == 2                  # the explorer goes on


def test_close_stops_the_run_and_a_new_explorer_closes_the_old_one(split):
    ex = explorer(split, epochs=30, hidden=64)
    widgets = [*ex.controls.values(), ex.chart, ex.widget, ex.stop_button]
    assert all(w.comm is not None for w in widgets)

    async def main():
        ex.set(lr=0.2)
        await until(lambda: ex.n_started == 1 and len(ex.history) >= 1)
        task = ex.task
        ex2 = explorer(split)                  # running `ex = Explorer()` again
        await asyncio.wait([task])
        return ex2

    ex2 = asyncio.run(main())
    assert ex.closed and ex.current_run.outcome is Outcome.STOPPED and ex.task is None
    assert all(w.comm is None for w in widgets)
    with pytest.raises(RuntimeError, match="closed"):
        ex.set(lr=0.3)
    with pytest.raises(RuntimeError, match="closed"):
        ex.run()
    assert not ex2.closed and len(ex2.run(lr=0.2)) == 3
    ex2.close()
    ex2.close()                                # twice is fine
    assert ex2.closed and ex2.chart.comm is None


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
            states.append(ast.literal_eval(execute(
                "", s="(ex.n_started, str(ex.current_run.outcome), ex.current_run.steps)")["s"]))
        assert [s[:2] for s in states] == [(1, "running")] * 4
        steps = [s[2] for s in states]
        assert steps == sorted(steps) and steps[0] < steps[-1]    # it trained in between
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _contrast_on_white(colour):
    """WCAG contrast ratio of an sRGB '#rrggbb' against white."""
    def linear(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_every_run_colour_reaches_3_to_1_and_every_run_shown_has_its_own_marker(split):
    from handin.explorer.chart import RUN_COLORS
    assert min(_contrast_on_white(c) for c in RUN_COLORS) >= 3.0
    ex = explorer(split, epochs=1)
    for lr in (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):    # more runs than are kept
        ex.run(lr=lr)
    shown = [ex.chart.current, *ex.chart.faded]
    assert len(shown) == 7 and len({r["marker"] for r in shown}) == 7


def test_the_static_chart_has_no_text_under_11_px(split):
    """ex.png() at its 90 dpi: every text at least 9 pt = 11.25 px, the long labels too."""
    from matplotlib.text import Text
    ex = explorer(split, epochs=2, batch_size=128, n_train=500)
    for lr in (0.05, 0.2, 9.0):
        ex.run(lr=lr)
    fig = ex.chart.figure()
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert any("ep=2" in t.get_text() for t in texts)           # the legend is drawn
    small = {t.get_text(): t.get_fontsize() * fig.dpi / 72 for t in texts
             if t.get_fontsize() * fig.dpi / 72 < 11}
    assert small == {} and fig.dpi == 90
