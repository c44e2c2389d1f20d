"""Calibrate the similarity report (handin.course.similarity): scores of honest pairs and of copies.

    python benchmarks/similarity.py [--k 15 20 25] [--no-model-answers] [--class-size 150]

For every graded function with variants in tests/course/similarity_cases.py, the honest
answers are the model answer and the independently written variants; the copies are each
honest answer disguised (renamed, recommented, reformatted) and handin.model.backward's
body pasted into my_backward. Prints, per K, each comparison's two scores (the fraction
of each side's code found in the other) and the characters of normalised code matched,
then the largest honest score and matched length and the smallest copy score: the
threshold and minimum match sit between them. A copy of the model answer is printed
apart: the model answers are boilerplate, so it has nothing left to match.
"""

from __future__ import annotations

import argparse
import itertools
import pathlib
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / "tests" / "course"))
sys.path.insert(0, str(HERE))
import course_cases as cc  # noqa: E402
import similarity_cases as sc  # noqa: E402

import nbformat  # noqa: E402

from handin.course import similarity as sim  # noqa: E402

ALL = dict(threshold=1e-9, min_matched=1)   # report every comparison


def _part(release, gid, code, common, k):
    nb = nbformat.reads(sc.with_cells(release, {gid: code}), as_version=4)
    parts = sim.student_parts(nb, release)
    return {p: sim._fingerprint(c, common, k) for p, c in parts.items() if p == gid}


def _best(matches):
    if not matches:
        return 0.0, 0.0, 0
    m = max(matches, key=lambda m: (max(m.score, m.other_score), m.matched))
    return m.score, m.other_score, m.matched


def _where(matches):
    """The handin function of the best match, if any."""
    if not matches:
        return ""
    m = max(matches, key=lambda m: (m.score, m.matched))
    return f" ~ {m.other}:{m.other_part}"


def measure(course, k, model_answers=True):
    """``[(kind, label, score, other_score, matched)]`` for every comparison."""
    rows = []
    handin = sim.handin_parts()
    assignments = sorted({a for a, _ in sc.VARIANTS})
    for a in assignments:
        release = nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4)
        source = nbformat.read(course / "source" / a / f"{a}.ipynb", as_version=4)
        common = sim.boilerplate(release, source if model_answers else None, k)
        given = {c.metadata["nbgrader"]["grade_id"]: c.source for c in release.cells
                 if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}
        model = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("grade_id") in given}
        refs = {f: {n: sim._fingerprint(code, common, k) for n, code in fs.items()}
                for f, fs in handin.items()}
        for (aa, gid), bodies in sc.VARIANTS.items():
            if aa != a:
                continue
            honest = {"model": model[gid], **{f"v{i + 1}": sc.fill(given[gid], b)
                                              for i, b in enumerate(bodies)}}
            parts = {n: _part(release, gid, code, common, k) for n, code in honest.items()}
            for x, y in itertools.combinations(honest, 2):
                rows.append(("honest pair", f"{gid}: {x} vs {y}",
                             *_best(sim.compare(x, parts[x], y, parts[y], **ALL))))
            for x in honest:
                found = [m for f, ref in refs.items()
                         for m in sim.compare(x, parts[x], f, ref, both_ways=False, **ALL)]
                rows.append(("honest vs handin", f"{gid}: {x}{_where(found)}", *_best(found)))
                keep = [n for n in ("X", "Z1", "A1", "P", "W1", "W2", "n", "k", "W", "b")]
                copy = _part(release, gid, sc.disguise(honest[x], keep), common, k)
                kind = "copy of the model" if x == "model" else "disguised copy"
                rows.append((kind, f"{gid}: {x}",
                             *_best(sim.compare("copy", copy, x, parts[x], **ALL))))
            if gid == "my_backward":
                pasted = _part(release, gid, sc.fill(given[gid], sc.PASTED_BACKWARD), common, k)
                found = sim.compare("pasted", pasted, "handin/model.py",
                                    refs["handin/model.py"], both_ways=False, **ALL)
                rows.append(("pasted handin", "my_backward: model.backward's body",
                             *_best(found)))
    return rows


def time_class(course, size):
    """Seconds for the report of chapter 2 in a class of ``size``, and the pairs flagged:
    half the class hands in the model answers, half the release, but students 1 and 2,
    who write the two variants, and students 10, 60, 110, ... and 20, 70, 120, ..., who
    hand in disguised copies of them (3 students per variant when ``size`` is 150: 12
    pairs to flag)."""
    import time

    a = sc.CH2
    release = nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4)
    source = nbformat.read(course / "source" / a / f"{a}.ipynb", as_version=4)
    given = {c.metadata["nbgrader"]["grade_id"]: c.source for c in release.cells
             if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}
    funcs = ("my_forward", "my_cost", "my_backward")
    variants = [{f: sc.fill(given[f], sc.VARIANTS[a, f][i]) for f in funcs} for i in (0, 1)]
    model = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
             if c.metadata.get("nbgrader", {}).get("grade_id") in funcs}
    keep = ("X", "Z1", "A1", "P", "W1", "W2", "b1", "b2", "n", "k")
    for i in range(size):
        if i in (1, 2):
            answers = variants[i - 1]
        elif i % 50 in (10, 20):
            answers = {f: sc.disguise(code, keep) for f, code in variants[i % 50 // 20].items()}
        else:
            answers = model if i % 2 else {}
        folder = course / "submitted" / f"s{i:03d}" / a
        folder.mkdir(parents=True)
        (folder / f"{a}.ipynb").write_text(sc.with_cells(release, answers), encoding="utf-8")
    start = time.perf_counter()
    found = sim.similarity_report(course, a)
    return time.perf_counter() - start, len({(m.student, m.other) for m in found})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, nargs="+", default=[sim.K])
    parser.add_argument("--no-model-answers", action="store_true",
                        help="the release's code alone as boilerplate")
    parser.add_argument("--class-size", type=int, default=0,
                        help="also time the report of chapter 2 for a class of this size")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        assignments = sorted({a for a, _ in sc.VARIANTS})
        course = cc.make_course(pathlib.Path(tmp) / "course", assignments=assignments)
        for k in args.k:
            rows = measure(course, k, not args.no_model_answers)
            print(f"\nK = {k}, model answers {'not ' * args.no_model_answers}boilerplate")
            print(f"{'kind':18} {'comparison':60} {'score':>6} {'other':>6} {'chars':>6}")
            for kind, label, s, o, m in rows:
                print(f"{kind:18} {label:60} {s:6.2f} {o:6.2f} {m:6d}")
            honest = [r for r in rows if r[0].startswith("honest")]
            print("comparisons:", {kind: sum(r[0] == kind for r in rows)
                                   for kind in dict.fromkeys(r[0] for r in rows)})
            copies = [r for r in rows if r[0] in ("disguised copy", "pasted handin")]
            pairs = max(max(r[2], r[3]) for r in honest if r[0] == "honest pair")
            print(f"honest: largest score {pairs:.2f} "
                  f"(pairs), {max(r[2] for r in honest if r[0] != 'honest pair'):.2f} (vs handin), "
                  f"largest match {max(r[4] for r in honest)} chars; "
                  f"copies: smallest score {min(max(r[2], r[3]) for r in copies):.2f}, "
                  f"smallest match {min(r[4] for r in copies)} chars")
        if args.class_size:
            seconds, pairs = time_class(course, args.class_size)
            print(f"\nchapter 2, {args.class_size} submissions: {seconds:.1f} s, "
                  f"{pairs} pairs flagged")


if __name__ == "__main__":
    main()
