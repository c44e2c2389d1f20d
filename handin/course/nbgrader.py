r"""The course: every chapter as an nbgrader assignment, from the same source as the book.

``python -m handin course DIR`` writes an nbgrader course folder::

    DIR/nbgrader_config.py
    DIR/source/01_softmax_cross_entropy/01_softmax_cross_entropy.ipynb
    DIR/source/02_forward_backward/02_forward_backward.ipynb
    ...

one assignment per chapter, named by its file stem. In DIR, ``nbgrader generate_assignment
02_forward_backward`` then writes the release with nbgrader's defaults. The chapters'
solution regions (:mod:`handin.course.edition`) become nbgrader cells:

- a code cell with ``# BEGIN SOLUTION`` regions is a **solution cell** (its regions marked
  ``### BEGIN SOLUTION``, so the release has nbgrader's stub in their place);
- a cell that is a self-check alone, ``check_backward(my_backward)``, is a locked
  **autograded test cell** with points (:data:`POINTS`). It imports the check afresh (a
  student's own ``check_backward`` does not count), makes it raise its diagnosis
  (:meth:`~handin.course.selfcheck.CheckResult.assert_passes`), and has hidden tests: the same
  check on fresh problems of other sizes (:data:`HIDDEN_SEEDS`), so answers hard-coded
  for the visible problems fail;
- a markdown region (a derivation) becomes a *Derive this yourself* prompt and a
  **manually graded answer cell** of :data:`ANSWER_POINTS` points, whose solution is
  the region's text;
- a written question (``<!-- BEGIN QUESTION -->``) becomes a markdown cell with the
  question and a **manually graded answer cell** of the question's points, whose solution
  is the model answer followed by its rubric. The release has *YOUR ANSWER HERE* in its
  place. nbgrader's formgrader shows graders the student's answer, not the source's
  solution (nbgrader issue #1155; its "mark scheme" works in task cells only), so the
  rubric is in the source notebook, ``source/<assignment>/<assignment>.ipynb``, in the
  answer cell, and in the teacher's chapter;
- the teacher's notes (``<!-- BEGIN TEACHER -->`` regions, cells tagged ``teacher``) are
  left out, as in the student edition;
- every other cell is a plain cell, with no nbgrader metadata: nbgrader can put back a
  deleted test or answer cell (``OverwriteCells.add_missing_cells``) only after a cell
  that is a graded or solution cell, and fails the whole notebook when a locked
  read-only cell comes before it.

Every nbgrader cell has a stable ``grade_id``, which is also its cell id: the function's
name for solution and test cells (``my_backward``, ``test_my_backward``),
``answer_1``, ``answer_2``, ... in order for the derivations and ``question_1``,
``question_2``, ... for the written questions. A plain cell's id is
``cell_<hash of its source>``.
"""

from __future__ import annotations

import hashlib
import pathlib
import re
import secrets

from . import edition

__all__ = ["course_notebook", "write_course", "points_table", "chapters_folder", "POINTS", "ANSWER_POINTS", "QUESTION_POINTS",
           "HIDDEN_SEEDS", "HIDDEN_SEED_POOL",
           "NBGRADER_CONFIG"]

#: points of each self-check's test cell
POINTS = {"check_softmax_loss": 3, "check_forward": 2, "check_cost": 2, "check_backward": 4,
          "check_epoch": 3, "check_confusion_matrix": 2, "check_confident_mistakes": 2,
          "check_linear_cost_grad": 3, "check_target": 2,
          "check_he_init": 2, "check_dead_units": 2, "check_centring_shift": 2,
          "check_affine_forward": 1, "check_affine_backward": 3, "check_relu_forward": 1,
          "check_relu_backward": 2, "check_softmax_head": 1, "check_cost_grad": 3,
          "check_local_derivatives": 2, "check_backprop": 3}
#: points of each manually graded answer (a derivation)
ANSWER_POINTS = 1
#: points of a written question whose marker gives none (``<!-- BEGIN QUESTION 3 points -->``)
QUESTION_POINTS = edition.QUESTION_POINTS
#: the seeds of the hidden tests' problems in the test cells (the visible self-check uses
#: seed 0); the grader uses the course's own, drawn from :data:`HIDDEN_SEED_POOL`
HIDDEN_SEEDS = (11, 12)
#: the seeds a course's hidden problems are drawn from (the tests check every one of them)
HIDDEN_SEED_POOL = range(11, 41)

