r"""Autograding where no submission can forge its points: nbgrader's ``Execute``, sandboxed,
with the verdicts computed outside the student's kernel.

nbgrader decides that a test cell passed when its output holds no error, and the test
cell runs in the kernel that ran the student's code, which can patch anything the cell
relies on. :class:`SandboxedExecute` takes ``Execute``'s place in the course's
``autograde_preprocessors`` (``python -m handin course`` writes it in
``nbgrader_config.py``) and

1. runs the submission in a kernel inside the sandbox (:mod:`handin.course.sandbox`),
   whose copy of handin has the chapter's answers switched off
   (:mod:`handin.course.build`), and executes every cell but the graded test cells;
2. for each test cell of a handin self-check, ``check_backward(my_backward)`` (its source
   is the teacher's: nbgrader's ``OverwriteCells`` put it back), runs the check *here*, in
   nbgrader's own process, with a :class:`~handin.course.remote.Remote` in place of the
   student's function: the problems and the reference stay here, only the function's
   arguments go to the kernel and only its results come back, as data. The visible problem
   and the hidden ones (:attr:`SandboxedExecute.hidden_seeds`, drawn for each course and
   kept in its config, out of the sandbox's sight) are checked;
3. writes the verdict as the test cell's output: the report as text when it passed, as an
   error (no points) when it did not. nbgrader's ``SaveAutoGrades`` then reads it.

A test cell that is not a handin self-check is executed in the kernel as nbgrader does.
Where no sandbox can be had, grading stops with :class:`~handin.course.sandbox.SandboxUnavailable`
unless ``c.SandboxedExecute.unsafe_no_sandbox = True``: the verdicts are still computed
here, but the student's code then runs with the grader's rights.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re
import secrets
import time

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Bool, CInt, Integer, List, Unicode

from . import _rpc, build, remote
from .nbgrader import HIDDEN_SEEDS
from .selfcheck import CheckResult

__all__ = ["SandboxedExecute", "graded_tests", "verdict"]

_TEST = re.compile(r"^(?P<check>check_\w+)\((?P<fn>[A-Za-z_]\w*)\)\.assert_passes\(\)$",
                   re.MULTILINE)


#: checks whose hidden seeds are the test cells' own: check_target trains here, with the
#: student's hyperparameters, and its seed seeds the training alone (no answer can be
#: written for it in advance); the chapter's own setting is known to clear the target there
FIXED_SEEDS = {"check_target": list(HIDDEN_SEEDS)}


def graded_tests(nb):
    """``{cell index: (check, function name)}`` for the test cells of handin's self-checks."""
    found = {}
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            m = _TEST.search(cell.source)
            if m and m["check"] in build._tripwire.FORBID:
                found[i] = (m["check"], m["fn"])
    return found


def verdict(check, fn, channel, seeds):
    """The :class:`~handin.course.selfcheck.CheckResult` of ``check`` on the student's ``fn``
    (reached through ``channel``): the first failure among ``seeds``, else the first pass."""
    from .. import course

    first = None
    for k, seed in enumerate(seeds):
        try:
            result = getattr(course, check)(remote.Remote(channel, fn), seed=seed)
        except remote.NoAnswer as exc:
            result = CheckResult(fn, False, str(exc))
        except Exception as exc:  # noqa: BLE001 - e.g. a class where a function is expected
            result = CheckResult(fn, False, f"could not be checked: {type(exc).__name__}: {exc}")
        if not result.ok:
            if k:
                result.lines.append("(on one of the hidden problems, of other sizes)")
            return result
        first = first or result
    return first


