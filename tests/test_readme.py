"""Every ```python block of README.md and of every docs/*.md page runs as written.

The blocks are read from the pages when the tests are collected, so the test follows them
as they are edited (nothing is copied here). Each block runs on its own, in a fresh
namespace, in an empty temporary working directory, offline: what a reader gets who pastes
that one block into a Python session started in a scratch folder. A failure names the page,
the block and its line, and the traceback points at the page's own lines.

A block right after a ``<!-- term: NAME -->`` line is not a session but a file that
tests/hub/test_term.py runs on a real hub (``jupyterhub_config.py``, where JupyterHub gives
it ``c``): here it is only compiled, and tests/hub/test_doc.py checks what it sets.

Also here: the README stays a front door (under 8,000 characters, with the test command
that .ci/run runs), and the tables the pages copy from the code are the code's.
"""

from __future__ import annotations

import importlib.util
import pathlib
import re
import socket
import textwrap
import traceback
from typing import NamedTuple

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: the pages whose blocks run: the README and every Markdown page under docs/
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
TEACHERS = ROOT / "docs" / "teachers.md"

# An opening fence (``` or ~~~, indented by at most 3 spaces, with an info string), the
# body, and a closing fence of the same kind and at least the same length.
_FENCE = re.compile(
    r"^(?P<indent>[ ]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)\n"
    r"(?P<body>.*?)"
    r"^[ ]{0,3}(?P=fence)[`~]*[ \t]*$",
    re.S | re.M)
_PYTHON = {"python", "py", "python3"}
# tests/hub/harness.py's marker of a block that the term test runs
_TERM = re.compile(r"<!-- term: ([\w-]+) -->\s*\Z")


class Block(NamedTuple):
    """One fenced python block: its number among the page's python blocks (1-based), the
    page's line of its first code line, its source, the page (relative to the repository)
    and, for a block the hub test runs, its ``term`` name."""

    number: int
    line: int
    source: str
    page: str = "README.md"
    term: str | None = None

    @property
    def name(self):
        return f"{self.page} python block {self.number} (line {self.line})"


def python_blocks(text, page="README.md"):
    """The fenced blocks of ``text`` whose info string starts with python, py or python3."""
    blocks = []
    for m in _FENCE.finditer(text):
        words = m.group("info").split()
        if not words or words[0].lower() not in _PYTHON:
            continue
        first_line = text.count("\n", 0, m.start("body")) + 1
        body = m.group("body")
        if m.group("indent"):
            body = textwrap.dedent(body)
        term = _TERM.search(text, 0, m.start())
        blocks.append(Block(len(blocks) + 1, first_line, body, page, term and term.group(1)))
    return blocks


def run_block(block, filename=None):
    """Execute ``block`` in a fresh namespace; on any exception, fail naming the block.

    The source is compiled with ``filename`` (default: the block's page in the repository)
    and shifted to its line in the page, so the traceback shows the page's line numbers.
    """
    filename = filename or str(ROOT / block.page)
    code = compile("\n" * (block.line - 1) + block.source, filename, "exec")
    try:
        exec(code, {"__name__": "__readme__"})
    except Exception as exc:
        raise AssertionError(
            f"{block.name} raised {type(exc).__name__}: {exc}\n\n"
            f"--- the block ---\n{block.source}--- traceback ---\n{traceback.format_exc()}"
        ) from None


BLOCKS = [b for page in PAGES
          for b in python_blocks(page.read_text(encoding="utf-8"),
                                 page.relative_to(ROOT).as_posix())]


def _no_network(*args, **kwargs):
    raise OSError("a documentation block tried to open a network connection; the tests run offline")


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """An empty working directory, an Agg matplotlib and no network."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("HANDIN_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    return tmp_path


def test_the_pages_have_python_blocks():
    pages = {b.page for b in BLOCKS if not b.term}
    assert {"docs/package.md", "docs/data.md"} <= pages, (
        f"python blocks run from {sorted(pages)}: the package's or the data's example is gone "
        "or its fence changed")


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: f"{b.page}-block{b.number}-line{b.line}")
def test_doc_python_block_runs(block, scratch):
    if block.term:      # a file the hub test runs (tests/hub/test_term.py): compiled here
        compile("\n" * (block.line - 1) + block.source, str(ROOT / block.page), "exec")
        return
    run_block(block)


# --- the extractor and the runner themselves --------------------------------------------

SAMPLE = """\
# Title

```bash
echo not python
```

```python
x = 1
```

