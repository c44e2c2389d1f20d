"""Grading a class: every submission of an assignment, sandboxed, on every core, into the
course's one gradebook (``python -m handin grade ASSIGNMENT``).

nbgrader grades one submission after another, in one process, against one
``gradebook.db``. :func:`grade` does it in two passes:

1. **Side by side.** The submissions are dealt to one worker per core. A worker is a
   plain ``nbgrader autograde`` in a scratch course of its own (the course's source and
   config, a copy of its gradebook, the worker's students' submissions), pinned to its
   core, kernels included. Its :class:`~handin.course.autograde.SandboxedExecute` keeps
   each executed notebook, outputs and verdicts, in the course's cache
   (``.handin/cache/<assignment>/``), by the fingerprint of what it ran.
2. **In order.** ``nbgrader autograde`` in the course itself, with the same cache: each
   notebook is found there and not run again, and nbgrader records the grades, the late
   penalties and the autograded notebooks in the course's gradebook as usual, so that
   Formgrader, ``generate_feedback`` and ``export`` work after it.

A notebook whose fingerprint is not in the cache (a submission changed since) is run in
the second pass, sandboxed as well. The cache is the grader's: the sandbox never sees the
course folder.
"""

from __future__ import annotations

import logging
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

__all__ = ["grade", "submissions", "unsafe", "GradingError"]

log = logging.getLogger(__name__)


class GradingError(ValueError):
    """A course folder, assignment or student that cannot be graded."""


def submissions(course, assignment, student=None):
    """The students with a submission of ``assignment``, sorted (only ``student`` if given)."""
    course = pathlib.Path(course)
    if not (course / "nbgrader_config.py").is_file():
        raise GradingError(f"course: {course} holds no nbgrader_config.py; run this in the course "
                           "folder that python -m handin course wrote, or pass --course DIR.")
    if not (course / "source" / assignment).is_dir():
        known = sorted(p.name for p in (course / "source").glob("*") if p.is_dir())
        raise GradingError(f"assignment: no {assignment!r} in {course / 'source'}; the "
                           f"assignments are {', '.join(known) or 'none'}.")
    found = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{assignment}")
                   if p.is_dir())
    if student is not None:
        if student not in found:
            raise GradingError(f"student: {student!r} has no submission of {assignment}.")
        found = [student]
    return found


def unsafe(course):
    """Whether ``course``'s config grades without a sandbox (``unsafe_no_sandbox``)."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    return bool(config.SandboxedExecute.get("unsafe_no_sandbox", False))


def _env():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
    env["PATH"] = os.pathsep.join([str(pathlib.Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _nbgrader(folder, args, cpu=None, log_file=None):
    def pin():
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
    return subprocess.Popen([sys.executable, "-m", "nbgrader", *args], cwd=folder, env=_env(),
                            stdout=log_file or subprocess.DEVNULL,
                            stderr=subprocess.STDOUT if log_file else subprocess.DEVNULL,
                            preexec_fn=pin if cpu is not None else None)


def _worker_course(course, scratch, students, assignment):
    """A scratch course for one worker: links to the course's source and the students'
    submissions, copies of its config and gradebook."""
    scratch.mkdir(parents=True)
    os.symlink(course / "source", scratch / "source")
    for name in ("nbgrader_config.py", "gradebook.db"):
        if (course / name).exists():
            shutil.copy2(course / name, scratch / name)
    for student in students:
        (scratch / "submitted" / student).mkdir(parents=True)
        os.symlink(course / "submitted" / student / assignment,
                   scratch / "submitted" / student / assignment)


def grade(course, assignment, *, student=None, workers=None, force=False):
    """Grade ``assignment``'s submissions (or ``student``'s) into ``course``'s gradebook.

    Parameters
    ----------
    course : str or os.PathLike
        The course folder (``nbgrader_config.py``, ``source/``, ``submitted/``).
    assignment : str
        The assignment, e.g. ``"02_forward_backward"``.
    student : str, optional
        One student only.
    workers : int, optional
        Submissions graded side by side in the first pass (default: the cores this process
        may use, at most the number of submissions).
    force : bool, default=False
        Grade again submissions that are graded already (nbgrader's ``--force``).

    Returns
    -------
    dict
        ``students`` and ``workers``; ``reused``, the notebooks the second pass took from the
        first; ``failed_side_by_side``, the submissions the first pass could not grade (the
        second tries them again); nbgrader's ``returncode`` and ``log`` of the second pass.
    """
    course = pathlib.Path(course).resolve()
    students = submissions(course, assignment, student)
    if not students:
        raise GradingError(f"assignment: no submission of {assignment} in {course / 'submitted'}.")
    cpus = sorted(os.sched_getaffinity(0))
    workers = max(1, min(workers or len(cpus), len(students)))
    cache = course / ".handin" / "cache" / assignment
    flag = [f"--SandboxedExecute.cache_dir={cache}"]
    with tempfile.TemporaryDirectory(prefix="handin-grade-") as tmp:
        runs = []
        for k in range(workers):
            mine = students[k::workers]
            scratch = pathlib.Path(tmp) / f"worker{k}"
            _worker_course(course, scratch, mine, assignment)
            cpu = cpus[k % len(cpus)]
            log_file = open(scratch / "autograde.log", "w", encoding="utf-8")
            runs.append((_nbgrader(scratch, ["autograde", assignment, "--force", *flag,
                                             f"--SandboxedExecute.cpus={cpu}"],
                                   cpu=cpu, log_file=log_file), log_file))
        side_by_side = []
        for run, log_file in runs:
            run.wait()
            log_file.close()
            side_by_side += [line for line in open(log_file.name, encoding="utf-8")
                             if "There was an error processing assignment '" in line]
        args = ["autograde", assignment, *flag, *(["--student", student] if student else []),
                *(["--force"] if force else [])]
        final = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=_env(),
                               capture_output=True, text=True)
    reused = final.stderr.count("; its outputs and verdicts reused")
    log.info("graded %d submission(s) of %s with %d worker(s); %d judged side by side",
             len(students), assignment, workers, reused)
    if final.returncode:
        log.warning("nbgrader autograde said:\n%s", final.stderr[-4000:])
    return {"students": len(students), "workers": workers, "reused": reused,
            "failed_side_by_side": len(side_by_side), "returncode": final.returncode,
            "log": final.stderr}
