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
(without a message: ``*Derive this yourself.*``). Markers of the other kind are text:
``# BEGIN SOLUTION`` in a markdown cell is prose, an HTML comment in a code cell is
code. Regions do not nest and do not cross cells. Everything else is copied unchanged,
so the solution edition runs as it is.

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

__all__ = ["Region", "find_regions", "strip_solutions", "solution_texts", "paste_solutions",
           "student_notebook", "edition_cells", "write_student_edition", "CHAPTER_GLOB"]

CHAPTER_GLOB = "[0-9][0-9]_*.py"
_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?::[ \t]*(?P<message>.*?))?[ \t]*$")
_END = re.compile(r"^[ \t]*# END SOLUTION[ \t]*$")
_LOOSE = re.compile(r"^[ \t]*#.*\b(BEGIN|END)[ _]SOLUTION", re.IGNORECASE)
_MD_BEGIN = re.compile(r"^#[ \t]*<!--[ \t]*BEGIN SOLUTION(?::[ \t]*(?P<message>.*?))?[ \t]*-->[ \t]*$")
_MD_END = re.compile(r"^#[ \t]*<!--[ \t]*END SOLUTION[ \t]*-->[ \t]*$")
_MD_LOOSE = re.compile(r"^#[ \t]*<!--.*\b(BEGIN|END)[ _]SOLUTION", re.IGNORECASE)
_CELL = re.compile(r"^# %%(?P<rest>.*)$")
_DEF = re.compile(r"^(?P<indent>[ \t]*)(?:async[ \t]+)?def[ \t]+(?P<sig>\w+[ \t]*\(.*?\))")
_KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class Region(NamedTuple):
    """One solution region: marker lines ``begin`` and ``end`` (1-based), its stub text and
    whether it sits in a markdown cell."""

    begin: int
    end: int
    indent: str
    message: str
    markdown: bool = False

    def stub(self):
        """The lines that replace the region in the student edition."""
        if self.markdown:
            return [f"# *Derive this yourself{': ' + self.message if self.message else '.'}*\n"]
        return [f"{self.indent}# YOUR CODE HERE\n",
                f"{self.indent}raise NotImplementedError({json.dumps(self.message, ensure_ascii=False)})\n"]


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
    """The solution regions of a percent-format source, in order.

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
        For a nested, unclosed, unopened or misspelled marker; the message names
        ``source`` and the line.
    """
    lines = text.splitlines()
    regions, open_at, code = [], None, False
    for i, line in enumerate(lines):
        where = f"{source}, line {i + 1}"
        cell = _CELL.match(line)
        if cell:
            if open_at is not None:
                raise ValueError(f"{where}: a new cell starts but the solution region opened at "
                                 f"line {open_at[0] + 1} is not closed; add '{_end_word(code)}'.")
            code = _is_code_cell(cell["rest"])
            continue
        begin, end, loose = ((_BEGIN, _END, _LOOSE) if code else (_MD_BEGIN, _MD_END, _MD_LOOSE))
        begin, end = begin.match(line), end.match(line)
        if begin:
            if open_at is not None:
                raise ValueError(f"{where}: '{_begin_word(code)}' inside the region opened at line "
                                 f"{open_at[0] + 1}; solution regions cannot be nested.")
            open_at = (i, begin)
        elif end:
            if open_at is None:
                raise ValueError(f"{where}: '{_end_word(code)}' without a '{_begin_word(code)}' "
                                 "before it.")
            j, m = open_at
            if code:
                sig = _function_at(lines, j, m["indent"])
                message = m["message"] or (f"write the body of {sig}" if sig else "write this code")
                if m["message"] and sig:
                    message = f"{sig.split('(')[0]}: {message}"
                regions.append(Region(j + 1, i + 1, m["indent"], message))
            else:
                regions.append(Region(j + 1, i + 1, "", m["message"] or "", markdown=True))
            open_at = None
        elif loose.match(line):
            raise ValueError(f"{where}: malformed marker {line.strip()!r}; write exactly "
                             f"'{_begin_word(code)}' (optionally ': message') or "
                             f"'{_end_word(code)}'.")
    if open_at is not None:
        raise ValueError(f"{source}, line {open_at[0] + 1}: '{_begin_word(code)}' is never closed; "
                         f"add '{_end_word(code)}'.")
    return regions


def _begin_word(code):
    return "# BEGIN SOLUTION" if code else "<!-- BEGIN SOLUTION -->"


def _end_word(code):
    return "# END SOLUTION" if code else "<!-- END SOLUTION -->"


def strip_solutions(text, source="<text>"):
    """Replace every solution region of ``text`` by its stub: a ``# YOUR CODE HERE`` and a
    ``NotImplementedError`` in code, a *Derive this yourself* prompt in markdown.

    Examples
    --------
    >>> src = "# %%\\ndef f(x):\\n    # BEGIN SOLUTION\\n    return 2 * x\\n    # END SOLUTION\\n"
    >>> print(strip_solutions(src), end="")
    # %%
    def f(x):
        # YOUR CODE HERE
        raise NotImplementedError("write the body of f(x)")
    """
    lines = text.splitlines(keepends=True)
    for r in reversed(find_regions(text, source)):
        lines[r.begin - 1:r.end] = r.stub()
    return "".join(lines)


def solution_texts(text, source="<text>"):
    """The solution regions of ``text`` as ``(stub, solution)`` pairs, in order.

    ``solution`` is the region's lines, markers included; ``stub`` what the student
    edition has in their place.
    """
    lines = text.splitlines(keepends=True)
    return [("".join(r.stub()), "".join(lines[r.begin - 1:r.end]))
            for r in find_regions(text, source)]


def paste_solutions(student, solutions):
    """Put ``solutions`` (pairs from :func:`solution_texts`) back in place of their stubs.

    The inverse of :func:`strip_solutions`: ``paste_solutions(strip_solutions(t),
    solution_texts(t)) == t``. Each stub is searched after the previous one.

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
