"""One job at a time on the kernel's asyncio loop: debounce, cancel, latest wins.

A :class:`Scheduler` runs coroutine jobs as tasks of the running event loop (in a Jupyter
kernel, the kernel's own loop: no threads). A new request cancels the job in progress
and starts the new one

* at once (on the loop's next turn) if no request came in the last ``debounce`` seconds:
  a single committed change (a slider released, a Train click) is not delayed;
* otherwise once ``debounce`` seconds have passed without a further request: a burst
  (keys held down, a loop of ``set`` calls) starts one job, with the latest values.

The first request of a burst has then started a job that the second cancels: the caller
can tell by :meth:`Scheduler.in_burst`, which is True while requests come closer than
``debounce``, and by :meth:`Scheduler.recent` just before a request (the explorer counts a
run replaced that soon as "superseded", not as started).
"""

from __future__ import annotations

import asyncio
import time

__all__ = ["Scheduler"]


class Scheduler:
    """Debounced, cancellable, latest-wins runner of coroutine jobs.

    Parameters
    ----------
    debounce : float
        Seconds; see the module docstring.
    clock : callable, default=time.monotonic

    Attributes
    ----------
    n_requests, n_jobs_started : int
        Requests made, and jobs whose coroutine began (after their delay).
    """

    def __init__(self, debounce, clock=time.monotonic):
        self.debounce = float(debounce)
        self.clock = clock
        self.task = None             # the task of the latest request
        self.n_requests = self.n_jobs_started = 0
        self._last_request = -float("inf")
        self._previous_request = -float("inf")

    @property
    def busy(self):
        """True while the latest job is waiting or running."""
        return self.task is not None and not self.task.done()

    def recent(self):
        """True if the latest request came less than ``debounce`` s ago."""
        return self.clock() - self._last_request < self.debounce

    def in_burst(self):
        """True if the latest request came less than ``debounce`` s after the one before."""
        return self._last_request - self._previous_request < self.debounce

    def request(self, job, *, delay=None):
        """Cancel the job in progress and schedule ``job()`` (a coroutine function).

        ``delay`` overrides the debounce rule (0: start at once). Returns the new task, or
        None if no event loop is running (nothing is scheduled then).
        """
        self.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        now = self.clock()
        self._previous_request, self._last_request = self._last_request, now
        self.n_requests += 1
        if delay is None:
            delay = self.debounce if self.in_burst() else 0.0
        self.task = loop.create_task(self._run(job, float(delay)))
        return self.task

    async def _run(self, job, delay):
        if delay > 0:
            await asyncio.sleep(delay)
        self.n_jobs_started += 1
        await job()

    def cancel(self):
        """Cancel the latest job (waiting or running); return its task if it was live."""
        task, self.task = self.task, None
        if task is not None and not task.done():
            task.cancel()
            return task
        return None

    async def wait(self):
        """Wait until the latest job has ended, following any that replace it."""
        while self.busy:
            await asyncio.wait([self.task])
