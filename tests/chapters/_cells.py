"""Running one of a chapter's own code cells, as the tests of its printed checks do."""

import contextlib
import io
import pathlib

import jupytext
import numpy as np

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[2] / "notebooks"


def run_cell(chapter, phrase, **names):
    """What the code cell of ``notebooks/<chapter>.py`` holding ``phrase`` prints, run with
    numpy as ``np`` and ``names`` as its globals."""
    cells = [c for c in jupytext.read(NOTEBOOKS / f"{chapter}.py").cells
             if c.cell_type == "code" and phrase in c.source]
    assert len(cells) == 1, f"{len(cells)} code cells hold {phrase!r}"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(cells[0].source, {"np": np, **names})   # noqa: S102 - the chapter's own cell
    return out.getvalue()


def output_lines(path, pattern):
    """The committed output lines of ``path``'s ``.ipynb`` twin that match the regular
    expression ``pattern``."""
    import json
    import re

    cells = json.loads(pathlib.Path(path).with_suffix(".ipynb").read_text(encoding="utf-8"))["cells"]
    return [line for cell in cells if cell["cell_type"] == "code" for out in cell["outputs"]
            for line in "".join(out.get("text", "")).splitlines() if re.search(pattern, line)]