NBGRADER_CONFIG = '''\
# nbgrader configuration of the handin course, written by `python -m handin course`.
c = get_config()  # noqa: F821 - nbgrader's config loader defines it

c.CourseDirectory.course_id = "handin"
# A student who deleted a test or answer cell is graded by the original, put back.
c.OverwriteCells.add_missing_cells = True
# Seconds per cell when autograding; a cell that runs longer is interrupted, counts as an
# error, and the rest of the notebook is still graded.
c.Execute.timeout = {timeout}

# Grading no submission can forge (handin.course.autograde): each submission runs in a
# sandbox (bubblewrap: no network, no view of this folder, limits on memory, processes
# and time) whose copy of handin has the chapter's answers switched off, and each test
# cell's verdict is computed here, outside the student's kernel. Without bubblewrap,
# grading stops and says how to get it.
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata,  # noqa: E402
                                    IgnorePattern, LimitOutput, SaveAutoGrades)
from handin.course.autograde import SandboxedExecute  # noqa: E402

c.Autograde.autograde_preprocessors = [
    SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata]
# The hidden problems' seeds, drawn for this course: the sandbox never sees this file.
c.SandboxedExecute.hidden_seeds = {seeds}
# UNSAFE, for a machine with no sandbox: the students' code then runs with your rights.
# c.SandboxedExecute.unsafe_no_sandbox = True
'''

_CHECK_CELL = re.compile(r"^(?P<check>check_\w+)\((?P<fn>\w+)\)$")
_DEF = re.compile(r"^def[ \t]+(?P<name>\w+)", re.MULTILINE)
_KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _check_module(check):
    """The public home of the self-check ``check``, where the test cells import it from."""
    from .. import course

    if check.startswith("check_") and check in course.__all__:
        return course.__name__
    raise ValueError(f"no self-check named {check!r} in handin.course.")


def _test_source(check, fn):
    seeds = ", ".join(map(str, HIDDEN_SEEDS))
    return (f"from {_check_module(check)} import {check}   # the original, not one redefined\n"
            f"{check}({fn}).assert_passes()\n"
            "### BEGIN HIDDEN TESTS\n"
            f"for seed in ({seeds}):   # other problems than the visible ones\n"
            f"    {check}({fn}, seed=seed).assert_passes()\n"
            "### END HIDDEN TESTS")


def _code_regions(source):
    """``source`` with its ``# BEGIN/END SOLUTION`` lines in nbgrader's spelling, and how many."""
    out, regions = [], 0
    for line in source.split("\n"):
        begin, end = edition._BEGIN.match(line), edition._END.match(line)
        if begin:
            out.append(f"{begin['indent']}### BEGIN SOLUTION")
            regions += 1
        elif end:
            out.append(line[:len(line) - len(line.lstrip())] + "### END SOLUTION")
        else:
            out.append(line)
    return "\n".join(out), regions


def _markdown_parts(source):
    """Split a markdown cell at its regions: ``(kind, text, points)`` parts in order, where
    ``kind`` is ``"text"`` (ending with the derivation's prompt or the question, if one
    follows), ``"answer"`` (a derivation) or ``"question"`` (a model answer and rubric)."""
    parts, text, body, kind = [], [], None, None
    for line in source.split("\n"):
        commented = "# " + line
        derive, question = edition._MD_BEGIN.match(commented), edition._Q_BEGIN.match(commented)
        if derive:
            text.append(edition.derive_prompt(derive["message"]))
            parts.append(("text", "\n".join(text).strip("\n"), 0))
            text, body, kind = [], [], ("answer", ANSWER_POINTS)
        elif question:
            body, kind = [], ("question", int(question["points"] or QUESTION_POINTS))
        elif edition._MD_END.match(commented) or edition._Q_END.match(commented):
            answer = "\n".join(body).strip("\n")
            if kind[0] == "question":
                asked, answer = edition.question_parts(body)
                text.append(asked)
                parts.append(("text", "\n".join(text).strip("\n"), 0))
                text = []
            parts.append((kind[0], answer, kind[1]))
            body = None
        elif body is not None:
            body.append(line)
        else:
            text.append(line)
    parts.append(("text", "\n".join(text).strip("\n"), 0))
    return [p for p in parts if p[1]]


def _cells(nb):
    """The course's cells as ``(cell_type, source, metadata)`` triples."""
    count = {"answer": 0, "question": 0}
    for cell in nb.cells:
        source = cell.source.strip("\n")
        if cell.cell_type == "markdown":
            for kind, text, points in _markdown_parts(source):
                if kind == "text":
                    yield "markdown", text, None
                else:
                    count[kind] += 1
                    yield "markdown", text, _meta(f"{kind}_{count[kind]}", grade=True,
                                                  solution=True, points=points)
        elif cell.cell_type == "code" and _CHECK_CELL.match(source.strip()):
            m = _CHECK_CELL.match(source.strip())
            yield "code", _test_source(m["check"], m["fn"]), _meta(
                f"test_{m['fn']}", grade=True, locked=True, points=POINTS.get(m["check"], 1))
        elif cell.cell_type == "code":
            source, regions = _code_regions(source)
            if regions:
                names = _DEF.findall(source)
                yield "code", source, _meta(names[0] if names else "solution", solution=True)
            else:
                yield "code", source, None
        else:
            yield cell.cell_type, source, None


