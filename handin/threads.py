"""How many BLAS threads training uses: the fastest for its matrix sizes, measured now.

One number of threads is not right everywhere. On a quiet 2-core machine the step's product
``(32, 784) @ (784, 256)`` runs about 4x faster on two threads than on one; on the same
machine shared with other work, one thread is about 3x faster, because busy cores make
OpenBLAS's threads wait for each other: measured here at load 6, the same products took
0.3 ms on one thread and, on two, 0.25 ms in some calls and 40 to 108 ms in others. So
:func:`choose` times the step's two large products under each candidate number of threads,
in interleaved rounds within a small budget of time, and takes the fastest by the **mean**
(a training run pays for every stall, so the median would hide them); the answer is kept
:data:`TTL` seconds for the same sizes, since the load changes.

A run that trains in chunks (the explorer) does better still: a :class:`Tuner` times the
chunks themselves, steps per second under each number of threads while the run trains, so
what it measures includes whatever else the machine does meanwhile (a browser drawing the
run's chart on the other core, other students' kernels), and it keeps trying the other
numbers now and then, since the load changes.

Pinning it: ``HANDIN_BLAS_THREADS=N`` in the environment (read, never set, by handin), or
``threads=N`` where a function takes it (:func:`handin.fit`, the explorer's
``blas_threads``). A number of threads the environment already sets for the library
(``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``) is left as it is.
Threads are limited through threadpoolctl, never the environment: by handin's functions
only while they train, and put back after; for numpy as a whole only by :func:`share`,
which every chapter calls in the open (a student's own loop is plain numpy, and on a
shared machine two threads can make it many times slower).

Examples
--------
>>> with limit(1):
...     pass
>>> resolve(2, (32, 784, 256))
2
>>> resolve(None, (32, 784, 256)) is None
True
"""

from __future__ import annotations

import contextlib
import os
import statistics
import threading
import time

import numpy as np

__all__ = ["choose", "resolve", "limit", "pinned", "share", "Tuner", "TTL", "MARGIN", "ENV",
           "LIBRARY_ENV"]

#: seconds a measured choice is kept for the same sizes
TTL = 10.0
#: more threads are chosen only when at least this much faster than fewer: a second thread
#: takes a core a browser or a classmate may need, and near-ties measured again and again
#: would otherwise flip-flop
MARGIN = 1.1
#: the environment variable that pins the number of threads
ENV = "HANDIN_BLAS_THREADS"
#: the variables by which the environment already chose for the BLAS library
LIBRARY_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

_lock = threading.Lock()
_cache = {}        # (n, d, h, dtype name) -> (monotonic time, threads)
_controller = None


def _threadpools():
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController
        _controller = ThreadpoolController()
    return _controller


def limit(threads):
    """A context manager that runs its block on ``threads`` BLAS threads (None: as they are),
    and puts the previous number back after."""
    if threads is None:
        return contextlib.nullcontext()
    return _threadpools().limit(limits=int(threads), user_api="blas")


def _candidates():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return sorted({1, max(1, cores or 1)})


def _time_products(n, d, h, dtype, threads, rng, timer):
    X = rng.random((n, d), dtype=np.float64).astype(dtype)
    W = rng.random((d, h), dtype=np.float64).astype(dtype)
    dZ = rng.random((n, h), dtype=np.float64).astype(dtype)
    with limit(threads):                     # not warmed: a run pays for waking threads too
        t0 = timer()
        X @ W
        X.T @ dZ
        return timer() - t0


