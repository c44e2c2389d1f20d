"""Autograde a class: 150 submissions of chapters 1 and 2 with nbgrader, in parallel.

    python benchmarks/grade_class.py [--submissions 150] [--workers 3] [--keep DIR]

nbgrader autogrades one submission at a time, each in a fresh kernel, and keeps its
gradebook in one sqlite file, so one ``nbgrader autograde`` cannot use a second core.
This script runs W workers side by side, each an ``nbgrader autograde`` process in its
own copy of the course (its own gradebook.db), with the students dealt out round-robin;
then each worker's ``nbgrader export`` gives its grades.csv, and the rows are merged
into one grades.csv. The submissions are a realistic mix (:func:`class_mix`, below) of
the cases of tests/course/course_cases.py: per chapter, each odd case once (a stub left in, a syntax error, a
deleted, edited or retyped test cell, a redefined check, a call into handin, a cell that
spins until nbgrader's 60 s timeout, a notebook that is not JSON), a third of the class
with one of the mistakes the self-checks name, and the rest right.

Prints the wall time (setup apart), the seconds per submission and how many grades
match their expected points. The goal: 150 correct in 5 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import pathlib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "course"))
import course_cases as cc  # noqa: E402


# The cases a class hands in once or twice at most: everything but the right answer and
# the mistakes the self-checks name.
ODD = {"release", "stub left", "syntax error", "deleted test cell", "edited test cell",
       "redefined check", "calls handin", "never ends", "not JSON", "cell type changed"}
# A student's endless loop spins (the tests' one waits, to leave the cores to the others).
SPINS = "while True:   # a cell that never ends\n    pass"


def spinning(case):
    """``case`` with its never-ending cell spinning instead of waiting."""
    return case._replace(edits=tuple(
        (kind, cell, SPINS) if rest == [cc.NEVER_ENDS] else (kind, cell, *rest)
        for kind, cell, *rest in case.edits))


def class_mix(n):
    """``n`` (student id, case) pairs, half of each chapter: per chapter, each odd case once
    (a blank release, a stub left, a syntax error, a deleted, edited or retyped test cell, a
    redefined check, a call into handin, a cell that never ends, a notebook that is not
    JSON), a third of the class with one of the mistakes the self-checks name (in turn),
    and the rest right."""
    out = []
    for a in (cc.CH1, cc.CH2):
        cases = [spinning(case) for case in cc.CASES if case.assignment == a]
        right = next(case for case in cases if case.name == "solutions")
        odd = [case for case in cases if case.name in ODD]
        mistakes = [case for case in cases if case not in odd and case is not right]
        size = n // 2 + (n % 2 if a == cc.CH1 else 0)
        chosen = odd[:size] + [mistakes[i % len(mistakes)] for i in range(size // 3)]
        chosen += [right] * (size - len(chosen))
        out += [(f"s{len(out) + i:03d}", case) for i, case in enumerate(chosen[:size])]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=150)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--keep", type=pathlib.Path, default=None,
                        help="build the courses in this folder and keep them")
    args = parser.parse_args(argv)
    tmp = None if args.keep else tempfile.TemporaryDirectory()
    root = args.keep or pathlib.Path(tmp.name)

    t0 = time.perf_counter()
    base = cc.make_course(root / "course", assignments=(cc.CH1, cc.CH2))
    mix = class_mix(args.submissions)
    expected = {(sid, case.assignment): case.points for sid, case in mix}
    workers = []
    for w in range(args.workers):
        folder = cc.copy_course(base, root / f"worker{w}")
        mine = mix[w::args.workers]
        for sid, case in mine:
            cc.hand_in(folder, [case], student=lambda _case, sid=sid: sid)
        workers.append(folder)
    setup = time.perf_counter() - t0
    print(f"setup (course, generate_assignment, {len(mix)} submissions written): {setup:.0f} s")

    t1 = time.perf_counter()
    script = ("import subprocess, sys\n"
              "for a in sys.argv[1:]:\n"
              "    subprocess.run([sys.executable, '-m', 'nbgrader', 'autograde', a],\n"
              "                   capture_output=True)\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, cc.CH1, cc.CH2], cwd=folder,
                              env=cc.nbgrader_env()) for folder in workers]
    for p in procs:
        p.wait()
    graded = time.perf_counter() - t1
    with concurrent.futures.ThreadPoolExecutor(len(workers)) as pool:   # side by side too
        list(pool.map(lambda folder: cc.nbgrader(folder, "export"), workers))
    rows = []
    for folder in workers:
        with open(folder / "grades.csv", newline="", encoding="utf-8") as f:
            rows += [row for row in csv.DictReader(f) if row["student_id"] != "" and
                     (row["student_id"], row["assignment"]) in expected and
                     (folder / "submitted" / row["student_id"] / row["assignment"]).is_dir()]
    wall = time.perf_counter() - t1
    with open(root / "grades.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    got = {(r["student_id"], r["assignment"]): float(r["raw_score"]) for r in rows}
    right = sum(got.get(key) == points for key, points in expected.items())
    wrong = sorted(key for key, points in expected.items() if got.get(key) != points)

    print(f"{len(mix)} submissions, {args.workers} workers (one nbgrader autograde process "
          "and gradebook each)")
    print(f"autograde {graded:.0f} s, with export and merge {wall:.0f} s wall: "
          f"{wall / len(mix):.2f} s per submission")
    print(f"grades matching their expected points: {right}/{len(mix)}")
    if wrong:
        print("mismatches:", wrong[:10])
    print(f"merged grades.csv: {root / 'grades.csv'}" if args.keep else "")
    if tmp:
        tmp.cleanup()
    return 0 if right == len(mix) else 1


if __name__ == "__main__":
    sys.exit(main())
