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
(``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``) is left as it is. Threads are limited only while handin trains (threadpoolctl), and put
back after.

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

__all__ = ["choose", "resolve", "limit", "pinned", "Tuner", "TTL", "ENV", "LIBRARY_ENV"]

#: seconds a measured choice is kept for the same sizes
TTL = 10.0
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
        first); the mean decides, and a tie goes to fewer threads.
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
    return min(candidates, key=lambda c: (statistics.fmean(times[c]), c))


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
    keeps trying the others: one chunk in ``explore_every``, or one in ``4 * explore_every``
    when the best is at least 1.25 times as fast (a slower chunk, or a stall under load, is
    then rarely paid again: in JupyterLab, trying two threads one chunk in eight made runs
    about 8 % slower than one thread alone).

    Parameters
    ----------
    candidates : sequence of int, optional
        Numbers of threads; default 1 and the cores this process may run on.
    warmup : int, default=2
    explore_every : int, default=8
    weight : float, default=0.3
        Weight of a new chunk in the average.

    Examples
    --------
    >>> t = Tuner([1, 2])
    >>> for _ in range(12):
    ...     n = t.pick()
    ...     t.record(n, steps=10, seconds=0.004 if n == 1 else 0.002)
    >>> t.best(), t.tried
    (2, {1: 2, 2: 10})
    """

    def __init__(self, candidates=None, *, warmup=2, explore_every=8, weight=0.3):
        self.candidates = sorted(set(candidates or _candidates()))
        if not self.candidates or any(int(c) < 1 for c in self.candidates):
            raise ValueError(f"candidates must be numbers of threads >= 1, got {candidates}")
        self.warmup, self.explore_every, self.weight = int(warmup), int(explore_every), weight
        self.per_step = {c: None for c in self.candidates}    # seconds per step, averaged
        self.tried = {c: 0 for c in self.candidates}          # chunks recorded per candidate
        self.picks = 0
        self._last = {c: 0 for c in self.candidates}          # pick number of the last try

    def best(self):
        """The candidate with the fewest seconds per step so far (ties: fewer threads)."""
        known = [c for c in self.candidates if self.per_step[c] is not None]
        if not known:
            return self.candidates[0]
        return min(known, key=lambda c: (self.per_step[c], c))

    def pick(self):
        """The number of threads for the next chunk."""
        self.picks += 1
        new = [c for c in self.candidates if self.tried[c] < self.warmup]
        if new:
            choice = min(new, key=lambda c: (self.tried[c], c))
        else:
            best = self.best()
            others = [c for c in self.candidates if c != best]
            slowest = max(self.per_step[c] for c in others) if others else 0.0
            every = self.explore_every * (4 if slowest >= 1.25 * self.per_step[best] else 1)
            stale = min(others, key=lambda c: self._last[c]) if others else best
            choice = stale if others and self.picks - self._last[stale] > every else best
        self._last[choice] = self.picks
        return choice

    def record(self, threads, steps, seconds):
        """``steps`` training steps took ``seconds`` on ``threads`` threads (a chunk with no
        step, or one that did other work too, is better not recorded)."""
        if threads not in self.per_step or steps < 1:
            return
        rate = float(seconds) / steps
        old = self.per_step[threads]
        self.per_step[threads] = rate if old is None else (1 - self.weight) * old + self.weight * rate
        self.tried[threads] += 1


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
