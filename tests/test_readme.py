"""Every ```python block of README.md runs as written.

The blocks are read from README.md when the tests are collected, so the test follows the
README as it is edited (nothing is copied here). Each block runs on its own, in a fresh
namespace, in an empty temporary working directory, offline: what a reader gets who pastes
that one block into a Python session started in a scratch folder. A failure names the
block and its line in README.md, and the traceback points at README.md's own lines.
"""

from __future__ import annotations

import pathlib
import re
import socket
import textwrap
import traceback
from typing import NamedTuple

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"

# An opening fence (``` or ~~~, indented by at most 3 spaces, with an info string), the
# body, and a closing fence of the same kind and at least the same length.
_FENCE = re.compile(
    r"^(?P<indent>[ ]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)\n"
    r"(?P<body>.*?)"
    r"^[ ]{0,3}(?P=fence)[`~]*[ \t]*$",
    re.S | re.M)
_PYTHON = {"python", "py", "python3"}


class Block(NamedTuple):
    """One fenced python block: its number among the python blocks (1-based), the README
    line of its first code line, and its source."""

    number: int
    line: int
    source: str

    @property
    def name(self):
        return f"README.md python block {self.number} (line {self.line})"


def python_blocks(text):
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
        blocks.append(Block(len(blocks) + 1, first_line, body))
    return blocks


def run_block(block, filename=str(README)):
    """Execute ``block`` in a fresh namespace; on any exception, fail naming the block.

    The source is compiled with ``filename`` and shifted to its line in the README, so
    the traceback shows README.md's line numbers.
    """
    code = compile("\n" * (block.line - 1) + block.source, filename, "exec")
    try:
        exec(code, {"__name__": "__readme__"})
    except Exception as exc:
        raise AssertionError(
            f"{block.name} raised {type(exc).__name__}: {exc}\n\n"
            f"--- the block ---\n{block.source}--- traceback ---\n{traceback.format_exc()}"
        ) from None


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


def _no_network(*args, **kwargs):
    raise OSError("a README block tried to open a network connection; the tests run offline")


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """An empty working directory, an Agg matplotlib and no network."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("HANDIN_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    return tmp_path


def test_the_readme_has_python_blocks():
    assert BLOCKS, ("README.md has no ```python block: the package example is gone or its "
                    "fence changed")


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: f"block{b.number}-line{b.line}")
def test_readme_python_block_runs(block, scratch):
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


def test_a_failing_block_is_named_with_its_readme_line(scratch):
    block = Block(4, 57, "a = 1\nimport handin\nhandin.no_such_thing\n")
    with pytest.raises(AssertionError) as info:
        run_block(block, filename="README.md")
    message = str(info.value)
    assert message.startswith("README.md python block 4 (line 57) raised AttributeError")
    assert 'File "README.md", line 59' in message       # the third line of the block


def test_blocks_run_in_the_scratch_directory_and_offline(scratch):
    run_block(Block(1, 1, "open('made_by_block.txt', 'w').close()\n"))
    assert (scratch / "made_by_block.txt").exists()
    with pytest.raises(AssertionError, match="offline"):
        run_block(Block(2, 1, "import socket\nsocket.create_connection(('example.org', 80))\n"))


def test_the_readme_points_table_is_the_courses():
    """The table of points is the course's own, so its rows add up to what nbgrader grades."""
    from handin.course import nbgrader

    table = nbgrader.points_table(README.parent / "notebooks")
    assert table in README.read_text(encoding="utf-8"), \
        "README's points table is stale: paste handin.course.nbgrader.points_table('notebooks')"
