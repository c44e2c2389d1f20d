"""Every figure of the book has a caption line, for readers who cannot see it.

JupyterLab ignores alt text on a PNG output, so each code cell that draws a figure
(``plt.show()`` or ``Image(...)``) is followed by a markdown cell whose first line is a
short description in italics starting with ``*Figure:``. The .py twins are read
(tests/test_notebooks_paired.py checks that the .ipynb files hold the same cells).
"""

import pathlib
import re

import jupytext
import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOKS = sorted(p for folder in ("notebooks", "solutions", "student")
               for p in (ROOT / folder).glob("[0-9][0-9]_*.py"))
DRAWS = re.compile(r"^[^#\n]*(plt\.show\(\)|\bImage\()", re.MULTILINE)
CAPTION = re.compile(r"\*Figure: .+\*$")


def uncaptioned(cells):
    """Indices of the figure cells not directly followed by a markdown cell starting with a caption."""
    missing = []
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or not DRAWS.search(cell.source):
            continue
        after = cells[i + 1] if i + 1 < len(cells) else None
        first = after.source.strip().split("\n")[0] if after is not None else ""
        if after is None or after.cell_type != "markdown" or not CAPTION.match(first):
            missing.append(i)
    return missing


@pytest.mark.parametrize("path", BOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_figure_is_followed_by_a_caption_line(path):
    cells = jupytext.read(path).cells
    missing = uncaptioned(cells)
    assert not missing, (f"{path.parent.name}/{path.name}: the figure cells {missing} need a markdown "
                         "cell after them whose first line is '*Figure: ...*'")


def test_the_check_finds_a_missing_or_misplaced_caption():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    figure = code("fig, ax = plt.subplots()\nax.plot([1, 2])\nplt.show()")
    assert uncaptioned([figure, md("*Figure: a line rising from 1 to 2.*\n\nMore prose.")]) == []
    assert uncaptioned([code("Image(ex.png())"), md("*Figure: the explorer's chart.*")]) == []
    assert uncaptioned([figure]) == [0]                                       # the last cell
    assert uncaptioned([figure, code("print(1)")]) == [0]                     # code after it
    assert uncaptioned([figure, md("A line.\n\n*Figure: a line.*")]) == [0]   # not the first line
    assert uncaptioned([figure, md("Figure: a line.")]) == [0]                # not in italics
    assert uncaptioned([code("# plt.show() in a comment draws nothing")]) == []