class SandboxedExecute(Execute):
    """nbgrader's ``Execute``, in the sandbox, with handin's checks judged outside it."""

    hidden_seeds = List(CInt(), default_value=list(HIDDEN_SEEDS),
                        help="Seeds of the hidden problems each check also runs.").tag(config=True)
    unsafe_no_sandbox = Bool(False, help="Run submissions WITHOUT a sandbox, with the "
                             "grader's rights (verdicts are still computed outside the "
                             "kernel). Unsafe: for a machine where no sandbox can be had."
                             ).tag(config=True)
    max_output_chars = Integer(1_000_000, help="Output a cell may show; the rest is dropped."
                               ).tag(config=True)
    max_revivals = Integer(3, help="Kernels a submission may lose (to a limit, a crash or "
                           "an endless loop) before its remaining parts fail.").tag(config=True)
    cpus = List(CInt(), default_value=[], help="CPUs the kernel may run on (default: all)."
                ).tag(config=True)

    cache_dir = Unicode("", help="A folder of executed notebooks, by the fingerprint of "
                        "what was executed: a notebook found there is not run again "
                        "(python -m handin grade runs the submissions side by side into it, "
                        "then nbgrader autograde reads them back in order).").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        cached = self._cached(nb)
        if cached and cached.is_file():
            done = nbformat.read(cached, as_version=4)
            nb.cells, nb.metadata = done.cells, done.metadata
            who = (resources or {}).get("nbgrader", {}).get("student", "?")
            self.log.info("handin: %s judged before (%s); its outputs and verdicts reused",
                          who, cached.name)
            return nb, resources
        nb, resources = self._run(nb, resources, km)
        if cached:
            cached.parent.mkdir(parents=True, exist_ok=True)
            part = cached.with_suffix(f".{os.getpid()}.part")
            nbformat.write(nb, part)
            os.replace(part, cached)
        return nb, resources

    def _cached(self, nb):
        """Where the executed ``nb`` is kept in :attr:`cache_dir` (None: no cache)."""
        if not self.cache_dir:
            return None
        import handin

        cells = [[c.cell_type, c.source, c.get("metadata", {}).get("nbgrader")]
                 for c in nb.cells]     # not the ids: a cell nbgrader puts back gets a new one
        key = json.dumps([cells, list(self.hidden_seeds), self.timeout,
                          self.unsafe_no_sandbox, handin.__version__, build.source_digest()])
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return pathlib.Path(self.cache_dir) / f"{digest}.ipynb"

    def _run(self, nb, resources, km):
        self._tests = graded_tests(nb)
        self._build = build.graded_build(sorted({c for c, _ in self._tests.values()}))
        self._budget, self._good, self._revivals, self._booted = {}, [], 0, False
        self._serve = f"_handin_serve_{secrets.token_hex(8)}"
        if not self.unsafe_no_sandbox:
            from . import sandbox
            sandbox.check_available()
        return super().preprocess(nb, resources, km)

    def create_kernel_manager(self):
        if not self.unsafe_no_sandbox:
            from . import sandbox
            self.kernel_manager_class = sandbox.SandboxedKernelManager
        km = super().create_kernel_manager()
        if not self.unsafe_no_sandbox:
            km.build_dir, km.cpus = self._build, list(self.cpus)
        return km

    async def async_start_new_kernel(self, **kwargs):
        if self.unsafe_no_sandbox:    # the build still shadows handin, without a sandbox
            kwargs["env"] = {**os.environ, "PYTHONPATH": self._build, "MPLBACKEND": "Agg"}
        return await super().async_start_new_kernel(**kwargs)

    start_new_kernel = run_sync(async_start_new_kernel)

    def preprocess_cell(self, cell, resources, index):
        if not self._booted:
            self._aside(_rpc.bootstrap_source(self._serve), index)
            self._booted = True
        if self._revivals > self.max_revivals and cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=_NOT_RUN)]
        elif index not in self._tests and cell.cell_type == "code":
            try:
                cell, resources = super().preprocess_cell(cell, resources, index)
                if _timed_out(cell):       # the kernel may still be stuck in it: a fresh one
                    self._revive()
                else:
                    self._good.append(index)
            except (DeadKernelError, CellTimeoutError) as exc:   # dead, or deaf to interrupts
                ename = "CellTimeoutError" if isinstance(exc, CellTimeoutError) else "KernelStopped"
                text = _STUCK if isinstance(exc, CellTimeoutError) else _STOPPED
                cell.outputs.append(nbformat.v4.new_output(
                    "error", ename=ename, evalue=text, traceback=[text]))
                self._revive()
        if index == len(self.nb.cells) - 1:
            for i, (check, fn) in self._tests.items():
                self._judge(self.nb.cells[i], i, check, fn)
        return cell, resources

    def _revive(self):
        """A new kernel that has run the cells that ran well so far (their outputs kept)."""
        self._revivals += 1
        if self._revivals > self.max_revivals:
            return
        run_sync(self.km.restart_kernel)(now=True)
        run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
        self._aside(_rpc.bootstrap_source(self._serve), 0)
        for i in self._good:
            self._aside(self.nb.cells[i].source, i)

    def _aside(self, source, index):
        """Run ``source`` as a cell of its own; the notebook's cell ``index`` is left as it is
        (nbclient puts the cell it ran in its place)."""
        cell, keep = nbformat.v4.new_code_cell(source), self.nb.cells[index]
        try:
            self.execute_cell(cell, index, store_history=False)
        finally:
            self.nb.cells[index] = keep
        return cell

    def handle_comm_msg(self, outs, msg, cell_index):
        """Widgets' messages are not kept: nothing of the grading needs them, and a kernel
        could send them without end."""

    async def async_start_new_kernel_client(self):
        import zmq

        self.km.context.setsockopt(zmq.MAXMSGSIZE, _rpc.MAX_REPLY + 2 ** 20)  # before connecting
        return await super().async_start_new_kernel_client()

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def _judge(self, cell, index, check, fn):
        if self._revivals > self.max_revivals:
            result = CheckResult(fn, False, "not checked: the kernel was stopped too many times.")
        else:
            seeds = FIXED_SEEDS.get(check, self.hidden_seeds)
            result = verdict(check, fn, self._channel(index), [0, *seeds])
        if not result.ok and any("no answer within" in line or "stopped answering" in line
                                 for line in result.lines):
            self._revive()       # the next checks get a kernel that answers
        text = str(result)
        if result.ok:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text + "\n")]
        else:
            cell.outputs = [nbformat.v4.new_output("error", ename="CheckFailed", evalue=text,
                                                   traceback=text.split("\n"))]

    def _channel(self, index):
        """The channel to the kernel for the test cell ``index``: all the calls of its check
        share one :attr:`timeout` (a function that takes a minute a call would otherwise
        hold the grader for a minute times the calls)."""
        deadline = time.monotonic() + self.timeout

        def send(request):
            left = deadline - time.monotonic()
            if left <= 0:
                raise remote.NoAnswer(f"no answer within {self.timeout} s for all the calls of "
                                      "this check (an endless loop, or far too slow).")
            timeout, self.timeout = self.timeout, max(1, int(left))
            try:
                cell = self._aside(_rpc.request_source(request, self._serve), index)
            except Exception as exc:  # noqa: BLE001 - a dead kernel, a lost connection
                raise remote.NoAnswer(f"the kernel stopped answering ({type(exc).__name__}: "
                                      f"{exc}); a memory or process limit, or a crash.") from None
            finally:
                self.timeout = timeout
            answers = [o["data"][_rpc.MIME] for o in cell.outputs
                       if o.get("output_type") == "display_data" and _rpc.MIME in o.get("data", {})]
            if len(answers) != 1:
                timed_out = _timed_out(cell)
                raise remote.NoAnswer(
                    f"no answer within {self.timeout} s (an endless loop?)." if timed_out else
                    "no answer from the kernel (its output was changed or cut).")
            answer = answers[0]
            if isinstance(answer, str):
                answer = json.loads(answer) if len(answer) <= _rpc.MAX_REPLY else None
            return answer
        return send

    def output(self, outs, msg, display_id, cell_index):
        """Keep at most :attr:`max_output_chars` of a cell's output (a flood is dropped)."""
        key = id(outs)
        used = self._budget.get(key, 0)
        content = msg.get("content", {})
        size = len(content["text"]) if "text" in content else len(json.dumps(content))
        limit = max(self.max_output_chars, _rpc.MAX_REPLY if _is_rpc(msg) else 0)
        self._budget[key] = used + size
        if used + size > limit:
            if used <= limit:
                outs.append(nbformat.v4.new_output(
                    "stream", name="stdout", text=f"[output cut at {limit} characters]\n"))
                self._budget[key] = limit + 1 + size
            return None
        return super().output(outs, msg, display_id, cell_index)


_STOPPED = ("The kernel was stopped while running this cell (a memory, process or time "
            "limit of the grader's sandbox, or a crash); the cells after it ran in a new kernel.")


_STUCK = ("This cell did not end within the time a cell may take, nor when it was "
          "interrupted; the cells after it ran in a new kernel.")
_NOT_RUN = "Not run: the kernel was stopped too many times in the cells above.\n"


def _timed_out(cell):
    return any(o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError"
               for o in cell.get("outputs", []))


def _is_rpc(msg):
    return msg.get("msg_type") == "display_data" and _rpc.MIME in msg.get("content", {}).get(
        "data", {})
