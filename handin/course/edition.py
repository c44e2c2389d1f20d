r"""The student edition: the chapters with their solutions cut out, from the same source.

In a chapter's percent-format source (``notebooks/NN_name.py``), a **solution region**
is the lines of a cell between two markers. In a code cell the markers are comments::

    def my_forward(X, params):
        W1, b1, W2, b2 = (params[name] for name in PARAM_NAMES)
        # BEGIN SOLUTION
        Z1 = X @ W1 + b1
        ...
        # END SOLUTION
        return {"X": X, "Z1": Z1, "A1": A1, "Z2": Z2, "P": P}

and the student edition replaces the region, markers included, by a stub at the
indentation of its ``# BEGIN SOLUTION`` line::

        # YOUR CODE HERE
        raise NotImplementedError("write the body of my_forward(X, params)")

The stub names the enclosing function. ``# BEGIN SOLUTION: <message>`` puts
``<message>`` in the stub instead.

In a markdown cell the markers are HTML comments, which Markdown renders as nothing, so
the teacher's chapter reads as if they were not there::

    # <!-- BEGIN SOLUTION: show that dW2 = A1.T @ dZ2 + 2c W2 -->
    # $$\frac{\partial J}{\partial (W_2)_{u,i}} = \dots$$
    # <!-- END SOLUTION -->

The region becomes one line of prompt, ``# *Derive this yourself: show that dW2 = ...*``
(without a message: ``*Derive this yourself.*``), followed by a markdown cell of its own
for the student's answer, ``*Your derivation:*`` (the rest of the teacher's cell, if any,
follows in a third cell).

A written **question** is a markdown region of another kind: the question, shown in
both editions, then its model answer and rubric as a blockquote, shown to the teacher
only::

    # <!-- BEGIN QUESTION 2 points -->
    # **Question:** why does subtracting $\max_j z_j$ not change softmax?
    #
    # > **Model answer.** The factor $e^{-m}$ cancels between numerator and ...
    # >
    # > **Rubric:** 1 point: the common factor cancels; 1 point: no exponent overflows.
    # <!-- END QUESTION -->

In the student edition the blockquote becomes an empty ``*Your answer:*`` cell. The
points (``N points``, default :data:`QUESTION_POINTS`) must be what the rubric's
``N point(s)`` add up to. Markers of the other kind are text:
``# BEGIN SOLUTION`` in a markdown cell is prose, an HTML comment in a code cell is
code. Regions do not nest and do not cross cells. Everything else is copied unchanged,
so the solution edition runs as it is.

**Teacher's notes** are dropped from the student edition and the course: in a markdown
cell, the lines between ``# <!-- BEGIN TEACHER -->`` and ``# <!-- END TEACHER -->``
(a cell left with nothing else is dropped whole), and every code cell tagged
``teacher`` (``# %% tags=["teacher"]``). They hold what a student should not read:
an explanation that would give a graded answer away, or a note for whoever teaches.
They may not hold solution or question regions (:func:`drop_teacher`).

``python -m handin student-edition`` writes ``student/NN_name.py`` for every chapter
(and, with ``--ipynb``, an output-free ``student/NN_name.ipynb`` beside it).
:func:`edition_cells` and :func:`paste_solutions` let the tests compare an edition
cell by cell and put the solutions back into it.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import re
from typing import NamedTuple

__all__ = ["Region", "QUESTION_POINTS", "drop_teacher", "find_regions", "question_parts", "strip_solutions",
           "solution_texts", "paste_solutions", "student_notebook", "edition_cells",
           "write_student_edition", "CHAPTER_GLOB"]

CHAPTER_GLOB = "[0-9][0-9]_*.py"
_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?::[ \t]*(?P<message>.*?))?[ \t]*$")
_END = re.compile(r"^[ \t]*# END SOLUTION[ \t]*$")
_LOOSE = re.compile(r"^[ \t]*#.*\b(BEGIN|END)[ _]SOLUTION", re.IGNORECASE)
_MD_BEGIN = re.compile(r"^#[ \t]*<!--[ \t]*BEGIN SOLUTION(?::[ \t]*(?P<message>.*?))?[ \t]*-->[ \t]*$")
_MD_END = re.compile(r"^#[ \t]*<!--[ \t]*END SOLUTION[ \t]*-->[ \t]*$")
_MD_LOOSE = re.compile(r"^#[ \t]*<!--.*\b(BEGIN|END)[ _](SOLUTION|QUESTION)", re.IGNORECASE)
_Q_BEGIN = re.compile(r"^#[ \t]*<!--[ \t]*BEGIN QUESTION(?:[ \t]+(?P<points>[1-9][0-9]*) points?)?"
                      r"[ \t]*-->[ \t]*$")
_Q_END = re.compile(r"^#[ \t]*<!--[ \t]*END QUESTION[ \t]*-->[ \t]*$")
_T_BEGIN = re.compile(r"^#[ \t]*<!--[ \t]*BEGIN TEACHER[ \t]*-->[ \t]*$")
_T_END = re.compile(r"^#[ \t]*<!--[ \t]*END TEACHER[ \t]*-->[ \t]*$")
_T_LOOSE = re.compile(r"^#.*\b(BEGIN|END)[ _]TEACHER", re.IGNORECASE)
_NBVAL_TAG = re.compile(r"""[ \t]*["']nbval-[\w-]+["'][ \t]*,?""")
_EMPTY_TAGS = re.compile(r"[ \t]*tags[ \t]*=[ \t]*\[[ \t,]*\]")
_TEACHER_TAG = re.compile(r"""\btags[ \t]*=[ \t]*\[[^\]]*["']teacher["']""")
_RUBRIC_POINTS = re.compile(r"\b([0-9]+) points?\b")
#: points of a written question whose marker gives none
QUESTION_POINTS = 2
_CELL = re.compile(r"^# %%(?P<rest>.*)$")
_DEF = re.compile(r"^(?P<indent>[ \t]*)(?:async[ \t]+)?def[ \t]+(?P<sig>\w+[ \t]*\(.*?\))")
_KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class Region(NamedTuple):
    """One solution or question region: marker lines ``begin`` and ``end`` (1-based), its
    stub text, whether it sits in a markdown cell and, for a written question, the
    question's lines and points."""

    begin: int
    end: int
    indent: str
    message: str
    markdown: bool = False
    question: tuple = ()    #: a written question's lines (as in the source), else empty
    points: int = 0         #: a written question's points
    more: bool = False      #: a markdown region followed by more text in its cell

    def stub(self):
        """The lines that replace the region in the student edition: a markdown region's
        prompt or question is followed by a cell of its own for the answer."""
        rest = ["\n", "# %% [markdown]\n"] if self.more else []
        if self.question:
            return [*self.question, "\n", "# %% [markdown]\n", "# *Your answer:*\n", *rest]
        if self.markdown:
            return [f"# {derive_prompt(self.message)}\n", "\n", "# %% [markdown]\n",
                    "# *Your derivation:*\n", *rest]
        return [f"{self.indent}# YOUR CODE HERE\n",
                f"{self.indent}raise NotImplementedError({json.dumps(self.message, ensure_ascii=False)})\n"]


def derive_prompt(message):
    """The line that stands for a derivation in the student edition and the course:
    ``*Derive this yourself: <message>*`` (``*Derive this yourself.*`` without one)."""
    return f"*Derive this yourself{': ' + message if message else '.'}*"


def _is_code_cell(marker_rest):
    return not re.match(r"^\s*\[(markdown|md|raw)\]", marker_rest)


def _function_at(lines, i, indent):
    """The signature ``name(args)`` of the ``def`` enclosing line ``i``, or None."""
    for line in reversed(lines[:i]):
        m = _DEF.match(line)
        if m and len(m["indent"]) < len(indent):
            return m["sig"]
        if _CELL.match(line):
            return None
    return None


def find_regions(text, source="<text>"):
    """The solution and question regions of a percent-format source, in order.

    Parameters
    ----------
    text : str
        A chapter in Jupytext percent format.
    source : str
        The file's name, used in error messages.

    Returns
    -------
    list of Region

    Raises
    ------
    ValueError
        For a nested, unclosed, unopened or misspelled marker, or a question without its
        ``**Question:**``, its blockquoted answer or a rubric worth its points; the
        message names ``source`` and the line.
    """
    lines = text.splitlines()
    regions, open_at, code = [], None, False
    for i, line in enumerate(lines):
        where = f"{source}, line {i + 1}"
        cell = _CELL.match(line)
        if cell:
            if open_at is not None:
                raise ValueError(f"{where}: a new cell starts but the {open_at[2]} region opened "
                                 f"at line {open_at[0] + 1} is not closed; add "
                                 f"'{_end_word(code, open_at[2])}'.")
            code = _is_code_cell(cell["rest"])
            continue
        begin, end = ((_BEGIN.match(line), _END.match(line)) if code else
                      (_MD_BEGIN.match(line) or _Q_BEGIN.match(line),
                       _MD_END.match(line) or _Q_END.match(line)))
        question = not code and (_Q_BEGIN.match(line) or _Q_END.match(line))
        kind = "question" if question else "solution"
        if begin:
            if open_at is not None:
                raise ValueError(f"{where}: '{_begin_word(code, kind)}' inside the {open_at[2]} "
                                 f"region opened at line {open_at[0] + 1}; regions cannot be "
                                 "nested.")
            open_at = (i, begin, kind)
        elif end:
            if open_at is None:
                raise ValueError(f"{where}: '{_end_word(code, kind)}' without a "
                                 f"'{_begin_word(code, kind)}' before it.")
            j, m, opened = open_at
            if opened != kind:
                raise ValueError(f"{where}: '{_end_word(code, kind)}' closes the {opened} region "
                                 f"opened at line {j + 1}; write '{_end_word(code, opened)}'.")
            if code:
                sig = _function_at(lines, j, m["indent"])
                message = m["message"] or (f"write the body of {sig}" if sig else "write this code")
                if m["message"] and sig:
                    message = f"{sig.split('(')[0]}: {message}"
                regions.append(Region(j + 1, i + 1, m["indent"], message))
            elif kind == "question":
                points = int(m["points"] or QUESTION_POINTS)
                q0, q1, _ = _split_question([_uncomment(x) for x in lines[j + 1:i]], points,
                                            j + 2, source)
                question = tuple(x + "\n" for x in lines[j + 1 + q0:j + 1 + q1])
                regions.append(Region(j + 1, i + 1, "", "", True, question, points,
                                      _more_in_cell(lines, i)))
            else:
                regions.append(Region(j + 1, i + 1, "", m["message"] or "", markdown=True,
                                      more=_more_in_cell(lines, i)))
            open_at = None
        elif (_LOOSE if code else _MD_LOOSE).match(line):
            words = (f"'{_begin_word(code)}' (optionally ': message') or '{_end_word(code)}'"
                     if code else f"'{_begin_word(code)}' (optionally ': message'), "
                     f"'{_end_word(code)}', '<!-- BEGIN QUESTION -->' (optionally 'N points') "
                     "or '<!-- END QUESTION -->'")
            raise ValueError(f"{where}: malformed marker {line.strip()!r}; write exactly {words}.")
    if open_at is not None:
        raise ValueError(f"{source}, line {open_at[0] + 1}: '{_begin_word(code, open_at[2])}' is "
                         f"never closed; add '{_end_word(code, open_at[2])}'.")
    return regions


def _more_in_cell(lines, i):
    """Whether the markdown cell holding line ``i`` has text after it."""
    for line in lines[i + 1:]:
        if _CELL.match(line):
            return False
        if line.strip("# \t"):
            return True
    return False


def drop_teacher(text, source="<text>"):
    r"""``text`` without its teacher's notes: markdown lines between ``<!-- BEGIN TEACHER -->``
    and ``<!-- END TEACHER -->`` (markers included; a markdown cell left empty goes too) and
    code cells tagged ``teacher``.

    Raises
    ------
    ValueError
        For an unclosed, unopened, nested or misspelled teacher marker, one in a code cell,
        or a solution or question region inside a teacher's note; the message names
        ``source`` and the line.

    Examples
    --------
    >>> src = ("# %% [markdown]\n# Text.\n# <!-- BEGIN TEACHER -->\n# A note.\n"
    ...        "# <!-- END TEACHER -->\n\n# %% tags=[\"teacher\"]\nprint(1)\n")
    >>> print(drop_teacher(src), end="")
    # %% [markdown]
    # Text.
    <BLANKLINE>
    """
    out, cell, keep, open_at, code = [], [], True, None, True

    def close_cell():
        body = [x for x in cell[1:] if x.strip("# \t\n")]
        if keep and (body or not cell or code):
            out.extend(cell)

    for i, line in enumerate(text.splitlines(keepends=True)):
        where = f"{source}, line {i + 1}"
        head = _CELL.match(line.rstrip("\n"))
        if head:
            if open_at is not None:
                raise ValueError(f"{where}: a new cell starts but the teacher's note opened at "
                                 f"line {open_at + 1} is not closed; add '<!-- END TEACHER -->'.")
            close_cell()
            code = _is_code_cell(head["rest"])
            keep = not (code and _TEACHER_TAG.search(head["rest"]))
            header = re.sub(r"\[[ \t]+", "[", _NBVAL_TAG.sub("", line.rstrip("\n")))
            cell = [_EMPTY_TAGS.sub("", header).rstrip() + "\n"]
            continue
        bare = line.rstrip("\n")
        if not code and _T_BEGIN.match(bare):
            if open_at is not None:
                raise ValueError(f"{where}: '<!-- BEGIN TEACHER -->' inside the teacher's note "
                                 f"opened at line {open_at + 1}; notes cannot be nested.")
            open_at = i
        elif not code and _T_END.match(bare):
            if open_at is None:
                raise ValueError(f"{where}: '<!-- END TEACHER -->' without a "
                                 "'<!-- BEGIN TEACHER -->' before it.")
            open_at = None
        elif _T_LOOSE.match(bare):
            raise ValueError(f"{where}: malformed or misplaced teacher marker {bare.strip()!r}; "
                             "write exactly '# <!-- BEGIN TEACHER -->' or "
                             "'# <!-- END TEACHER -->' in a markdown cell (tag a code cell "
                             "'teacher' instead).")
        elif open_at is not None:
            if _MD_BEGIN.match(bare) or _Q_BEGIN.match(bare) or _MD_LOOSE.match(bare):
                raise ValueError(f"{where}: a solution or question region inside the teacher's "
                                 f"note opened at line {open_at + 1}; move it out.")
        else:
            cell.append(line)
    if open_at is not None:
        raise ValueError(f"{source}, line {open_at + 1}: '<!-- BEGIN TEACHER -->' is never "
                         "closed; add '<!-- END TEACHER -->'.")
    close_cell()
    while len(out) > 1 and not out[-1].strip() and not out[-2].strip():
        out.pop()
    return "".join(out)


def _begin_word(code, kind="solution"):
    return "# BEGIN SOLUTION" if code else f"<!-- BEGIN {kind.upper()} -->"


def _end_word(code, kind="solution"):
    return "# END SOLUTION" if code else f"<!-- END {kind.upper()} -->"


def _uncomment(line):
    """A markdown line of a percent-format source without its ``# ``."""
    return line[2:] if line.startswith("# ") else line.lstrip("#")


def _split_question(body, points, first, source):
    """Where the question and its answer lie in a question region's ``body`` (lines without
    their ``# ``; ``first`` is the file's line number of ``body[0]``): ``(q0, q1, a0)``,
    the question being ``body[q0:q1]`` and the blockquoted answer ``body[a0:]``."""
    def fail(k, why):
        raise ValueError(f"{source}, line {first + k}: {why}")

    a0 = next((k for k, x in enumerate(body) if x.startswith(">")), len(body))
    filled = [k for k in range(a0) if body[k].strip()]
    if not filled:
        fail(-1, "the question region has no question; write '**Question:** ...' before its "
                 "model answer.")
    q0, q1 = filled[0], filled[-1] + 1
    if not body[q0].startswith("**Question:**"):
        fail(q0, "a question starts with '**Question:**'.")
    if a0 == len(body):
        fail(-1, "the question region has no model answer; write it and its rubric as a "
                 "blockquote ('> ...') after the question.")
    while body[-1].strip() == "" and len(body) > a0:
        body = body[:-1]
    for k in range(a0, len(body)):
        if not body[k].startswith(">"):
            fail(k, "every line of a question's model answer and rubric is quoted ('> ...').")
    rubric = next((k for k in range(a0, len(body))
                   if body[k].lstrip("> ").startswith("**Rubric:**")), None)
    if rubric is None:
        fail(-1, "the question region has no '**Rubric:**' line in its blockquote.")
    given = sum(int(n) for x in body[rubric:] for n in _RUBRIC_POINTS.findall(x))
    if points is not None and given != points:
        fail(rubric, f"the rubric gives {given} points, the question {points} (write "
                     f"'<!-- BEGIN QUESTION {given} points -->' if the rubric is right).")
    return q0, q1, a0


def question_parts(body):
    """A question region's ``body`` (its lines between the markers, without their ``# ``)
    as ``(question, answer)`` texts: the answer is the model answer and the rubric, unquoted.

    Raises
    ------
    ValueError
        As :func:`find_regions` does for a malformed question.
    """
    q0, q1, a0 = _split_question(body, None, 1, "<question>")
    answer = [x[2:] if x.startswith("> ") else x[1:] for x in body[a0:]]
    return "\n".join(body[q0:q1]), "\n".join(answer).strip("\n")


def strip_solutions(text, source="<text>"):
    """Replace every solution region of ``text`` by its stub: a ``# YOUR CODE HERE`` and a
    ``NotImplementedError`` in code, a *Derive this yourself* prompt in markdown, and a
    question followed by an empty *Your answer:* place.

    Examples
    --------
    >>> src = "# %%\\ndef f(x):\\n    # BEGIN SOLUTION\\n    return 2 * x\\n    # END SOLUTION\\n"
    >>> print(strip_solutions(src), end="")
    # %%
    def f(x):
        # YOUR CODE HERE
        raise NotImplementedError("write the body of f(x)")
    """
    text = drop_teacher(text, source)
    lines = text.splitlines(keepends=True)
    for r in reversed(find_regions(text, source)):
        lines[r.begin - 1:r.end] = r.stub()
    return "".join(lines)


def solution_texts(text, source="<text>"):
    """The solution regions of ``text`` as ``(stub, solution)`` pairs, in order.

    ``solution`` is the region's lines, markers included; ``stub`` what the student
    edition has in their place. Teacher's notes are not solutions: they are dropped first.
    """
    text = drop_teacher(text, source)
    lines = text.splitlines(keepends=True)
    return [("".join(r.stub()), "".join(lines[r.begin - 1:r.end]))
            for r in find_regions(text, source)]


def paste_solutions(student, solutions):
    """Put ``solutions`` (pairs from :func:`solution_texts`) back in place of their stubs.

    The inverse of :func:`strip_solutions` but for the teacher's notes:
    ``paste_solutions(strip_solutions(t), solution_texts(t)) == drop_teacher(t)``. Each stub is searched after the previous one.

    Raises
    ------
    ValueError
        If a stub is not found (the student text is not an edition of that chapter).
    """
    out, rest = [], student
    for stub, solution in solutions:
        at = rest.find(stub)
        if at < 0:
            raise ValueError(f"student has no stub {stub.strip()!r} for the next solution.")
        out.append(rest[:at] + solution)
        rest = rest[at + len(stub):]
    return "".join(out) + rest


def edition_cells(text):
    """The cells of a percent-format source as ``(cell_type, source)`` pairs: what a reader sees.

    Comparing editions by these pairs, not by bytes, ignores how a Jupytext version lays
    out a file (blank lines, metadata, the ``.ipynb`` JSON).
    """
    import jupytext

    return [(c.cell_type, c.source.strip()) for c in jupytext.reads(text, fmt="py:percent").cells]


def student_notebook(text):
    """An output-free ``.ipynb`` (as JSON text) of a percent-format source, with stable cell ids."""
    import jupytext

    nb = jupytext.reads(text, fmt="py:percent")
    seen = set()
    for i, cell in enumerate(nb.cells):
        cell.id = hashlib.sha1(cell.source.encode()).hexdigest()[:8]
        if cell.id in seen:
            cell.id = f"{cell.id}-{i}"
        seen.add(cell.id)
    nb.metadata = {"kernelspec": dict(_KERNELSPEC), "language_info": {"name": "python"}}
    return jupytext.writes(nb, fmt="ipynb")


def write_student_edition(src, out, *, ipynb=False):
    """Write ``out/NN_name.py`` for every chapter in ``src`` (and ``out/NN_name.ipynb`` if asked).

    Chapter files in ``out`` with no source in ``src`` are removed, and so are ``.ipynb``
    files when ``ipynb`` is False.

    Parameters
    ----------
    src, out : str or os.PathLike
        The solution chapters' folder (``notebooks/``) and the edition's (``student/``).
    ipynb : bool, default=False
        Also write an output-free ``.ipynb`` beside each ``.py``. The repository commits
        the ``.py`` files only: JupyterLab opens them as notebooks through Jupytext.

    Returns
    -------
    dict
        ``{chapter stem: number of solution regions}``.
    """
    src, out = pathlib.Path(src), pathlib.Path(out)
    chapters = sorted(src.glob(CHAPTER_GLOB))
    if not chapters:
        raise ValueError(f"src has no chapters {CHAPTER_GLOB!r}: {src}")
    out.mkdir(parents=True, exist_ok=True)
    done = {}
    for py in chapters:
        text = py.read_text(encoding="utf-8")
        student = strip_solutions(text, str(py))
        (out / py.name).write_text(student, encoding="utf-8")
        if ipynb:
            (out / py.name).with_suffix(".ipynb").write_text(student_notebook(student),
                                                             encoding="utf-8")
        done[py.stem] = len(find_regions(text, str(py)))
    for old in [*out.glob(CHAPTER_GLOB), *out.glob(CHAPTER_GLOB[:-3] + ".ipynb")]:
        if old.stem not in done or (old.suffix == ".ipynb" and not ipynb):
            old.unlink()
    return done