def choose(n, d, h, *, dtype=np.float32, candidates=None, rounds=7, budget=0.03,
           timer=time.perf_counter, measure=None):
    """The number of BLAS threads that runs the step's products fastest now.

    Parameters
    ----------
    n, d, h : int
        Batch size, input features, hidden units: the products ``(n, d) @ (d, h)`` and
        ``(d, n) @ (n, h)`` of a training step are timed.
    dtype : numpy dtype, default=numpy.float32
    candidates : sequence of int, optional
        Numbers of threads to try; default 1 and the cores this process may run on.
    rounds : int, default=7
        At most this many interleaved rounds (every candidate once per round, fewest threads
        first); the mean decides, and more threads must beat fewer by :data:`MARGIN`.
    budget : float, default=0.03
        Seconds of measured time after which no further round starts; so does a first round
        in which one candidate took 5 times another's time (a stall under load is decisive).
    timer : callable, default=time.perf_counter
    measure : callable, optional
        ``measure(threads) -> seconds`` instead of timing the products (for tests).

    Returns
    -------
    int
    """
    candidates = sorted(set(candidates or _candidates()))
    if any(int(c) < 1 for c in candidates):
        raise ValueError(f"candidates must be numbers of threads >= 1, got {candidates}")
    if len(candidates) == 1:
        return candidates[0]
    if measure is None:
        rng = np.random.default_rng(0)

        def measure(threads):
            return _time_products(n, d, h, dtype, threads, rng, timer)
    times = {c: [] for c in candidates}
    for k in range(max(1, int(rounds))):
        for c in candidates:
            times[c].append(measure(c))
        firsts = [t[0] for t in times.values()]
        if sum(map(sum, times.values())) > budget or (k == 0 and max(firsts) > 5 * min(firsts)):
            break
    return fewest_within_margin({c: statistics.fmean(t) for c, t in times.items()})


def fewest_within_margin(seconds):
    """The fewest threads whose time (a dict ``threads -> seconds``) is within
    :data:`MARGIN` of the fastest's.

    >>> fewest_within_margin({1: 1.05, 2: 1.0}), fewest_within_margin({1: 1.2, 2: 1.0})
    (1, 2)
    """
    fastest = min(seconds.values())
    return min(c for c, t in seconds.items() if t <= MARGIN * fastest)


def pinned(threads):
    """What ``threads`` (``"auto"``, None or an int) leaves to measure: ``(False, n)`` when
    the number is decided without measuring (an int, None, :data:`ENV` or one of
    :data:`LIBRARY_ENV` in the environment: see :func:`resolve`), ``(True, None)`` when it
    is for measurement.

    Raises
    ------
    ValueError
        As :func:`resolve`.

    >>> pinned(2), pinned(None)
    ((False, 2), (False, None))
    """
    if isinstance(threads, str) and threads == "auto":
        pin = os.environ.get(ENV, "").strip()
        if pin:
            if not pin.isdigit() or int(pin) < 1:
                raise ValueError(f"{ENV} must be an integer >= 1, got {pin!r}")
            return False, int(pin)
        if any(os.environ.get(name, "").strip() for name in LIBRARY_ENV):
            return False, None
        return True, None
    return False, resolve(threads, (1, 1, 1))


