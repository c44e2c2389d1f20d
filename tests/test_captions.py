"""Every figure of the book carries its words, written once, for readers who cannot see it.

A chapter shows a figure with ``show(fig, "what it shows")`` (handin/plots/figure.py): one
output whose HTML is the picture as an ``<img alt="words">`` with ``Figure: words`` under
it, and whose text/plain is ``Figure: words``. The words are written once, in that call: no
markdown ``*Figure: ...*`` line repeats them. So

* no code cell shows a picture without words: no ``plt.show()``, no ``Image(...)``, no
  cell ending in a bare ``something.figure()`` (a matplotlib Figure shown by its repr);
* no markdown cell holds a ``*Figure:`` caption line (the words live in the ``show`` call);
* in the saved outputs (the .ipynb twins of notebooks/ and solutions/), every output that
  holds an image also holds HTML with an ``<img>`` whose ``alt`` is non-empty, the same
  words in its ``<figcaption>``, and the text/plain ``Figure: <the same words>``.

The .py twins are read for the cells (tests/test_notebooks_paired.py checks that the .ipynb
files hold the same cells); student/ has no outputs, and its cells are those of notebooks/.
"""

import html
import pathlib
import re

import jupytext
import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOKS = sorted(p for folder in ("notebooks", "solutions", "student")
               for p in (ROOT / folder).glob("[0-9][0-9]_*.py"))
SAVED = sorted(p for folder in ("notebooks", "solutions")
               for p in (ROOT / folder).glob("[0-9][0-9]_*.ipynb"))
BARE = re.compile(r"^[^#\n]*(plt\.show\(\)|\bImage\()", re.MULTILINE)
BARE_LAST = re.compile(r"^\w[\w.]*\.figure\(\)\s*;?\s*$")      # demo.figure() as a result
MD_CAPTION = re.compile(r"^\*Figure:", re.MULTILINE)
IMAGES = ("image/png", "image/svg+xml", "image/jpeg")
IMG_ALT = re.compile(r'<img\b[^>]*\balt="([^"]*)"')
FIGCAPTION = re.compile(r"<figcaption\b[^>]*>(.*?)</figcaption>", re.S)
PREFIX = "Figure: "


def source_problems(cells):
    """(index, problem) for the cells that show a picture without words or repeat them."""
    found = []
    for i, cell in enumerate(cells):
        lines = [ln for ln in cell.source.strip().split("\n") if ln.strip()]
        if cell.cell_type == "code":
            if BARE.search(cell.source):
                found.append((i, "plt.show() or Image(...): a picture without words"))
            elif lines and BARE_LAST.match(lines[-1]):
                found.append((i, "a bare .figure() result: a picture without words"))
        elif cell.cell_type == "markdown" and MD_CAPTION.search(cell.source):
            found.append((i, "a *Figure:* caption line: the words belong in show(fig, words)"))
    return found


def output_problems(cells):
    """(index, problem) for the saved image outputs without their words."""
    found = []
    for i, cell in enumerate(cells):
        for out in cell.get("outputs", ()):
            data = out.get("data", {})
            if not any(kind in data for kind in IMAGES):
                continue
            markup = data.get("text/html", "")
            markup = "".join(markup) if isinstance(markup, list) else markup
            alts = IMG_ALT.findall(markup)
            if len(alts) != 1 or not alts[0].strip():
                found.append((i, "an image output without one <img alt=...> in its HTML"))
                continue
            words = html.unescape(alts[0])
            caption = FIGCAPTION.search(markup)
            caption = html.unescape(re.sub(r"<[^>]+>", "", caption.group(1))) if caption else ""
            plain = data.get("text/plain", "")
            plain = "".join(plain) if isinstance(plain, list) else plain
            if " ".join(caption.split()) != PREFIX + words:
                found.append((i, f"the caption {caption!r} is not 'Figure: ' + the alt {words!r}"))
            if plain != PREFIX + words:
                found.append((i, f"the text/plain {plain!r} is not 'Figure: ' + the alt"))
    return found


@pytest.mark.parametrize("path", BOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_figure_is_shown_with_its_words_written_once(path):
    problems = source_problems(jupytext.read(path).cells)
    assert not problems, f"{path.parent.name}/{path.name}: " + "; ".join(
        f"cell {i}: {what}" for i, what in problems)


@pytest.mark.parametrize("path", SAVED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_saved_image_carries_its_words(path):
    problems = output_problems(nbformat.read(path, as_version=4).cells)
    assert not problems, f"{path.parent.name}/{path.name}: " + "; ".join(
        f"cell {i}: {what}" for i, what in problems)


def test_the_source_check_finds_pictures_without_words_and_repeated_words():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    assert source_problems([code('fig, ax = plt.subplots()\nshow(fig, "a line.")')]) == []
    assert source_problems([code("fig, ax = plt.subplots()\nax.plot([1, 2])\nplt.show()")])
    assert source_problems([code("Image(ex.png())")])
    assert source_problems([code("demo.figure()")])
    assert source_problems([code('show(demo.figure(), "the digit.")')]) == []
    assert source_problems([md("Prose.\n\n*Figure: a line.*")])
    assert source_problems([code("# plt.show() in a comment draws nothing")]) == []
    assert source_problems([md("`plt.show()` and *Figure* in prose are fine.")]) == []


def test_the_output_check_finds_images_without_their_words():
    from handin.plots.figure import figure_bundle

    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
    cell = nbformat.v4.new_code_cell("show(...)")

    def shown(data):
        cell.outputs = [nbformat.v4.new_output("display_data", data)]
        return output_problems([cell])

    good = figure_bundle(png, "a <line> & a dot.")
    assert shown(good) == []
    assert shown({"image/png": "iVBOR", "text/plain": "<Figure>"})            # no HTML
    assert shown({**good, "text/html": good["text/html"].replace('alt="', 'title="')})
    assert shown({**good, "text/html": re.sub(r'alt="[^"]*"', 'alt=" "', good["text/html"])})
    assert shown({**good, "text/plain": "Figure: other words."})
    assert shown({**good, "text/html": good["text/html"].replace("a dot.</fig", "a cat.</fig")})
    assert shown({"text/plain": "no image"}) == []
