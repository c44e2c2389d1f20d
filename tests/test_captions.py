"""Every figure of the book has a caption line, for readers who cannot see it.

JupyterLab ignores alt text on a PNG output, so each code cell that draws a figure is
followed by a markdown cell whose first line is a short description in italics starting
with ``*Figure:``. A cell draws a figure if its saved output holds an image, whatever call
made it (``plt.show()``, ``Image(...)``, a function returning a matplotlib Figure such as
``pad.figure()``), or if its source calls ``plt.show()`` or ``Image(``. The .py twins are read
for the cells (tests/test_notebooks_paired.py checks that the .ipynb files hold the same
cells) and the .ipynb twins for the outputs; a student chapter, which has no outputs,
takes them from the teacher's chapter's cell of the same source.
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
IMAGES = ("image/png", "image/svg+xml", "image/jpeg")


def shows_image(cell):
    """Whether a code cell's saved outputs hold an image."""
    return any(kind in out.get("data", {}) for out in cell.get("outputs", ()) for kind in IMAGES)


def drawn_sources(path):
    """The sources of the code cells whose outputs in ``path`` (an .ipynb) hold an image."""
    if not path.is_file():
        return set()
    cells = nbformat.read(path, as_version=4).cells
    return {cell.source.strip() for cell in cells if cell.cell_type == "code" and shows_image(cell)}


def uncaptioned(cells, drawn=frozenset()):
    """Indices of the figure cells not directly followed by a markdown cell starting with a
    caption. A figure cell calls ``plt.show()`` or ``Image(``, shows an image in its outputs,
    or has its source in ``drawn``."""
    missing = []
    for i, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        if not (DRAWS.search(cell.source) or shows_image(cell) or cell.source.strip() in drawn):
            continue
        after = cells[i + 1] if i + 1 < len(cells) else None
        first = after.source.strip().split("\n")[0] if after is not None else ""
        if after is None or after.cell_type != "markdown" or not CAPTION.match(first):
            missing.append(i)
    return missing


@pytest.mark.parametrize("path", BOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_figure_is_followed_by_a_caption_line(path):
    cells = jupytext.read(path).cells
    twin = ROOT / ("notebooks" if path.parent.name == "student" else path.parent.name) / path.name
    drawn = drawn_sources(twin.with_suffix(".ipynb"))
    missing = uncaptioned(cells, drawn)
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


def test_a_figure_from_any_call_needs_a_caption():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    shown = code("demo.figure()")
    shown.outputs = [nbformat.v4.new_output("execute_result", {"image/png": "iVBOR",
                                                                "text/plain": "<Figure>"})]
    assert uncaptioned([shown, md("The next part.")]) == [0]
    assert uncaptioned([shown, md("*Figure: the digit and its probabilities.*")]) == []
    assert uncaptioned([code("demo.figure()"), md("The next part.")], {"demo.figure()"}) == [0]
    assert uncaptioned([code("demo.figure()"), md("The next part.")]) == []   # no output, no twin


def test_the_chapters_figures_by_other_calls_are_found():
    drawn = drawn_sources(ROOT / "notebooks" / "06_draw_a_digit.ipynb")
    assert "demo.figure()" in drawn
