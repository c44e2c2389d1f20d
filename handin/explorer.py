"""The live hyperparameter explorer: sliders, and one figure redrawn as training runs.

In a notebook::

    ex = Explorer()        # loads the sample once
    ex                     # sliders, status line, live figure
    ex.set(lr=0.5)         # as if the slider moved: a run starts (asyncio)
    await ex.wait()        # its History (or the TrainingDiverged)
    ex.run(lr=1.0)         # a blocking run, drawn the same way
    Image(ex.png())        # the figure as a static picture (IPython.display.Image)

How it works
------------
Training runs as an :mod:`asyncio` task on the kernel's own event loop (no threads:
matplotlib is not thread-safe and widget output from threads gets lost). The task drives
:func:`handin.train.train_iter` batch by batch and hands control back to the loop
(``await asyncio.sleep(0)``, a few times: see ``yield_turns``) after every chunk of about
``chunk_seconds`` of work, so the kernel keeps handling slider changes and executing
cells while a run is going.

A change of any control cancels the running task at once (it stops at its next
``await``, so no batch runs after the cancel) and schedules a new run after a short
debounce; each further change restarts the debounce, so dragging or a burst of
programmatic changes starts one run, with the latest values.

The figure (:class:`handin.plotting.LiveHistoryFigure`) is rendered with Agg to PNG and
shown in an :class:`ipywidgets.Image` whose ``value`` is replaced in place: one widget
update per redraw, no extra front-end extension. Redraws happen at the end of an epoch,
at most ``max_fps`` per second, and always at the end of a run; a run's empty axes are
drawn only if its first epoch takes longer than :data:`START_DRAW_DELAY`. Most redraws
only repaint the current run's lines over a cached background (blitting).

Exceptions in callbacks and in the training task are caught and shown in the widget
(type, message and traceback) and kept in :attr:`Explorer.errors`.
"""

from __future__ import annotations

import asyncio
import functools
import html
import math
import time
import traceback
from dataclasses import dataclass, field

import ipywidgets as widgets

from . import experiment, model, train
from .plotting import LiveHistoryFigure

__all__ = ["Explorer", "RunRecord", "DEFAULTS", "run_label"]

#: The exercise's hyperparameters; ``n_train=None`` means the whole training split.
DEFAULTS = dict(lr=0.1, hidden=256, c=1e-4, batch_size=32, epochs=10, n_train=None)