def chapters_folder():
    """Where the teacher's chapters are: the clone's ``notebooks/`` when handin runs from one
    (an editable install), else those of the ``handin-chapters`` distribution, which
    ``pip install "handin[teacher]"`` brings (students' environments do not hold them).

    Raises
    ------
    ValueError
        If neither is there; the message says what to install.
    """
    clone = pathlib.Path(__file__).resolve().parents[2] / "notebooks"
    if any(clone.glob(edition.CHAPTER_GLOB)):
        return clone
    try:
        import handin_chapters
    except ImportError:
        raise ValueError("no chapters found: install the teacher's side, pip install "
                         "'handin[teacher]' (it brings handin-chapters), or pass --src with "
                         "a folder of chapters NN_name.py.") from None
    return handin_chapters.folder()


def course_notebook(text, source="<text>"):
    """The nbgrader source notebook (a ``nbformat`` NotebookNode) of a percent-format chapter.

    Raises
    ------
    ValueError
        For malformed solution markers (see :func:`handin.course.edition.find_regions`).
    """
    import jupytext
    import nbformat

    text = edition.drop_teacher(text, source)   # the teacher's notes stay in the chapter
    edition.find_regions(text, source)   # malformed markers raise here, with their line
    nb = nbformat.v4.new_notebook()
    seen = {}
    for cell_type, src, meta in _cells(jupytext.reads(text, fmt="py:percent")):
        cell_id = (meta["nbgrader"]["grade_id"] if meta else
                   "cell_" + hashlib.sha1(src.encode()).hexdigest()[:8])
        seen[cell_id] = seen.get(cell_id, 0) + 1
        if seen[cell_id] > 1:
            cell_id = f"{cell_id}_{seen[cell_id]}"
        if meta:
            meta["nbgrader"]["grade_id"] = cell_id
        new = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(new(src, metadata=meta or {}, id=cell_id))
    nb.metadata = {"kernelspec": dict(_KERNELSPEC), "language_info": {"name": "python"}}
    return nb


def write_course(src, out, *, timeout=120):
    """Write ``out/nbgrader_config.py`` and ``out/source/<stem>/<stem>.ipynb`` for every
    chapter ``src/NN_name.py``.

    Parameters
    ----------
    src, out : str or os.PathLike
        The chapters' folder (``notebooks/``, see :func:`chapters_folder`) and the course
        folder (created if need be).
    timeout : int, default=120
        Seconds a cell may run when autograding (nbgrader's ``Execute.timeout``).

    Returns
    -------
    dict
        ``{assignment: points}``: each chapter's total points.
    """
    import nbformat

    src, out = pathlib.Path(src), pathlib.Path(out)
    chapters = sorted(src.glob(edition.CHAPTER_GLOB))
    if not chapters:
        raise ValueError(f"src has no chapters {edition.CHAPTER_GLOB!r}: {src}")
    notebooks = {py.stem: course_notebook(py.read_text(encoding="utf-8"), str(py))
                 for py in chapters}
    out.mkdir(parents=True, exist_ok=True)
    seeds = sorted(secrets.SystemRandom().sample(HIDDEN_SEED_POOL, len(HIDDEN_SEEDS)))
    (out / "nbgrader_config.py").write_text(
        NBGRADER_CONFIG.format(timeout=int(timeout), seeds=seeds), encoding="utf-8")
    points = {}
    for stem, nb in notebooks.items():
        (out / "source" / stem).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out / "source" / stem / f"{stem}.ipynb")
        points[stem] = sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in nb.cells)
    return points


def _count(points):
    """``[2, 2, 3]`` as ``"2, 2 and 3"``, ``[1, 1]`` as ``"1 each"``."""
    if len(points) > 1 and len(set(points)) == 1:
        return f"{points[0]} each"
    words = [str(p) for p in points]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def points_table(src):
    """The course's points, chapter by chapter, as the Markdown table docs/teachers.md shows.

    Parameters
    ----------
    src : str or os.PathLike
        The chapters' folder (``notebooks/``).

    Returns
    -------
    str
        One row per assignment: its autograded functions with their points, its
        derivations and written questions graded by hand, and its total.
    """
    rows = ["| assignment | autograded (points) | graded by hand (points) | total |",
            "|---|---|---|---|"]
    for py in sorted(pathlib.Path(src).glob(edition.CHAPTER_GLOB)):
        graded = [c.metadata["nbgrader"] for c in course_notebook(
            py.read_text(encoding="utf-8"), str(py)).cells
            if c.metadata.get("nbgrader", {}).get("grade")]
        auto = [f"`{g['grade_id'][len('test_'):]}` {g['points']}" for g in graded
                if g["grade_id"].startswith("test_")]
        by_hand = []
        for kind, prefix in (("derivation", "answer_"), ("question", "question_")):
            points = [g["points"] for g in graded if g["grade_id"].startswith(prefix)]
            if points:
                by_hand.append(f"{len(points)} {kind}{'s' if len(points) > 1 else ''} "
                               f"({_count(points)})")
        total = sum(g["points"] for g in graded)
        rows.append(f"| `{py.stem}` | {', '.join(auto) or 'none'} | "
                    f"{', '.join(by_hand) or 'none'} | {total:g} |")
    return "\n".join(rows) + "\n"
