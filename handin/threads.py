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

Pinning it: ``HANDIN_BLAS_THREADS=N`` in the environment (read, never set, by handin), or
``threads=N`` where a function takes it (:func:`handin.fit`, the explorer's
``blas_threads``). Threads are limited only while handin trains (threadpoolctl), and put
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

__all__ = ["choose", "resolve", "limit", "TTL", "ENV"]

#: seconds a measured choice is kept for the same sizes
TTL = 10.0
#: the environment variable that pins the number of threads
ENV = "HANDIN_BLAS_THREADS"

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


def resolve(threads, shape, *, dtype=np.float32, now=time.monotonic, **choose_kw):
    """The number of BLAS threads to train with: ``threads`` if it is an int, None to leave
    them as they are, or for ``"auto"`` the environment's pin (:data:`ENV`) or else
    :func:`choose` for ``shape = (n, d, h)``, measured at most once per :data:`TTL` seconds
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
