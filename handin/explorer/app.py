"""The live hyperparameter explorer: sliders, and a chart drawn in the browser as training runs.

In a notebook::

    ex = Explorer()        # loads the sample once
    ex                     # sliders, buttons, status line, live chart
    ex.set(lr=0.5)         # as if the slider moved: a run starts (asyncio)
    await ex.wait()        # its History (or its TrainingDiverged, or None if stopped)
    ex.run(lr=1.0)         # a blocking run, drawn the same way
    show(ex.png(), "...")  # the chart as a static picture (matplotlib), with its words
    ex.close()             # stop and remove it (a new Explorer() closes the older ones)

How it works (one module per job)
---------------------------------
* :mod:`handin.explorer.runs`: a :class:`RunController` trains one run at a time with
  :func:`handin.train.train_iter`, in chunks of about ``chunk_seconds``, on the number of BLAS
  threads its chunks measure fastest; it knows nothing of widgets or asyncio.
* :mod:`handin.explorer.schedule`: a :class:`Scheduler` runs the training as a task on the
  kernel's own asyncio loop (no threads), handing control back to the loop after every
  chunk. A change cancels the run in progress (no batch runs after it); a single change
  starts its run at once, a burst of changes (closer than ``debounce``) starts one run
  with the latest values once it is over.
* :mod:`handin.explorer.view` (the widgets) and :mod:`handin.explorer.chart`: the kernel
  sends a few numbers per epoch and the browser draws them (an anywidget with inline SVG
  code: no network, no Agg render, no PNG per redraw).

The *training* curve of every explorer run is measured after each epoch on a fixed sample
of ``train_curve_rows`` training rows (default 1,000 of 3,400: the first rows of the
shuffled split), not on all of them: an estimate of the same cost and accuracy (standard
error about 0.01 in accuracy) that saves about a tenth of a run. Validation is always
measured on the whole validation set; ``train_curve_rows=None`` measures on all rows, as
:func:`handin.fit` does.

What :meth:`Explorer.run` and :meth:`Explorer.wait` give: the run's History when it
finished; its :class:`~handin.train.TrainingDiverged` when it diverged (returned, not
raised: a result to look at); None when it was stopped. Any other exception of the run is
shown in the widget and raised. Exceptions in callbacks are shown in the widget and kept
in :attr:`Explorer.errors`.
"""

from __future__ import annotations

import asyncio
import functools
import time
import weakref

from .. import experiment
from .runs import (DEFAULTS, SEED, Outcome, RunController, RunRecord, check_values,
                            result_of, run_label, status_line)
from .schedule import Scheduler
from .view import ExplorerView

__all__ = ["Explorer", "RunRecord", "Outcome", "DEFAULTS", "run_label"]

_LIVE = weakref.WeakSet()      # explorers not closed yet: a new one closes them


def _counter(name, doc):
    """A read-only property of the Explorer that is its run controller's counter ``name``."""
    return property(lambda self: getattr(self.controller, name), doc=doc)


