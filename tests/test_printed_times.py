"""A time the book prints or cites is this machine's, now: never checked, never promised.

How long a cell takes depends on the processor and on what else it runs (a shared hub, a
browser, other kernels: a run that takes 0.6 s on a quiet machine took 53.8 s on a busy
one). So

* every code cell of the chapters (teacher's and solutions) whose saved output shows a
  duration is tagged ``nbval-ignore-output``: nbval runs it but does not compare its output;
* every markdown cell that cites a duration says, in the same cell, that it depends on the
  machine (or its load).
"""

import pathlib
import re

import jupytext
import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for folder in ("notebooks", "solutions")
                   for p in (ROOT / folder).glob("[0-9][0-9]_*.ipynb"))
SOURCES = sorted(p for folder in ("notebooks", "solutions", "student")
                 for p in (ROOT / folder).glob("[0-9][0-9]_*.py"))

#: a duration ("2s" is the digit two, plural; "a second" is mostly an ordinal): "0.6 s",
#: "12.4 s", "239 ms", "3 µs", "2 seconds", "a few seconds"
DURATION = re.compile(
    r"(?<![\w.,])\d+(,\d{3})*(\.\d+)?(\s(s|min)|\s?(ms|µs|us|ns|sec|seconds?|minutes?))(?![\w²³])"
    r"(?! apart)|\b(a few|several|ten|two|about a) (seconds?|minutes?)\b", re.IGNORECASE)
#: intervals the code sets (a debounce, a throttle), not durations of work
SETTING = re.compile(r"\bevery \d+(\.\d+)? s\b")
#: what a cell citing a duration must also say
VARIES = re.compile(r"depend|vary|varies|machine|processor|busy|quiet|load|your computer",
                    re.IGNORECASE)


def output_text(cell):
    out = []
    for o in cell.get("outputs", ()):
        if o.get("output_type") == "stream":
            out.append(o.get("text", ""))
        else:
            out.append(o.get("data", {}).get("text/plain", ""))
    return "".join(out)


def untagged_timings(nb):
    """Indices of code cells whose output shows a duration but which nbval still checks."""
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
            and DURATION.search(output_text(c))
            and not {"nbval-ignore-output", "nbval-skip"} & set(c.metadata.get("tags", ()))]


def unqualified_durations(cells):
    """(index, phrase) of markdown cells that cite a duration without saying it varies."""
    found = []
    for i, c in enumerate(cells):
        if c.cell_type != "markdown":
            continue
        m = DURATION.search(SETTING.sub("", re.sub(r"\$[^$]*\$", "", c.source)))  # no math
        if m and not VARIES.search(c.source):
            found.append((i, m.group(0)))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_printed_time_is_never_checked(path):
    nb = nbformat.read(path, as_version=4)
    assert untagged_timings(nb) == [], (
        f"{path.name}: these cells print a duration that nbval would compare; tag them "
        "nbval-ignore-output")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_cited_time_says_it_depends_on_the_machine(path):
    assert unqualified_durations(jupytext.read(path).cells) == [], (
        f"{path.name}: a markdown cell cites a duration without saying it depends on the "
        "machine and its load")


def test_the_rules_can_fail():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("t()", outputs=[nbformat.v4.new_output(
                    "stream", name="stdout", text="training took 2.1 s\n")]),
                nbformat.v4.new_code_cell("print(3)", outputs=[nbformat.v4.new_output(
                    "stream", name="stdout", text="3 samples, 10 classes\n")])]
    assert untagged_timings(nb) == [0]
    nb.cells[0].metadata["tags"] = ["nbval-ignore-output"]
    assert untagged_timings(nb) == []
    cells = [nbformat.v4.new_markdown_cell("Twelve runs: a few seconds."),
             nbformat.v4.new_markdown_cell("Ten epochs take 0.7 s on a quiet machine."),
             nbformat.v4.new_markdown_cell("With $n = 3$ s amples, 2 classes.")]
    assert unqualified_durations(cells) == [(0, "a few seconds")]
