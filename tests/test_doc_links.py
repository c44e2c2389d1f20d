"""README.md and every docs/*.md page render well on GitHub.

GitHub renders a Markdown file's relative links and images against the file's folder in the
repository, and a ``#fragment`` against the target's headings, slugged its way. Here, for the
README and every page under docs/, outside code blocks and code spans:

- every relative link and image names a file or folder of the repository (not outside it),
  and its ``#anchor`` a heading of the target page (or of the page itself);
- no link or image points at ``file:``, ``localhost`` or ``127.0.0.1``, which only the
  writer's machine serves;
- every image has a text alternative (``![what it shows](path)``, ``<img alt=...>``).

The pages are read when the tests are collected, so a failure names the page and line.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import NamedTuple

import pytest

from tests.test_readme import PAGES, ROOT

_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,}).*?^[ ]{0,3}\1[`~]*[ \t]*$", re.S | re.M)
_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
# [text](target) or ![alt](target), the target optionally in <...>, with an optional title
_LINK = re.compile(r"(?P<image>!?)\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]"
                   r"\(\s*(?P<target><[^>]*>|[^\s)]+)(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_HTML = re.compile(r"<(?P<tag>img|a)\b(?P<attrs>[^>]*)>", re.I)
_ATTR = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_HEADING = re.compile(r"^[ ]{0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.M)
_LOCAL_ONLY = re.compile(r"^file:|^[a-z]+://(localhost|127\.0\.0\.1|\[::1\])(?=[:/]|$)", re.I)


class Link(NamedTuple):
    """A link or image of a page: its page (relative path), line, target, and for an image
    its alt text (None for a link)."""

    page: str
    line: int
    target: str
    alt: str | None

    def __str__(self):
        kind = "image" if self.alt is not None else "link"
        return f"{self.page}, line {self.line}: {kind} {self.target!r}"


def _blank(match):
    """The match's text with every character but newlines turned into a space, so that
    offsets and line numbers stay."""
    return re.sub(r"[^\n]", " ", match.group(0))


def prose(text):
    """``text`` with its fenced code blocks and code spans blanked out."""
    return _SPAN.sub(_blank, _FENCE.sub(_blank, text))


def links(text, page="README.md"):
    """Every Markdown and HTML link and image of ``text`` outside code, as :class:`Link`."""
    text = prose(text)
    found = []
    for m in _LINK.finditer(text):
        target = m.group("target").strip("<>")
        found.append((m.start(), target, m.group("text") if m.group("image") else None))
    for m in _HTML.finditer(text):
        attrs = {k.lower(): a or b for k, a, b in _ATTR.findall(m.group("attrs"))}
        if m.group("tag").lower() == "img":
            found.append((m.start(), attrs.get("src", ""), attrs.get("alt", "")))
        elif "href" in attrs:
            found.append((m.start(), attrs["href"], None))
    return [Link(page, text.count("\n", 0, start) + 1, target, alt)
            for start, target, alt in sorted(found)]


def slug(heading):
    """GitHub's anchor for a heading's text: its rendered text lower-cased, punctuation
    dropped (letters, digits, ``_``, ``-`` and spaces stay), each space a ``-``."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)      # a link: its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").replace("*", "")
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(text):
    """The anchors GitHub makes for a page: a slug per heading, ``-1``, ``-2``... after a
    repeat, and any HTML ``id`` or ``name``."""
    seen, found = {}, set()
    for m in _HEADING.finditer(_FENCE.sub(_blank, text)):    # code spans are text here
        base = slug(m.group(2).strip())
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    found.update(a or b for k, a, b in _ATTR.findall(text) if k.lower() in ("id", "name"))
    return found


def problems(link, root=ROOT):
    """What is wrong with ``link`` on GitHub, as a list of sentences (empty: nothing)."""
    target = link.target
    if _LOCAL_ONLY.search(target):
        return [f"{link} points at the writer's machine; link a file of the repository"]
    found = []
    if link.alt is not None and not link.alt.strip():
        found.append(f"{link} has no text alternative: ![what it shows]({target})")
    parts = urllib.parse.urlsplit(target)
    if parts.scheme or parts.netloc:          # http(s), mailto: on the web, not checked here
        return found
    page = root / link.page
    path = urllib.parse.unquote(parts.path)
    if path.startswith("/"):
        return found + [f"{link} starts at /: GitHub reads it from the site's root, not the "
                        "repository's; make it relative to the page"]
    file = (page.parent / path).resolve() if path else page
    if root.resolve() not in (file, *file.parents):
        return found + [f"{link} leaves the repository"]
    if not file.exists():
        return found + [f"{link}: no file {file.relative_to(root.resolve())} in the repository"]
    if parts.fragment:
        if file.suffix.lower() != ".md":
            found.append(f"{link}: an anchor into a file that is not Markdown")
        elif parts.fragment not in anchors(file.read_text(encoding="utf-8")):
            found.append(f"{link}: {file.relative_to(root.resolve())} has no heading with the "
                         f"anchor #{parts.fragment}")
    return found