class Tuner:
    """Chooses the number of BLAS threads from the work itself, chunk by chunk.

    The caller asks :meth:`pick` before a chunk of training steps, runs them on that many
    threads, and tells :meth:`record` how many steps took how long. The Tuner first tries
    each candidate on ``warmup`` chunks, in turn, then picks the one with the fewest seconds
    per step (an exponential average, so that the load of the last seconds counts most), and
    keeps trying the others, with a back-off: one chunk after ``explore_every``, and each
    time a try finds one still slower, twice as long a wait (up to ``max_every`` chunks); a
    new fastest starts the waits over. A try's own figure replaces its candidate's older
    one, which may be seconds old. A losing try is not only its own slower chunk: on
    two threads, OpenBLAS's second thread then spins for about 0.1 s, on a core a browser
    or a classmate needed (in JupyterLab, about 0.1 s of CPU a try). And when the chunks on
    the fewest threads get less than ``crowded`` of a core (their thread's CPU time over
    their wall time, if the caller gives it), other processes already want more cores than
    there are: more threads are not tried (nor warmed up) until that changes.

    Parameters
    ----------
    candidates : sequence of int, optional
        Numbers of threads; default 1 and the cores this process may run on.
    warmup : int, default=2
    explore_every : int, default=8
    max_every : int, default=256
        The longest wait between two tries of a slower candidate (chunks): how long a
        change of the machine's load can go unnoticed (about 5 s of training).
    weight : float, default=0.3
        Weight of a new chunk in the average (and in that of the core's share).
    crowded : float, default=0.6

    Examples
    --------
    >>> t = Tuner([1, 2])
    >>> for _ in range(12):
    ...     n = t.pick()
    ...     t.record(n, steps=10, seconds=0.004 if n == 1 else 0.002)
    >>> t.best(), t.tried
    (2, {1: 3, 2: 9})
    >>> t.wait
    {1: 16, 2: 8}
    """

    def __init__(self, candidates=None, *, warmup=2, explore_every=8, max_every=256,
                 weight=0.3, crowded=0.6):
        self.candidates = sorted(set(candidates or _candidates()))
        if not self.candidates or any(int(c) < 1 for c in self.candidates):
            raise ValueError(f"candidates must be numbers of threads >= 1, got {candidates}")
        self.warmup, self.explore_every, self.weight = int(warmup), int(explore_every), weight
        self.max_every = max(self.explore_every, int(max_every))
        self.per_step = {c: None for c in self.candidates}    # seconds per step, averaged
        self.tried = {c: 0 for c in self.candidates}          # chunks recorded per candidate
        self.picks = 0
        self._last = {c: 0 for c in self.candidates}          # pick number of the last try
        self.wait = {c: self.explore_every for c in self.candidates}   # chunks between tries
        self._leader = None                                   # best() after the last record
        self.crowded, self.cpu_share = float(crowded), None   # of a core, averaged

    def best(self):
        """The candidate with the fewest seconds per step so far; more threads must beat
        fewer by :data:`MARGIN` (near-ties go to fewer threads, and do not flip-flop)."""
        known = {c: self.per_step[c] for c in self.candidates if self.per_step[c] is not None}
        if not known:
            return self.candidates[0]
        return fewest_within_margin(known)

    def pick(self):
        """The number of threads for the next chunk."""
        self.picks += 1
        fewest = self.candidates[0]
        crowded = self.cpu_share is not None and self.cpu_share < self.crowded
        allowed = [c for c in self.candidates if not (crowded and c > fewest)]
        new = [c for c in allowed if self.tried[c] < self.warmup]
        if new:
            choice = min(new, key=lambda c: (self.tried[c], c))
        else:
            best = self.best()
            others = [c for c in allowed if c != best]
            stale = min(others, key=lambda c: self._last[c]) if others else best
            due = others and self.picks - self._last[stale] > self.wait[stale]
            choice = stale if due else best
        self._last[choice] = self.picks
        return choice

    def record(self, threads, steps, seconds, cpu=None):
        """``steps`` training steps took ``seconds`` on ``threads`` threads, and ``cpu``
        seconds of the calling thread's CPU time if given (a chunk with no step, or one
        that did other work too, is better not recorded)."""
        if threads not in self.per_step or steps < 1:
            return
        if cpu is not None and threads == self.candidates[0] and seconds > 0:
            got = min(1.0, float(cpu) / seconds)
            self.cpu_share = got if self.cpu_share is None else (
                (1 - self.weight) * self.cpu_share + self.weight * got)
        rate = float(seconds) / steps
        old = self.per_step[threads]
        if old is None or (self._leader is not None and threads != self._leader):
            self.per_step[threads] = rate       # a try: its last average may be seconds old
        else:
            self.per_step[threads] = (1 - self.weight) * old + self.weight * rate
        self.tried[threads] += 1
        if self.tried[threads] <= self.warmup:     # warming up: not a try
            return
        leader = self.best()
        if leader != self._leader:               # a new fastest: try the others soon again
            self.wait = {c: self.explore_every for c in self.candidates}
        elif threads != leader:                  # a try that lost: wait twice as long
            self.wait[threads] = min(2 * self.wait[threads], self.max_every)
        self._leader = leader


_tuners = {}       # (n, d, h, dtype name) -> Tuner, shared by the runs of this process


