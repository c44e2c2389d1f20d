"""Grade a class: N students hand in every graded chapter (1, 2, 3, 4, 7, 8), and
``python -m handin grade`` grades each chapter, sandboxed, on every core, into the
course's one gradebook.

    python benchmarks/grade_class.py [--submissions 150] [--chapters 01,02,...] [--keep DIR]

The submissions are a realistic mix (:func:`class_mix`) of the cases of
tests/course/course_cases.py, per chapter: each odd case once (a blank release, a stub
left, a syntax error, a deleted, edited or retyped test cell, a redefined check, a call
into handin, a cell that spins until the timeout, a notebook that is not JSON), each
hostile case once (patched checks, modules and numpy; handin's answer reached by a
default argument, a closure, a copy of its code, another module; in chapter 2 the attacks
on the grader: reading, writing, deleting, a socket, a memory bomb, a fork bomb, a flood,
a cell that ignores interrupts), a third of the class with one of the mistakes the
self-checks name, and the rest right.

Every submission carries a note of its own, so that no two are the same (the grader
judges a notebook it has seen before only once). Prints the seconds per chapter (setup
apart), the total, and how many grades match their expected points. The goal (issue #24): six chapters for 150 students in 30 minutes on a
2-core machine.
"""

from __future__ import annotations

import argparse
import pathlib
import socket
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "course"))
import course_cases as cc  # noqa: E402
from handin.course import grade  # noqa: E402

CHAPTERS = (cc.CH1, cc.CH2, cc.CH3, cc.CH4, cc.CH6, cc.CH7, cc.CH8)
# The cases a class hands in once at most: everything but the right answer and the
# mistakes the self-checks name.
ODD = {"release", "stub left", "syntax error", "deleted test cell", "edited test cell",
       "redefined check", "calls handin", "never ends", "not JSON", "cell type changed"}
# A student's endless loop spins (the tests' one waits, to leave the cores to the others).
SPINS = "while True:   # a cell that never ends\n    pass"


def spinning(case):
    """``case`` with its never-ending cell spinning instead of waiting."""
    return case._replace(edits=tuple(
        (kind, cell, SPINS) if rest == [cc.NEVER_ENDS] else (kind, cell, *rest)
        for kind, cell, *rest in case.edits))


def class_mix(n, assignment, extra=()):
    """``n`` (student id, case) pairs for ``assignment``: each odd and hostile case once (and
    ``extra``), a third of the class with a named mistake (in turn), the rest right."""
    cases = [spinning(case) for case in cc.CASES if case.assignment == assignment]
    right = next(case for case in cases if case.name == "solutions")
    odd = [c for c in cases if c.name in ODD or c in cc.HOSTILE] + list(extra)
    mistakes = [c for c in cases if c not in odd and c is not right and c not in cc.HOSTILE]
    chosen = odd[:n] + [mistakes[i % len(mistakes)] for i in range(n // 3)]
    chosen += [right] * (n - len(chosen))
    return [(f"s{i:03d}", case) for i, case in enumerate(chosen[:n])]


def own_note(path, sid):
    """A note of the student's own at the end of the notebook: no two submissions are the
    same, as in a real class (the grader judges a notebook it has judged before only once)."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - the notebook that is not JSON stays as it is
        return
    nb.cells.append(nbformat.v4.new_markdown_cell(f"Notes of {sid}."))
    nbformat.write(nb, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=150)
    parser.add_argument("--chapters", default=",".join(c[:2] for c in CHAPTERS),
                        help="the chapters' numbers, e.g. 02,03")
    parser.add_argument("--keep", type=pathlib.Path, default=None,
                        help="build the course in this folder and keep it")
    args = parser.parse_args(argv)
    chapters = [c for c in CHAPTERS if c[:2] in args.chapters.split(",")]
    tmp = None if args.keep else tempfile.TemporaryDirectory()
    root = args.keep or pathlib.Path(tmp.name)
    server = socket.create_server(("127.0.0.1", 0))     # what the socket attack aims at

    t0 = time.perf_counter()
    course = cc.make_course(root / "course", assignments=chapters)
    expected = {}
    for a in chapters:
        home = root / "teachers-file"
        home.write_text("the teacher's")
        extra = cc.attack_cases(course, server.getsockname()[1], home) if a == cc.CH2 else ()
        for sid, case in class_mix(args.submissions, a, extra):
            cc.hand_in(course, [case], student=lambda _case, sid=sid: sid)
            own_note(course / "submitted" / sid / a / f"{a}.ipynb", sid)
            expected[sid, a] = case.points
    print(f"setup (course, generate_assignment, {len(expected)} submissions written): "
          f"{time.perf_counter() - t0:.0f} s")

    total = 0.0
    for a in chapters:
        t = time.perf_counter()
        done = grade.grade(course, a)
        seconds = time.perf_counter() - t
        total += seconds
        print(f"{a}: {done['students']} submissions, {done['workers']} side by side: "
              f"{seconds:.0f} s ({seconds / done['students']:.2f} s each)", flush=True)
    got = cc.grades(course)
    right = sum(got.get(key) == points for key, points in expected.items())
    wrong = sorted(key for key, points in expected.items() if got.get(key) != points)
    print(f"all {len(chapters)} chapters: {total:.0f} s ({total / 60:.1f} min) for "
          f"{len(expected)} submissions")
    print(f"grades matching their expected points: {right}/{len(expected)}")
    if wrong:
        print("mismatches:", [(k, got.get(k), expected[k]) for k in wrong[:10]])
    server.close()
    if tmp:
        tmp.cleanup()
    return 0 if right == len(expected) else 1


if __name__ == "__main__":
    sys.exit(main())
