"""The explorer's runs: its controls' values, and a controller that trains one run at a time.

:class:`RunController` drives :func:`handin.train.train_iter` in chunks of about
``chunk_seconds`` of work (:meth:`RunController.advance`), so that whoever calls it (the
explorer's asyncio task, or a blocking loop) can draw, cancel or restart between chunks. It
knows nothing of widgets or asyncio: the tests drive it directly. Every state change is
told to a listener (``on_start``, ``on_epoch``, ``on_end``), synchronously.

Training runs on ``blas_threads`` BLAS threads (through threadpoolctl, only while a chunk
runs). The default, ``"auto"``, is chosen by timing the runs' own chunks
(:class:`handin.threads.Tuner`): steps per second under one thread and under two, while the
run trains, so the measure includes what else the machine does meanwhile. On a quiet 2-core
machine two threads can run the step's product up to 4x faster than one; shared with other
kernels, a second OpenBLAS thread fights them for the CPU (a 10-epoch run took 0.99 s on one
thread and 14 s on two at a load average of 2.7); in JupyterLab the browser drawing the
chart is such a neighbour (a product timed before the run chose two threads: 0.98 s a run,
against 0.73 s on one).
"""

from __future__ import annotations

import contextvars
import enum
import time
from dataclasses import dataclass, field

from .. import hyperparameters, model, threads, train
from .._validation import ParameterError, ParameterTypeError
from ..hyperparameters import fmt_c, fmt_lr

__all__ = ["DEFAULTS", "Outcome", "RunRecord", "RunController", "run_label", "check_values",
           "result_of", "status_line",
           "LR_RANGE", "HIDDEN_OPTIONS", "C_OPTIONS", "BATCH_OPTIONS", "EPOCHS_RANGE",
           "N_TRAIN_OPTIONS", "SEED"]

_H = hyperparameters.DEFAULTS
#: The exercise's hyperparameters (from :mod:`handin.hyperparameters`); ``n_train=None``
#: means the whole training split.
DEFAULTS = dict(lr=_H.lr, hidden=_H.hidden, c=_H.c, batch_size=_H.batch_size, epochs=_H.epochs,
                n_train=None)