LINKS = [link for page in PAGES
         for link in links(page.read_text(encoding="utf-8"), page.relative_to(ROOT).as_posix())]


def test_the_pages_have_links_and_images():
    pages = {link.page for link in LINKS}
    assert {"README.md", "docs/teachers.md"} <= pages, sorted(pages)
    assert any(link.alt is not None and link.page == "README.md" for link in LINKS), \
        "README.md shows no picture"


@pytest.mark.parametrize("page", [p.relative_to(ROOT).as_posix() for p in PAGES])
def test_every_link_and_image_of_the_page_works_on_github(page):
    wrong = [p for link in LINKS if link.page == page for p in problems(link)]
    assert not wrong, "\n".join(wrong)


def test_every_docs_page_is_reached_from_the_readme():
    """A page no one links is a page no one reads: each is linked from the README or from a
    page the README links."""
    reached, todo = set(), ["README.md"]
    while todo:
        page = todo.pop()
        reached.add(page)
        for link in LINKS:
            if link.page != page or urllib.parse.urlsplit(link.target).scheme:
                continue
            path = urllib.parse.urlsplit(link.target).path
            if not path.endswith(".md"):
                continue
            name = (ROOT / page).parent.joinpath(path).resolve().relative_to(ROOT).as_posix()
            if name not in reached and name in {p.relative_to(ROOT).as_posix() for p in PAGES}:
                todo.append(name)
    unread = {p.relative_to(ROOT).as_posix() for p in PAGES} - reached
    assert not unread, f"not linked from README.md, even through another page: {sorted(unread)}"


# --- the checker itself ----------------------------------------------------------------

SAMPLE = """\
# A page

## Two commands: `pip` and *pytest*

## Two commands: `pip` and *pytest*

See [the tests](docs/t.md#the-tests), [above](#two-commands-pip-and-pytest-1),
[gone](docs/gone.md), [web](https://example.org/x), [local](http://localhost:8888/lab),
[file](file:///home/me/x.md) and [a bad anchor](docs/t.md#nowhere).

![A picture](docs/p.png) ![](docs/p.png) <img src="docs/p.png">

```markdown
[in a code block](docs/nothing-here.md) ![](docs/nothing.png)
```

and `[in a span](nothing.md)`.
"""


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "t.md").write_text("# The tests\n")
    (tmp_path / "docs" / "p.png").write_bytes(b"")
    (tmp_path / "README.md").write_text(SAMPLE)
    return tmp_path


def test_links_are_found_outside_code_only_with_their_lines():
    found = links(SAMPLE)
    assert [(x.line, x.target) for x in found][:3] == [
        (7, "docs/t.md#the-tests"), (7, "#two-commands-pip-and-pytest-1"), (8, "docs/gone.md")]
    assert len(found) == 10 and not any("nothing" in x.target for x in found)
    assert [x.alt for x in found if x.alt is not None] == ["A picture", "", ""]


def test_slugs_follow_githubs_rules():
    assert slug("Two commands: `pip` and *pytest*") == "two-commands-pip-and-pytest"
    assert slug("Grading a class: `grade_class.py`") == "grading-a-class-grade_classpy"
    assert slug("The solutions, the teacher's notes") == "the-solutions-the-teachers-notes"
    assert slug("[A term](jupyterhub.md) on a hub") == "a-term-on-a-hub"
    assert anchors(SAMPLE) >= {"a-page", "two-commands-pip-and-pytest",
                               "two-commands-pip-and-pytest-1"}


def test_the_checker_names_each_broken_link(repo):
    said = "\n".join(p for link in links(SAMPLE) for p in problems(link, repo))
    assert "line 7" not in said                               # both links of line 7 work
    assert "line 8: link 'docs/gone.md': no file docs/gone.md" in said
    assert "example.org" not in said
    assert "'http://localhost:8888/lab' points at the writer's machine" in said
    assert "'file:///home/me/x.md' points at the writer's machine" in said
    assert "docs/t.md has no heading with the anchor #nowhere" in said
    assert said.count("has no text alternative") == 2
    assert "A picture" not in said