1. In a list:

   ```py title="indented"
   y = 2
   ```

````python
s = '''
```
'''
````

```text
print("not python either")
```
"""


def test_python_blocks_finds_python_fences_only_with_their_lines():
    blocks = python_blocks(SAMPLE)
    assert [b.number for b in blocks] == [1, 2, 3]
    assert [b.source for b in blocks] == ["x = 1\n", "y = 2\n", "s = '''\n```\n'''\n"]
    lines = SAMPLE.splitlines()
    assert [lines[b.line - 1].strip() for b in blocks] == ["x = 1", "y = 2", "s = '''"]


def test_a_failing_block_is_named_with_its_page_and_line(scratch):
    block = Block(4, 57, "a = 1\nimport handin\nhandin.no_such_thing\n", "docs/package.md")
    with pytest.raises(AssertionError) as info:
        run_block(block, filename="docs/package.md")
    message = str(info.value)
    assert message.startswith("docs/package.md python block 4 (line 57) raised AttributeError")
    assert 'File "docs/package.md", line 59' in message       # the third line of the block


def test_a_block_after_a_term_marker_is_the_hub_tests():
    text = ("<!-- term: hub-config -->\n```python\nc.Spawner.cmd = []\n```\n\n"
            "```python\nz = 3\n```\n")
    assert [(b.term, b.source) for b in python_blocks(text, "docs/x.md")] == [
        ("hub-config", "c.Spawner.cmd = []\n"), (None, "z = 3\n")]


def test_blocks_run_in_the_scratch_directory_and_offline(scratch):
    run_block(Block(1, 1, "open('made_by_block.txt', 'w').close()\n"))
    assert (scratch / "made_by_block.txt").exists()
    with pytest.raises(AssertionError, match="offline"):
        run_block(Block(2, 1, "import socket\nsocket.create_connection(('example.org', 80))\n"))


# --- the README, a front door; the tables the pages copy from the code ------------------

README_LIMIT = 8000


def test_the_readme_stays_a_front_door():
    size = len(README.read_text(encoding="utf-8"))
    assert size < README_LIMIT, (
        f"README.md is {size} characters, over {README_LIMIT}: move the detail to a docs/ page "
        "and link it")


def test_the_readmes_test_command_is_the_one_ci_runs():
    """.ci/run runs the README's second command as written, so the two must not drift."""
    text = README.read_text(encoding="utf-8")
    m = re.search(r"^# 2\. Set up and run every test.*\n(?P<command>.+)$", text, re.M)
    assert m, "README.md: the block of the test command ('# 2. Set up and run every test') is gone"
    command = m.group("command").strip()
    assert "pip install" in command and "pytest" in command, command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ran = [line.strip() for line in ci.splitlines() if line.strip().startswith(command)]
    assert ran, f".ci/run does not run the README's test command as written: {command}"


def test_the_points_table_is_the_courses():
    """The table of points is the course's own, so its rows add up to what nbgrader grades."""
    from handin.course import nbgrader

    table = nbgrader.points_table(ROOT / "notebooks")
    assert table in TEACHERS.read_text(encoding="utf-8"), (
        "docs/teachers.md's points table is stale: paste "
        "handin.course.nbgrader.points_table('notebooks')")


def _reading_minutes():
    """``[minutes]`` of each chapter of student/, as scripts/reading_time.py prints them."""
    spec = importlib.util.spec_from_file_location("reading_time",
                                                  ROOT / "scripts" / "reading_time.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    minutes = []
    for path in sorted((ROOT / "student").glob("[0-9][0-9]_*.py")):
        words, code, _, _ = script.counts(path)
        minutes.append(f"{words / 120 + code / 6:.0f} min")
    return minutes


def test_the_reading_times_are_the_student_editions():
    """The student time's reading column (docs/teachers.md, and the README's row) is what
    scripts/reading_time.py measures on today's student edition."""
    pytest.importorskip("jupytext")
    minutes = _reading_minutes()
    teachers = re.findall(r"^\| (\d+) \| (\d+ min) \|", TEACHERS.read_text(encoding="utf-8"), re.M)
    assert [m for _, m in teachers] == minutes, (
        f"docs/teachers.md's reading times are stale; python scripts/reading_time.py: {minutes}")
    row = re.search(r"^\| reading \|(.*)\|$", README.read_text(encoding="utf-8"), re.M)
    assert row and [c.strip() for c in row.group(1).split("|")] == minutes, (
        f"README.md's reading row is stale; python scripts/reading_time.py: {minutes}")