def tuner(shape, dtype=np.float32, name=""):
    """The process's :class:`Tuner` for training steps of sizes ``shape = (n, d, h)`` (and
    ``name``: steps of another kind are timed apart)."""
    key = (*(int(s) for s in shape), np.dtype(dtype).name, name)
    with _lock:
        if key not in _tuners:
            _tuners[key] = Tuner()
        return _tuners[key]


def resolve(threads, shape, *, dtype=np.float32, now=time.monotonic, **choose_kw):
    """The number of BLAS threads to train with: ``threads`` if it is an int, None to leave
    them as they are, or for ``"auto"`` the environment's pin (:data:`ENV`) or else
    :func:`choose` for ``shape = (n, d, h)``, measured at most once per :data:`TTL` seconds;
    None too for ``"auto"`` when one of :data:`LIBRARY_ENV` is set (the caller's choice)
    (None if a size is not an integer >= 1: the caller's validation reports it).

    Raises
    ------
    ValueError
        If ``threads`` is not ``"auto"``, None or an integer >= 1, or the environment's pin
        is not an integer >= 1.
    """
    if threads is None:
        return None
    if isinstance(threads, str):
        if threads != "auto":
            raise ValueError(f"threads must be 'auto', None or an integer >= 1, got {threads!r}")
        pinned = os.environ.get(ENV, "").strip()
        if pinned:
            if not pinned.isdigit() or int(pinned) < 1:
                raise ValueError(f"{ENV} must be an integer >= 1, got {pinned!r}")
            return int(pinned)
        if any(os.environ.get(name, "").strip() for name in LIBRARY_ENV):
            return None
        if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1
                   for s in shape):
            return None          # sizes the caller rejects, with their own message
        key = (*(int(s) for s in shape), np.dtype(dtype).name)
        with _lock:
            when, chosen = _cache.get(key, (None, None))
            if when is None or now() - when > TTL:
                chosen = choose(*key[:3], dtype=dtype, **choose_kw)
                _cache[key] = (now(), chosen)
        return chosen
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads must be 'auto', None or an integer >= 1, got {threads!r}")
    return int(threads)


_sharing = None    # while share() is on: (the IPython shell or None, its hook, the limiter)


def share(on=True, *, shape=(32, 784, 256), dtype=np.float64, shell=None):
    """Run numpy's matrix products, yours included, on the number of BLAS threads measured
    fastest now (:func:`resolve` for ``shape``): before every cell of this notebook, at most
    one measurement per :data:`TTL` seconds. ``share(False)`` puts the number back.

    On a machine shared with classmates, a product on two threads can take a hundred times
    as long as on one (a room of eight kernels on two cores: one epoch of chapter 3's loop,
    0.13 s alone, took 17 s); alone on a quiet machine, two threads can be the faster.
    Outside IPython, the choice is made once. ``HANDIN_BLAS_THREADS`` pins it; with one of
    :data:`LIBRARY_ENV` set, nothing is changed.

    Parameters
    ----------
    on : bool, default=True
    shape : (n, d, h), default=(32, 784, 256)
        The products ``(n, d) @ (d, h)`` and ``(d, n) @ (n, h)`` timed: a training step's.
    dtype : numpy dtype, default=numpy.float64
    shell : IPython shell, optional
        Default: the running one (``IPython.get_ipython()``), if any.
    """
    global _sharing
    if _sharing is not None:                       # off first: one hook, one limiter
        ip, hook, limiter = _sharing
        _sharing = None
        if ip is not None:
            ip.events.unregister("pre_run_cell", hook)
        limiter.restore_original_limits()
    if not on:
        return
    if shell is None:
        try:
            from IPython import get_ipython
            shell = get_ipython()
        except ImportError:
            shell = None
    original = _threadpools().limit(limits=None, user_api="blas")   # changes nothing

    def hook(*_):
        n = resolve("auto", shape, dtype=dtype)
        if n is not None:
            _threadpools().limit(limits=int(n), user_api="blas")    # kept: no with-block

    hook()
    if shell is not None:
        shell.events.register("pre_run_cell", hook)
    _sharing = (shell, hook, original)