class Explorer:
    """Sliders for the hyperparameters, a status line and a live cost/accuracy chart.

    Parameters
    ----------
    split : handin.experiment.Split, optional
        The data; by default ``experiment.prepare("sample", seed=0)`` (loaded once).
    lr, hidden, c, batch_size, epochs, n_train
        Initial control values (the exercise's by default, see :data:`DEFAULTS`);
        ``n_train=None`` trains on the whole training split.
    debounce : float, default=0.15
        Changes closer than this (s) form a burst: one run, after the burst.
    chunk_seconds : float, default=0.02
        Training between two hand-backs to the event loop.
    yield_turns : int, default=4
        Turns of the event loop after every chunk (a message needs a few to be handled).
    max_fps : float, default=20
        At most this many chart updates per second (the first epoch and the end: always).
    train_curve_rows : int or None, default=1000
        Training rows the training curve is measured on (None: all).
    blas_threads : int, "auto" or None, default="auto"
        BLAS threads while training: a number, the fastest for the run's sizes measured on
        its own chunks (:class:`handin.threads.Tuner`; ``HANDIN_BLAS_THREADS`` pins it), or
        None (leave as is).
    replace : bool, default=True
        Close the explorers made before this one (a cell run again replaces its explorer).
        False keeps them: a second explorer for lessons driven from code, whose runs leave
        the first one's controls and chart as they are.

    Attributes
    ----------
    widget, controls, chart, train_button, stop_button, clear_button
        The widgets, from :class:`~handin.explorer.view.ExplorerView` (``view``).
    runs : list of RunRecord
        Runs that ended done or diverged since the last "Clear runs".
    errors : list of BaseException
        Every exception caught in a callback or a run.
    """

    def __init__(self, split=None, *, debounce=0.15, chunk_seconds=0.02, max_fps=20.0,
                 yield_turns=4, train_curve_rows=1000, blas_threads="auto", replace=True,
                 **values):
        check_values({k: v for k, v in values.items() if k != "n_train"}, 0)
        for old in list(_LIVE) if replace else []:
            old.close()
        self.split = split if split is not None else experiment.prepare("sample", seed=SEED)
        self.n_all = len(self.split.X_train)
        self.view = ExplorerView({**DEFAULTS, **values}, self.n_all)
        check_values(self.view.values(), self.n_all)
        self.controller = RunController(self.split, self, chunk_seconds=chunk_seconds,
                                        blas_threads=blas_threads)
        self.scheduler = Scheduler(debounce)
        self.yield_turns = max(1, int(yield_turns))
        self.min_interval = 1.0 / float(max_fps)
        self.train_curve_rows = train_curve_rows
        self.runs, self.errors = [], self.view.errors
        self.closed = False
        self._pending = False      # a change came while no event loop was running
        self._latest = None        # the RunRecord of the latest request (None: none began)
        self._shown = None         # the RunRecord whose lines are the chart's current ones
        self._last_send = -float("inf")
        v = self.view
        self.widget, self.controls, self.chart = v.widget, v.controls, v.chart
        self.train_button, self.stop_button, self.clear_button = (
            v.train_button, v.stop_button, v.clear_button)
        for w in self.controls.values():
            w.observe(self._on_change, names="value")
        self.train_button.on_click(self._guard(lambda _: self._schedule(delay=0.0)))
        self.stop_button.on_click(self._guard(lambda _: self.stop()))
        self.clear_button.on_click(self._guard(lambda _: self.clear_runs()))
        self.chart.set_status("Move a slider or press Train to start a run.")
        _LIVE.add(self)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------ public face
    def values(self):
        """The current control values (``n_train`` as a number of rows)."""
        return self.view.values()

    def set(self, **values):
        """Set controls as if moved in the UI: stops the run in progress and starts a new
        one (needs a running event loop; otherwise :meth:`wait` starts it)."""
        self._check_open()
        if self.view.apply(values, self._on_change):
            self._schedule()

    async def wait(self):
        """Wait until the latest run has ended (following restarts); see the module
        docstring for what it returns and raises."""
        self._check_open()
        if self._pending:
            self._schedule()
        await self.scheduler.wait()
        return result_of(self._latest)

    def run(self, **values):
        """Train now with the given values (others as the controls are), blocking, without
        asyncio; drawn like a live run. Ctrl-C stops the run (and is raised)."""
        self._check_open()
        self.cancel()
        self.view.apply(values, self._on_change)
        self._latest = None
        record = self.controller.start(self.values(), train_eval_rows=self.train_curve_rows)
        self.controller.run_to_end()
        return result_of(record)

    def cancel(self):
        """Stop the run in progress (or about to start) at once; return its task if any."""
        self._pending = False
        self.controller.stop()
        return self.scheduler.cancel()

    def stop(self):
        """What the Stop button does: :meth:`cancel`, and say so in the status line."""
        waiting = self.controller.current is None
        task = self.cancel()
        if task is not None and waiting:
            self._latest = None
            self.chart.set_status("Stopped before the run started.")
        return task

    def clear_runs(self):
        """Remove the faded curves of earlier runs (and forget them in :attr:`runs`)."""
        self.chart.clear_faded()
        self.runs = [r for r in self.runs if r is self._shown]

    def close(self):
        """Stop any run and close the widgets; the explorer cannot be used afterwards."""
        if self.closed:
            return
        self.cancel()
        self.closed = True
        _LIVE.discard(self)
        self.view.close()

    n_started = _counter("n_started", "Runs started (a run replaced by a change within the "
                                      "debounce is not counted).")
    n_completed = _counter("n_completed", "Runs that ended on their own: done or diverged.")
    n_stopped = _counter("n_stopped", "Runs stopped before they ended: a change, Stop, close(), "
                                      "Ctrl-C.")

    @property
    def current_run(self):
        """The RunRecord of the latest run (running or ended), or None."""
        return self.controller.records[-1] if self.controller.records else None

    @property
    def history(self):
        """The History of the latest run (growing while it runs)."""
        r = self.current_run
        return None if r is None else r.history

    @property
    def task(self):
        """The asyncio task of the latest scheduled run (None after :meth:`cancel`)."""
        return self.scheduler.task

    @property
    def status_text(self):
        return self.chart.status

    @property
    def alert_text(self):
        """The alert (divergence or error message) as plain text, '' if none."""
        return self.view.alert_text

    def lines_data(self):
        """What the chart shows: see :meth:`handin.explorer.chart.LiveChart.data`."""
        return self.chart.data()

    def png(self, dpi=90):
        """The chart as PNG bytes, drawn by matplotlib from the same numbers."""
        return self.chart.png(dpi=dpi)

    # -------------------------------------------------------------- change handling
    def _check_open(self):
        if self.closed:
            raise RuntimeError("this Explorer is closed; make a new one with Explorer().")

    def _guard(self, fn):
        """Wrap a callback so that its exceptions are shown in the widget, not lost."""
        @functools.wraps(fn)
        def guarded(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                self._show_error(exc)
        return guarded

    def _show_error(self, exc):
        self.view.show_error(exc)

    def _on_change(self, change):
        self._guard(self._schedule)()

    def _schedule(self, delay=None):
        """Stop the run in progress and schedule a new one (see Scheduler for when)."""
        self._check_open()
        self._pending = False
        recent = self.scheduler.recent()
        self.controller.stop(Outcome.SUPERSEDED if recent else Outcome.STOPPED)
        self._latest = None
        if self.scheduler.request(self._drive, delay=delay) is None:
            self._pending = True
            self.chart.set_status("New values set; no event loop is running: "
                                  "call run() or await wait() to train.")
        else:
            self.chart.set_status("New values: starting a run\u2026")

    async def _drive(self):
        record = None
        try:
            record = self.controller.start(self.values(), train_eval_rows=self.train_curve_rows)
            while not self.controller.advance():
                for _ in range(self.yield_turns):      # a few turns: see yield_turns
                    await asyncio.sleep(0)
        except asyncio.CancelledError:
            if record is not None and self.controller.current is record:
                self.controller.stop()
            raise
        except Exception as exc:      # a bug outside the guarded steps
            self._show_error(exc)

    # ----------------------------------------------- what the controller tells us
    def on_start(self, record):
        """A run with the values of an earlier one (Train pressed twice) replaces it: the
        seed is fixed, so it draws the same curves in the same place, not a second entry.
        A run stopped (Stop, or a move after it drew an epoch) stays on the chart, marked
        stopped, with the epochs it drew."""
        self._latest = record
        shown, self._shown = self._shown, record
        keep = shown is not None and shown.label != record.label and (
            shown.outcome in (Outcome.DONE, Outcome.DIVERGED) and shown in self.runs
            or shown.outcome is Outcome.STOPPED and bool(len(shown.history)))
        self.runs = [r for r in self.runs if r.label != record.label]
        self._guard(self.view.show_start)(record, self._status(record), retire=shown is not None,
                                          keep=keep)

    def on_epoch(self, record):
        now = time.perf_counter()
        if len(record.history) == 1 or now - self._last_send >= self.min_interval:
            self._last_send = now
            self._guard(self.chart.update)(record.history, status=self._status(record))

    def on_end(self, record):
        if record.outcome in (Outcome.DONE, Outcome.DIVERGED):
            self.runs.append(record)
        if record.outcome is not Outcome.SUPERSEDED:
            self._guard(self.view.show_end)(record, self._status(record))

    def _status(self, record):
        return status_line(record, self.controller.elapsed)