LR_RANGE = (1e-3, 10.0)
HIDDEN_OPTIONS = tuple(2 ** k for k in range(2, 11))            # 4 .. 1024
C_OPTIONS = (0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
BATCH_OPTIONS = (8, 16, 32, 64, 128, 256)
EPOCHS_RANGE = (1, 30)
N_TRAIN_OPTIONS = (500, 1000, 2000)                             # plus "all"
SEED = 0
#: A run's first redraw waits for its first epoch, or this long (s) if that is slower.
START_DRAW_DELAY = 0.5


def _fmt_c(c):
    return "0" if c == 0 else f"{c:.0e}".replace("e-0", "e-").replace("e+0", "e")


def _fmt_lr(lr):
    return f"{lr:.2g}"


def run_label(values, n_all=None):
    """A run's short name: ``"lr=0.3 h=256 c=1e-4"``, plus batch size and training-set size
    when they differ from the defaults.

    >>> run_label(dict(lr=0.3, hidden=256, c=1e-4, batch_size=32, n_train=3400), n_all=3400)
    'lr=0.3 h=256 c=1e-4'
    >>> run_label(dict(lr=0.001, hidden=64, c=0.0, batch_size=128, n_train=500), n_all=3400)
    'lr=0.001 h=64 c=0 b=128 n=500'
    """
    label = f"lr={_fmt_lr(values['lr'])} h={values['hidden']} c={_fmt_c(values['c'])}"
    if values.get("batch_size", 32) != DEFAULTS["batch_size"]:
        label += f" b={values['batch_size']}"
    if values.get("n_train") not in (None, n_all):
        label += f" n={values['n_train']}"
    return label


@dataclass
class RunRecord:
    """A run: ``outcome`` is ``"running"``, then ``"done"``, ``"diverged"``, ``"error"`` or
    ``"stopped"``; ``test_acc`` is set when it is done."""

    label: str
    values: dict
    history: train.History
    outcome: str = "running"
    error: BaseException | None = None
    test_acc: float | None = None
    seconds: float = 0.0


@dataclass
class _Run:
    """The state of one run while it goes."""

    record: RunRecord
    t0: float
    iterator: object = None
    params: dict | None = None
    steps: int = 0              # train_iter steps taken (one per batch)
    steps_at_cancel: int | None = None
    dirty: bool = True          # the figure changed since the last redraw
    drawn: bool = False         # drawn at least once
    stopped_at: float | None = None   # perf_counter() when a cancel took effect
    chunks: list = field(default_factory=list)   # wall time of every chunk of work
    spans: list = field(default_factory=list)    # (start, end) perf_counter() of every chunk


class Explorer:
    """Sliders for the hyperparameters, a status line and a live loss/accuracy figure.

    Parameters
    ----------
    split : handin.experiment.Split, optional
        The data; by default ``experiment.prepare("sample", seed=0)`` (loaded once).
    lr, hidden, c, batch_size, epochs, n_train
        Initial control values (the exercise's by default, see :data:`DEFAULTS`);
        ``n_train=None`` trains on the whole training split.
    debounce : float, default=0.15
        Seconds without further changes before a run starts.
    chunk_seconds : float, default=0.02
        Work done between two hand-backs to the event loop.
    yield_turns : int, default=4
        Turns of the event loop (``await asyncio.sleep(0)``) after every chunk. A single
        turn makes every step of an incoming message's handling wait for another chunk;
        a few turns let it complete before training goes on (they cost microseconds).
    max_fps : float, default=8
        At most this many redraws per second during a run.
    dpi : int, default=90
        Resolution of the figure.

    Attributes
    ----------
    widget : ipywidgets.VBox
        What is displayed (displaying the explorer displays it).
    controls : dict
        The control widgets by name: ``lr, hidden, c, epochs, batch_size, n_train``.
    runs : list of RunRecord
        Runs that ended with ``"done"`` or ``"diverged"`` since the last "Clear runs".
    errors : list of BaseException
        Every exception caught in a callback or a run.
    n_started, n_completed, n_stopped : int
        Runs that started training, that ended (done or diverged), that were cancelled.
    """

    def __init__(self, split=None, *, debounce=0.15, chunk_seconds=0.02, max_fps=8.0, dpi=90,
                 yield_turns=4, **values):
        unknown = set(values) - set(DEFAULTS)
        if unknown:
            raise TypeError(f"unknown control(s) {sorted(unknown)}; the controls are "
                            f"{list(DEFAULTS)}.")
        self.split = split if split is not None else experiment.prepare("sample", seed=SEED)
        self.n_all = len(self.split.X_train)
        self.debounce, self.chunk_seconds = float(debounce), float(chunk_seconds)
        self.yield_turns = max(1, int(yield_turns))
        self.min_interval = 1.0 / float(max_fps)
        self.figure = LiveHistoryFigure(dpi=dpi)
        self.runs, self.errors = [], []
        self.n_started = self.n_completed = self.n_stopped = 0
        self._task = None          # the asyncio task of the latest scheduled run
        self._pending = False      # a run was asked for while no event loop was running
        self._run = None           # the run in progress (or the last one)
        self._shown = None         # the RunRecord whose lines are the figure's current ones
        self._prepared = False     # the figure's current lines are made for the next run
        self._result = None        # what wait() returns: History, TrainingDiverged or an error
        self._quiet = False
        self._last_draw = -math.inf
        self._status_text = self._alert_text = ""
        self._build_widgets({**DEFAULTS, **values})

    # ----------------------------------------------------------------------- widgets
    def _build_widgets(self, v):
        common = dict(continuous_update=False, style={"description_width": "110px"},
                      layout=widgets.Layout(width="330px"))
        n_options = [(str(n), n) for n in N_TRAIN_OPTIONS if n < self.n_all]
        n_options.append((f"all ({self.n_all})", self.n_all))
        lo, hi = (math.log10(x) for x in LR_RANGE)
        self.controls = {
            "lr": widgets.FloatLogSlider(value=v["lr"], base=10, min=lo, max=hi, step=0.1,
                                         readout_format=".3g", description="learning rate",
                                         **common),
            "hidden": widgets.SelectionSlider(options=HIDDEN_OPTIONS, value=v["hidden"],
                                              description="hidden units", **common),
            "c": widgets.SelectionSlider(options=[(_fmt_c(c), c) for c in C_OPTIONS],
                                         value=v["c"], description="weight decay c", **common),
            "epochs": widgets.IntSlider(value=v["epochs"], min=EPOCHS_RANGE[0],
                                        max=EPOCHS_RANGE[1], description="epochs", **common),
            "batch_size": widgets.SelectionSlider(options=BATCH_OPTIONS, value=v["batch_size"],
                                                  description="batch size", **common),
            "n_train": widgets.SelectionSlider(options=n_options, description="training rows",
                                               value=self._n_value(v["n_train"]), **common),
        }
        self._check_values({k: w.value for k, w in self.controls.items()})
        for w in self.controls.values():
            w.observe(self._on_change, names="value")
        self.train_button = widgets.Button(description="Train", icon="play",
                                           tooltip="train with the current values")
        self.stop_button = widgets.Button(description="Stop", icon="stop",
                                          tooltip="stop the run in progress")
        self.clear_button = widgets.Button(description="Clear runs", icon="trash",
                                           tooltip="remove the faded curves of earlier runs")
        self.train_button.on_click(self._guard(lambda _: self._schedule(delay=0.0)))
        self.stop_button.on_click(self._guard(lambda _: self.stop()))
        self.clear_button.on_click(self._guard(lambda _: self.clear_runs()))
        self.status = widgets.HTML()
        self.alert = widgets.HTML()
        self.image = widgets.Image(format="png", value=self.figure.png())
        self._set_status("Move a slider or press Train to start a run.")
        wrap = widgets.Layout(flex_flow="row wrap")
        self.widget = widgets.VBox([
            widgets.HBox(list(self.controls.values()), layout=wrap),
            widgets.HBox([self.train_button, self.stop_button, self.clear_button, self.status],
                         layout=widgets.Layout(align_items="center", flex_flow="row wrap")),
            self.alert,
            self.image,
        ])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _n_value(self, n):
        return self.n_all if n is None else n

    # ------------------------------------------------------------------ public face
    def values(self):
        """The current control values (``n_train`` as a number of rows)."""
        return {name: w.value for name, w in self.controls.items()}

    def set(self, **values):
        """Set controls as if moved in the UI: cancels the run in progress and starts a new
        one after the debounce (needs a running event loop; otherwise :meth:`wait` starts it)."""
        if self._apply(values):
            self._schedule()

    async def wait(self):
        """Wait until the latest run has ended (following restarts); return its
        :class:`~handin.train.History`, or the :class:`~handin.train.TrainingDiverged` it
        raised. Other errors of the run are raised again here (they are also shown)."""
        if self._pending:
            self._schedule()
        while self._task is not None and not self._task.done():
            await asyncio.wait([self._task])
        return self._outcome()

    def run(self, **values):
        """Train now with the given values (others as the controls are), blocking, without
        asyncio; draws like a live run. Returns the History or the TrainingDiverged;
        other errors are shown in the widget and raised."""
        self.cancel()
        self._apply(values)
        run = self._begin()
        while not self._advance(run, self.chunk_seconds, raise_errors=True):
            pass
        return self._outcome()

    def cancel(self):
        """Stop the run in progress (or about to start), if any."""
        self._pending = False
        task, self._task = self._task, None
        if task is not None and not task.done():
            if self._run is not None and self._run.record.outcome == "running":
                self._run.steps_at_cancel = self._run.steps
            task.cancel()
            return task
        return None

    def stop(self):
        """What the Stop button does: :meth:`cancel`, and say so in the status line."""
        task = self.cancel()
        if task is not None and (self._run is None or self._run.record.outcome != "running"):
            self._set_status("Stopped before the run started.")   # still in the debounce
        return task

    def clear_runs(self):
        """Remove the faded curves of earlier runs (and forget them in :attr:`runs`)."""
        self.figure.clear_faded()
        self.runs = [r for r in self.runs if r is self._shown]
        self._draw()

    @property
    def history(self):
        """The History of the latest run (growing while it runs)."""
        return None if self._run is None else self._run.record.history

    @property
    def task(self):
        """The asyncio task of the latest scheduled run (None after :meth:`cancel`)."""
        return self._task

    @property
    def status_text(self):
        """The status line as plain text."""
        return self._status_text

    @property
    def alert_text(self):
        """The alert (divergence or error message) as plain text, '' if none."""
        return self._alert_text

    @property
    def redraw_seconds(self):
        """Wall time of every redraw (Agg render + PNG encoding)."""
        return list(self.figure.render_seconds)

    def lines_data(self):
        """What the figure shows: see :meth:`handin.plotting.LiveHistoryFigure.data`."""
        return self.figure.data()

    def png(self):
        """The figure as PNG bytes, brought up to date first."""
        if self._run is not None and self._run.dirty:
            self._draw()
        return self.image.value

    # -------------------------------------------------------------- change handling
    def _guard(self, fn):
        """Wrap a callback so that its exceptions are shown in the widget, not lost."""
        @functools.wraps(fn)
        def guarded(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                self._show_error(exc)
        return guarded

    def _check_values(self, values):
        unknown = set(values) - set(self.controls)
        if unknown:
            raise TypeError(f"unknown control(s) {sorted(unknown)}; the controls are "
                            f"{list(self.controls)}.")
        for name, value in values.items():
            w = self.controls[name]
            if name == "lr":
                if not (LR_RANGE[0] <= value <= LR_RANGE[1]):
                    raise ValueError(f"lr must be in [{LR_RANGE[0]:g}, {LR_RANGE[1]:g}], "
                                     f"got {value!r}.")
            elif name == "epochs":
                if value != int(value) or not (w.min <= value <= w.max):
                    raise ValueError(f"epochs must be an integer in [{w.min}, {w.max}], "
                                     f"got {value!r}.")
            elif value not in w._options_values:
                raise ValueError(f"{name} must be one of {list(w._options_values)}, got {value!r}.")

    def _apply(self, values):
        """Set control values without triggering runs; True if any value changed."""
        if "n_train" in values:
            values = {**values, "n_train": self._n_value(values["n_train"])}
        self._check_values(values)
        changed = False
        self._quiet = True
        try:
            for name, value in values.items():
                w = self.controls[name]
                if w.value != value:
                    w.value = int(value) if name == "epochs" else value
                    changed = True
        finally:
            self._quiet = False
        return changed

    def _on_change(self, change):
        if not self._quiet:
            self._guard(self._schedule)()

    def _schedule(self, delay=None):
        """Cancel the run in progress and start a new one after ``delay`` (the debounce)."""
        self.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._pending = True
            self._set_status("New values set; no event loop is running: "
                             "call run() or await wait() to train.")
            return
        self._set_status("New values: starting a run&hellip;", is_html=True)
        self._task = loop.create_task(self._run_async(self.debounce if delay is None else delay))

    async def _run_async(self, delay):
        try:
            if delay > 0:
                t0 = time.perf_counter()
                self._prepare_figure()
                await self._yield_to_loop()         # changes that came meanwhile cancel us
                await asyncio.sleep(max(0.0, delay - (time.perf_counter() - t0)))
            run = self._begin()
            try:
                while not self._advance(run, self.chunk_seconds):
                    await self._yield_to_loop()
            except asyncio.CancelledError:
                self._stopped(run)
                raise
        except asyncio.CancelledError:
            raise
        except Exception as exc:   # a bug outside the guarded training steps
            self._show_error(exc)
            self._result = exc

    async def _yield_to_loop(self):
        """Let the event loop run whatever became ready during the chunk.

        Each ``await asyncio.sleep(0)`` is one turn of the loop. A message that arrives
        needs a few turns (socket callback, future, handler task, ...); with a single turn
        per chunk each of those steps would wait for another chunk of training.
        """
        for _ in range(self.yield_turns):
            await asyncio.sleep(0)

    # --------------------------------------------------------------------- one run
    def _retire_shown(self):
        """Fade the lines of the run shown (if it ended well) or remove them."""
        r, self._shown = self._shown, None
        if r is not None:
            keep = r.outcome in ("done", "diverged") and r in self.runs
            label = r.label + (" (diverged)" if r.outcome == "diverged" else "")
            self.figure.retire(keep=keep, label=label)

    def _prepare_figure(self):
        """During the debounce: retire the run shown, make the next run's (empty) lines and
        render the figure's background, so that the first epoch only needs a blit."""
        if not self._prepared:
            self._retire_shown()
            v = self.values()
            self.figure.start(run_label(v, self.n_all), v["epochs"])
            self._prepared = True
        self.figure.prerender()

    def _begin(self):
        """Start a run with the current values: its lines on the figure, status, counters."""
        values = self.values()
        record = RunRecord(run_label(values, self.n_all), values, train.History())
        run = self._run = _Run(record, time.perf_counter())
        self.n_started += 1
        self._result = None
        if self._prepared:                  # lines made during the debounce
            self.figure.set_title(record.label)
            self.figure.set_epochs(values["epochs"])
        else:
            self._retire_shown()
            self.figure.start(record.label, values["epochs"])
        self._prepared = False
        self._shown = record
        self._set_alert("")
        self._set_progress_status(run)
        return run

    def _advance(self, run, budget, raise_errors=False):
        """Train for about ``budget`` seconds; True once the run has ended.

        An epoch's end is drawn at once if the throttle allows, and then the chunk ends
        (the redraw used up its time).
        """
        t0 = time.perf_counter()
        try:
            if run.iterator is None:
                v, s = run.record.values, self.split
                n = v["n_train"]
                run.iterator = train.train_iter(
                    s.X_train[:n], s.y_train[:n], s.X_val, s.y_val, hidden=v["hidden"],
                    lr=v["lr"], c=v["c"], batch_size=v["batch_size"], epochs=v["epochs"],
                    seed=SEED, yield_every=1)
            while True:
                try:
                    p = next(run.iterator)
                except StopIteration:
                    self._end(run, "done")
                    return True
                run.steps += 1
                run.params = p.params
                if p.epoch_end:
                    run.record.history = p.history
                    self.figure.update(p.history)
                    run.dirty = True
                    self._set_progress_status(run)
                now = time.perf_counter()
                if self._draw_due(run, now):
                    self._draw()
                    break
                if now - t0 >= budget:
                    break
            t1 = time.perf_counter()
            run.chunks.append(t1 - t0)
            run.spans.append((t0, t1))
            return False
        except train.TrainingDiverged as exc:
            self._end(run, "diverged", exc)
            return True
        except Exception as exc:
            self._end(run, "error", exc)
            if raise_errors:      # the synchronous run(): raise it to the caller too
                raise
            return True

    def _end(self, run, outcome, exc=None):
        r = run.record
        r.outcome, r.error, r.seconds = outcome, exc, time.perf_counter() - run.t0
        if outcome == "diverged":
            r.history = exc.history
        if outcome == "done":
            r.test_acc = model.accuracy(self.split.X_test, self.split.y_test, run.params)
        if outcome in ("done", "diverged"):
            self.n_completed += 1
            self.runs.append(r)
            self._result = exc if exc is not None else r.history
        try:
            self.figure.update(r.history)
            self.figure.set_title(self._title(r))
            self._set_progress_status(run)
            if outcome == "diverged":
                self._set_alert(str(exc), kind="warning")
            elif outcome == "error":
                self._result = exc
                self._show_error(exc)
            self._draw()
        finally:
            self._close(run)

    def _stopped(self, run):
        """The task of ``run`` was cancelled (a new value, Stop, or run())."""
        r = run.record
        if r.outcome != "running":
            return
        run.stopped_at = time.perf_counter()
        r.outcome, r.seconds = "stopped", run.stopped_at - run.t0
        self.n_stopped += 1
        self._close(run)
        if self._task is None and self._run is run:      # not replaced by a new run
            self._set_progress_status(run)
            self.figure.set_title(self._title(r))
            run.dirty = True
            # Redraw on the next turn of the loop: the task ends at once.
            asyncio.get_running_loop().call_soon(self._guard(self.png))

    @staticmethod
    def _close(run):
        if run.iterator is not None:
            run.iterator.close()

    def _outcome(self):
        if isinstance(self._result, Exception) and not isinstance(self._result,
                                                                  train.TrainingDiverged):
            raise self._result
        return self._result

    # ------------------------------------------------------------------- display
    def _draw_due(self, run, now):
        """Throttled redraws: an epoch's end once ``min_interval`` has passed since the last
        redraw; the new run's empty axes only if its first epoch takes long."""
        if not run.dirty:
            return False
        if run.drawn or len(run.record.history):
            return now - self._last_draw >= self.min_interval
        return now - run.t0 >= START_DRAW_DELAY

    def _draw(self):
        self.image.value = self.figure.png()
        self._last_draw = time.perf_counter()
        if self._run is not None:
            self._run.dirty, self._run.drawn = False, True

    def _title(self, r):
        h, n = r.history, r.values["epochs"]
        text = f"{r.label} · epoch {len(h)}/{n}"
        if r.outcome == "done":
            text += f" · test acc {r.test_acc:.3f}"
        elif r.outcome == "diverged":
            text += f" · diverged in epoch {r.error.epoch}"
        elif r.outcome in ("stopped", "error"):
            text += f" · {r.outcome}"
        return text

    def _set_progress_status(self, run):
        r = run.record
        h, n = r.history, r.values["epochs"]
        elapsed = (r.seconds if r.outcome != "running" else time.perf_counter() - run.t0)
        val = f"{h.val_acc[-1]:.3f}" if len(h) else "–"
        parts = [f"epoch {len(h)}/{n}", f"{elapsed:.1f} s", f"val acc {val}"]
        head = {"running": "", "done": "done: ", "stopped": "stopped: ",
                "diverged": f"diverged in epoch {getattr(r.error, 'epoch', '?')}: ",
                "error": "failed: "}[r.outcome]
        if r.outcome == "done":
            parts.append(f"test acc {r.test_acc:.3f}")
        self._set_status(f"{r.label} · {head}" + " · ".join(parts))

    def _set_status(self, text, is_html=False):
        self._status_text = html.unescape(text) if is_html else text
        body = text if is_html else html.escape(text)
        self.status.value = f"<span style='font-family:monospace'>{body}</span>"

    def _set_alert(self, text, kind="warning", details=""):
        self._alert_text = text
        if not text:
            self.alert.value = ""
            return
        colour = {"warning": ("#b45309", "#fffbeb"), "error": ("#b91c1c", "#fef2f2")}[kind]
        body = html.escape(text)
        if details:
            body += (f"<details><summary>traceback</summary><pre style='white-space:pre-wrap;"
                     f"font-size:smaller'>{html.escape(details)}</pre></details>")
        self.alert.value = (f"<div style='border-left:4px solid {colour[0]};background:{colour[1]};"
                            f"color:#1f2937;padding:4px 8px;margin:2px 0'>{body}</div>")

    def _show_error(self, exc):
        self.errors.append(exc)
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self._set_alert(f"{type(exc).__name__}: {exc}", kind="error", details=tb)
