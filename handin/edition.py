"""The student edition: the chapters with their solutions cut out, from the same source.

In a chapter's percent-format source (``notebooks/NN_name.py``), a **solution region**
is the lines of a code cell between two marker comments::

    def my_forward(X, params):
        W1, b1, W2, b2 = (params[name] for name in PARAM_NAMES)
        # BEGIN SOLUTION
        Z1 = X @ W1 + b1
        ...
        # END SOLUTION
        return {"X": X, "Z1": Z1, "A1": A1, "Z2": Z2, "P": P}

The student edition replaces every region, markers included, by a stub at the
indentation of its ``# BEGIN SOLUTION`` line::

        # YOUR CODE HERE
        raise NotImplementedError("write the body of my_forward(X, params)")

The stub names the enclosing function. ``# BEGIN SOLUTION: <message>`` puts
``<message>`` in the stub instead. Markers are comments, so the solution edition
runs as it is. Regions do not nest and do not cross cells; markers in markdown
cells are text and are left alone. Everything else is copied unchanged.

``python -m handin student-edition`` writes ``student/NN_name.py`` and an
output-free ``student/NN_name.ipynb`` for every chapter.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import re
from typing import NamedTuple

__all__ = ["Region", "find_regions", "strip_solutions", "student_notebook",
           "write_student_edition", "CHAPTER_GLOB"]

CHAPTER_GLOB = "[0-9][0-9]_*.py"
_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?::[ \t]*(?P<message>.*?))?[ \t]*$")
_END = re.compile(r"^[ \t]*# END SOLUTION[ \t]*$")
_LOOSE = re.compile(r"^[ \t]*#.*\b(BEGIN|END)[ _]SOLUTION", re.IGNORECASE)
_CELL = re.compile(r"^# %%(?P<rest>.*)$")
_DEF = re.compile(r"^(?P<indent>[ \t]*)(?:async[ \t]+)?def[ \t]+(?P<sig>\w+[ \t]*\(.*?\))")
_KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class Region(NamedTuple):
    """One solution region: marker lines ``begin`` and ``end`` (1-based) and its stub text."""

    begin: int
    end: int
    indent: str
    message: str


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
                                 f"line {open_at[0] + 1} is not closed; add '# END SOLUTION'.")
            code = _is_code_cell(cell["rest"])
            continue
        if not code:
            continue
        begin, end = _BEGIN.match(line), _END.match(line)
        if begin:
            if open_at is not None:
                raise ValueError(f"{where}: '# BEGIN SOLUTION' inside the region opened at line "
                                 f"{open_at[0] + 1}; solution regions cannot be nested.")
            open_at = (i, begin)
        elif end:
            if open_at is None:
                raise ValueError(f"{where}: '# END SOLUTION' without a '# BEGIN SOLUTION' before it.")
            j, m = open_at
            sig = _function_at(lines, j, m["indent"])
            message = m["message"] or (f"write the body of {sig}" if sig else "write this code")
            if m["message"] and sig:
                message = f"{sig.split('(')[0]}: {message}"
            regions.append(Region(j + 1, i + 1, m["indent"], message))
            open_at = None
        elif _LOOSE.match(line):
            raise ValueError(f"{where}: malformed marker {line.strip()!r}; write exactly "
                             "'# BEGIN SOLUTION' (optionally ': message') or '# END SOLUTION'.")
    if open_at is not None:
        raise ValueError(f"{source}, line {open_at[0] + 1}: '# BEGIN SOLUTION' is never closed; "
                         "add '# END SOLUTION'.")
    return regions


def strip_solutions(text, source="<text>"):
    """Replace every solution region of ``text`` by a ``# YOUR CODE HERE`` stub.

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
        stub = [f"{r.indent}# YOUR CODE HERE\n",
                f"{r.indent}raise NotImplementedError({json.dumps(r.message, ensure_ascii=False)})\n"]
        lines[r.begin - 1:r.end] = stub
    return "".join(lines)


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


def write_student_edition(src, out):
    """Write ``out/NN_name.py`` and ``out/NN_name.ipynb`` for every chapter in ``src``.

    Chapter files in ``out`` with no source in ``src`` are removed.

    Parameters
    ----------
    src, out : str or os.PathLike
        The solution chapters' folder (``notebooks/``) and the edition's (``student/``).

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
        (out / py.name).with_suffix(".ipynb").write_text(student_notebook(student), encoding="utf-8")
        done[py.stem] = len(find_regions(text, str(py)))
    for old in [*out.glob(CHAPTER_GLOB), *out.glob(CHAPTER_GLOB[:-3] + ".ipynb")]:
        if old.stem not in done:
            old.unlink()
    return done