LR_RANGE = (1e-3, 10.0)
HIDDEN_OPTIONS = tuple(2 ** k for k in range(2, 11))            # 4 .. 1024
C_OPTIONS = (0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
BATCH_OPTIONS = (8, 16, 32, 64, 128, 256)
EPOCHS_RANGE = (1, 30)
N_TRAIN_OPTIONS = (500, 1000, 2000)                             # plus "all"
SEED = _H.seed


def run_label(values, n_all=None):
    """A run's short name: ``"lr=0.3 h=256 c=1e-4"``, plus the batch size, the training-set
    size and the epochs when they differ from the defaults (two runs with different values
    never share a label). Values are written as the sliders read them.

    >>> run_label(dict(lr=0.3, hidden=256, c=1e-4, batch_size=32, n_train=3400), n_all=3400)
    'lr=0.3 h=256 c=1e-4'
    >>> run_label(dict(lr=7.943282347242816, hidden=64, c=0.0, batch_size=128, n_train=500,
    ...                epochs=30), n_all=3400)
    'lr=7.94 h=64 c=0 b=128 n=500 ep=30'
    """
    label = f"lr={fmt_lr(values['lr'])} h={values['hidden']} c={fmt_c(values['c'])}"
    if values.get("batch_size", DEFAULTS["batch_size"]) != DEFAULTS["batch_size"]:
        label += f" b={values['batch_size']}"
    if values.get("n_train") not in (None, n_all):
        label += f" n={values['n_train']}"
    if values.get("epochs", DEFAULTS["epochs"]) != DEFAULTS["epochs"]:
        label += f" ep={values['epochs']}"
    return label


def n_train_options(n_all):
    """The allowed training-set sizes for a split of ``n_all`` training rows."""
    return tuple(n for n in N_TRAIN_OPTIONS if n < n_all) + (n_all,)


def check_values(values, n_all):
    """Raise a ParameterError (a ValueError; ParameterTypeError for an unknown name) naming
    the control and its range.

    >>> check_values({"hidden": 100}, 3400)
    Traceback (most recent call last):
    ...
    handin.ParameterError: hidden must be one of [4, 8, 16, 32, 64, 128, 256, 512, 1024], got 100.
    """
    unknown = set(values) - set(DEFAULTS)
    if unknown:
        raise ParameterTypeError(sorted(unknown)[0], f"unknown control(s) {sorted(unknown)}; "
                                 f"the controls are {list(DEFAULTS)}.")
    options = dict(hidden=HIDDEN_OPTIONS, c=C_OPTIONS, batch_size=BATCH_OPTIONS,
                   n_train=n_train_options(n_all))
    for name, value in values.items():
        if name == "lr":
            if not (isinstance(value, (int, float)) and LR_RANGE[0] <= value <= LR_RANGE[1]):
                raise ParameterError("lr", f"lr must be in [{LR_RANGE[0]:g}, {LR_RANGE[1]:g}], "
                                           f"got {value!r}.")
        elif name == "epochs":
            lo, hi = EPOCHS_RANGE
            if not (isinstance(value, (int, float)) and value == int(value) and lo <= value <= hi):
                raise ParameterError("epochs", f"epochs must be an integer in [{lo}, {hi}], "
                                               f"got {value!r}.")
        elif value not in options[name]:
            raise ParameterError(name, f"{name} must be one of {list(options[name])}, "
                                       f"got {value!r}.")


class Outcome(str, enum.Enum):
    """How a run ended (a ``str``: ``Outcome.DONE == "done"``)."""

    RUNNING = "running"
    DONE = "done"              # trained all its epochs
    DIVERGED = "diverged"      # TrainingDiverged: the cost became infinite or NaN
    STOPPED = "stopped"        # Stop, a new value, run(), close(), or Ctrl-C
    SUPERSEDED = "superseded"  # replaced by a new value within the debounce (not counted)
    ERROR = "error"            # any other exception in training

    def __str__(self):
        return self.value


@dataclass
class RunRecord:
    """One run: its values, its growing History, how it ended.

    ``test_acc`` is set when it is done; ``error`` holds the TrainingDiverged or the
    exception of an ``"error"`` run; ``chunks`` the wall time of each chunk of training and ``threads`` the BLAS threads it ran on
    (None: as they were).
    """

    label: str
    values: dict
    history: train.History = field(default_factory=train.History)
    outcome: Outcome = Outcome.RUNNING
    error: BaseException | None = None
    test_acc: float | None = None
    seconds: float = 0.0
    steps: int = 0
    chunks: list = field(default_factory=list)
    threads: list = field(default_factory=list)

    @property
    def ended(self):
        return self.outcome is not Outcome.RUNNING


class _Listener:
    """What the controller tells (the explorer replaces these)."""

    def on_start(self, record):
        pass

    def on_epoch(self, record):
        pass

    def on_end(self, record):
        pass


class RunController:
    """Trains one run at a time with :func:`handin.train.train_iter`, chunk by chunk.

    Parameters
    ----------
    split : handin.experiment.Split
    listener : object, optional
        With methods ``on_start(record)``, ``on_epoch(record)``, ``on_end(record)``.
    chunk_seconds : float, default=0.02
        Work per :meth:`advance`; a chunk also ends right after an epoch's end.
    blas_threads : int, "auto" or None, default="auto"
        BLAS threads while training (threadpoolctl): a number; the fastest for the run's
        sizes, measured on the run's own chunks as the machine is loaded while they train
        (:class:`handin.threads.Tuner`; ``HANDIN_BLAS_THREADS`` pins it); or None to leave
        them as they are.

    Attributes
    ----------
    records : list of RunRecord
        Every run started, oldest first.
    """

    def __init__(self, split, listener=None, *, chunk_seconds=0.02, blas_threads="auto"):
        if blas_threads != "auto":
            threads.resolve(blas_threads, (1, 1, 1))   # a bad value fails here, named
        self.split = split
        self.n_all = len(split.X_train)
        self.listener = listener if listener is not None else _Listener()
        self.chunk_seconds = float(chunk_seconds)
        self.blas_threads = blas_threads
        self.records = []
        self.current = None          # the RunRecord being trained, or None
        self._iterator = self._params = None
        self._t0 = 0.0

    # ------------------------------------------------------------------ counters
    def _count(self, *outcomes):
        return sum(r.outcome in outcomes for r in self.records)

    @property
    def n_started(self):
        """Runs started, not counting those superseded within the debounce."""
        return len(self.records) - self._count(Outcome.SUPERSEDED)

    @property
    def n_completed(self):
        """Runs that ended on their own: done or diverged."""
        return self._count(Outcome.DONE, Outcome.DIVERGED)

    @property
    def n_stopped(self):
        return self._count(Outcome.STOPPED)

    @property
    def n_superseded(self):
        return self._count(Outcome.SUPERSEDED)

    # --------------------------------------------------------------------- a run
    def start(self, values, *, train_eval_rows=None):
        """Begin a run with ``values`` (a running one is stopped first); no training yet."""
        self.stop()
        v = {**DEFAULTS, **values}
        v["n_train"] = self.n_all if v["n_train"] is None else v["n_train"]
        check_values(v, self.n_all)
        record = RunRecord(run_label(v, self.n_all), v)
        self.records.append(record)
        self.current, self._t0, self._params = record, time.perf_counter(), None
        self._context = None
        self._eval_rows = train_eval_rows
        self.listener.on_start(record)
        return record

    def _make_iterator(self, v):
        """The run's train_iter (made at its first chunk: bad data end the run as an error)."""
        s, n = self.split, v["n_train"]
        rows = None if self._eval_rows is None else min(int(self._eval_rows), n)
        # The generator runs np.errstate, a context variable: every next() and its close()
        # run in this one context, whichever task or callback calls them.
        self._context = contextvars.copy_context()
        return train.train_iter(
            s.X_train[:n], s.y_train[:n], s.X_val, s.y_val, hidden=v["hidden"], lr=v["lr"],
            c=v["c"], batch_size=v["batch_size"], epochs=v["epochs"], seed=SEED,
            yield_every=1, train_eval_rows=rows, skip_blank_inputs=True,
            params_mid_epoch=False)      # a look at the clock after every batch costs nothing

    def advance(self, budget=None):
        """Train the current run for about ``budget`` seconds (``chunk_seconds`` by default),
        or up to the end of an epoch; True once it has ended (or if there is none)."""
        record = self.current
        if record is None:
            return True
        budget = self.chunk_seconds if budget is None else budget
        t0, cpu0 = time.perf_counter(), time.thread_time()
        epoch_end, outcome, error, steps = False, None, None, 0
        v = record.values
        measure, n_threads = threads.pinned(self.blas_threads)
        tuner = threads.tuner((min(v["batch_size"], v["n_train"]), self.split.X_train.shape[1],
                               v["hidden"])) if measure else None
        if tuner is not None:
            n_threads = tuner.pick()
        fresh = self._iterator is None
        with threads.limit(n_threads):
            try:
                if fresh:
                    self._iterator = self._make_iterator(record.values)
                while True:
                    try:
                        p = self._context.run(next, self._iterator)
                    except StopIteration:
                        outcome = Outcome.DONE
                        break
                    record.steps += 1
                    steps += 1
                    self._params = p.params
                    if p.epoch_end:
                        record.history, epoch_end = p.history, True
                        break
                    if time.perf_counter() - t0 >= budget:
                        break
            except train.TrainingDiverged as exc:
                outcome, error = Outcome.DIVERGED, exc
                record.history = exc.history
            except Exception as exc:       # shown by the listener, raised by run()/wait()
                outcome, error = Outcome.ERROR, exc
            if outcome is Outcome.DONE:
                s = self.split
                record.test_acc = model.accuracy(s.X_test, s.y_test, self._params)
        record.chunks.append(time.perf_counter() - t0)
        if tuner is not None and not (fresh or epoch_end or outcome):   # steps only
            tuner.record(n_threads, steps, record.chunks[-1], cpu=time.thread_time() - cpu0)
        record.threads.append(n_threads)
        if outcome is not None:
            self._end(outcome, error)
            return True
        if epoch_end:
            self.listener.on_epoch(record)
        return False

    def stop(self, outcome=Outcome.STOPPED):
        """End the current run now (no further batch runs); return its record or None."""
        if self.current is None:
            return None
        return self._end(Outcome(outcome), None)

    def run_to_end(self):
        """Train the current run to its end, blocking; Ctrl-C stops it (and is raised)."""
        try:
            while not self.advance():
                pass
        except BaseException:
            self.stop()
            raise
        return self.records[-1] if self.records else None

    @property
    def elapsed(self):
        """Seconds since the current run started (its duration once it has ended)."""
        r = self.records[-1] if self.records else None
        if r is None:
            return 0.0
        return time.perf_counter() - self._t0 if r.outcome is Outcome.RUNNING else r.seconds

    # ------------------------------------------------------------------ internals
    def _end(self, outcome, error):
        record, self.current = self.current, None
        iterator, self._iterator = self._iterator, None
        if iterator is not None and self._context is not None:
            self._context.run(iterator.close)
        record.outcome, record.error = outcome, error
        record.seconds = time.perf_counter() - self._t0
        self.listener.on_end(record)
        return record


def result_of(record):
    """What run() and wait() give for a run: its History when done, its TrainingDiverged
    when diverged, None when stopped or superseded; an error is raised.

    >>> result_of(None) is None
    True
    """
    if record is None or record.outcome in (Outcome.STOPPED, Outcome.SUPERSEDED,
                                            Outcome.RUNNING):
        return None
    if record.outcome is Outcome.DONE:
        return record.history
    if record.outcome is Outcome.ERROR:
        raise record.error
    return record.error



def status_line(record, elapsed):
    """The explorer's status line for a run: accuracies to two decimals, values as the
    sliders read them; a diverged run says where it stopped.

    >>> r = RunRecord("lr=0.1 h=256 c=1e-4", dict(epochs=10))
    >>> status_line(r, 0.04)
    'lr=0.1 h=256 c=1e-4 \xb7 epoch 0/10 \xb7 0.0 s \xb7 val acc \u2013'
    >>> r.outcome, r.error = Outcome.DIVERGED, train.TrainingDiverged(1, 3, 10.0, r.history, 50.0)
    >>> status_line(r, 0.2)
    'lr=0.1 h=256 c=1e-4 \xb7 diverged in epoch 1, batch 3 \xb7 0.2 s \xb7 val acc \u2013'
    """
    h, n = record.history, record.values["epochs"]
    val = f"{h.val_acc[-1]:.2f}" if len(h) else "\u2013"
    if record.outcome is Outcome.DIVERGED:
        e = record.error
        where = f"diverged in epoch {getattr(e, 'epoch', '?')}, batch {getattr(e, 'batch', '?')}"
        parts = [where, f"{elapsed:.1f} s", f"val acc {val}"]
        return f"{record.label} \u00b7 " + " \u00b7 ".join(parts)
    parts = [f"epoch {len(h)}/{n}", f"{elapsed:.1f} s", f"val acc {val}"]
    head = {Outcome.RUNNING: "", Outcome.DONE: "done: ", Outcome.STOPPED: "stopped: ",
            Outcome.SUPERSEDED: "stopped: ", Outcome.ERROR: "failed: "}[record.outcome]
    if record.outcome is Outcome.DONE:
        parts.append(f"test acc {record.test_acc:.2f}")
    return f"{record.label} \u00b7 {head}" + " \u00b7 ".join(parts)
