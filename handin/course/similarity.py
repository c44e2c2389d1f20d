"""Copies flagged for the grader: which submissions of an assignment share their code.

``python -m handin similarity ASSIGNMENT [--course DIR]`` reads the submissions
``DIR/submitted/<student>/<assignment>/<assignment>.ipynb`` of an nbgrader course
(:mod:`handin.course.nbgrader`) and writes ``DIR/similarity/<assignment>.csv`` and
``.html``: the pairs whose graded functions are near-identical once names, comments and
whitespace are set aside. It compares every pair of submissions, and every submission
with handin's own source (each function of the installed package, which a student can
read and paste). A flag is a reason to read two answers side by side; it changes no
grade.

What counts is the student's own code: the code cells with nbgrader's ``solution``
mark, one *part* each (named by its ``grade_id``, the graded function's name), and the
lines the student added or changed in other code cells (one part, ``other cells``).
Lines of the released cell (the signature, the docstring, the given lines, the stub)
are dropped, so an untouched release has no code and is never flagged.

Matching is copydetect's (MOSS's winnowing): each part is tokenised by Pygments, every
name becomes ``V``, ``F`` or ``O``, comments and whitespace go, and its fingerprints are
the hashes of every run of :data:`K` characters of what is left (a window of 1: every
k-gram, so the scores do not depend on Python's per-process string hashes). Copydetect's
*boilerplate* fingerprints are removed from every part before comparing: those of every
code cell of the release, and those of the model answers (the source notebook's
solution cells). A student's part is then compared with every part of the other
submission (and every function of handin); its **score** is the fraction of its
fingerprinted code found there. A pair is flagged when a part's score, in either
direction, is at least ``threshold`` and the match covers at least ``min_matched``
characters of normalised code.

Why the model answers are boilerplate. The graded functions are short and their text
prescribes them: ``dW2 = A1.T @ dZ2 + 2 * c * W2`` and the lines around it, in the order
the chapter gives, are what an honest student writes, and with the names normalised two
such answers are the same string. Code shared with the model answer is therefore no
evidence of copying: a copy is found by what it shares beyond the model answer (its own
helper, its own order, its own way of building the one-hot matrix). The price: a copy of
an answer that *is* the model answer cannot be told from two honest students, and is not
flagged.

Calibration (``python benchmarks/similarity.py --k 20 25 [--no-model-answers]``): the
model answers of chapters 1, 2, 3, 4, 7 and 8 and 16 independently written correct
variants of 9 graded functions (tests/course/similarity_cases.py; each passes its
self-check), against each other and against handin, and a disguised copy of each
(every assigned name renamed, new comments, ``ast.unparse``'s spacing and parentheses).
With K = 25 (copydetect's default noise threshold):

- the 23 pairs of honest answers and the 25 honest answers against handin score 0.00;
  with K = 20, at most 0.35 (42 characters in common);
- the disguised copies score 0.72 to 1.00 in the copied direction (0.56 to 1.00 in the
  other: the copy's renamed given lines are its own), with 70 to 148 characters in
  common, but one: a copy of a variant that differs from the model answer by a single
  line (31 characters left to match);
- handin's ``backward`` pasted (renamed) into ``my_backward`` scores 0.94, 163 characters.

Hence :data:`THRESHOLD` = 0.5 and :data:`MIN_MATCHED` = 50: between the honest answers
(at K = 20 too) and the copies. Without the model answers as boilerplate, the model
answer itself scores 0.93 against ``handin.metrics.confident_mistakes``, 0.88 against
``handin.layers.Linear.backward`` and 0.60 against a variant of ``my_epoch``: every
student who wrote the expected answer would be flagged.

Copydetect (MIT) is the teacher's extra: ``pip install 'handin[teacher]'``.
"""

from __future__ import annotations

import ast
import csv
import functools
import html
import io
import itertools
import logging
import pathlib
import textwrap
from typing import NamedTuple

__all__ = ["similarity_report", "Match", "THRESHOLD", "MIN_MATCHED", "K"]

log = logging.getLogger(__name__)

#: length of a fingerprinted run of normalised code, in characters (copydetect's noise_t)
K = 25
#: a part whose score (fraction of its code found in the other) reaches this is flagged
THRESHOLD = 0.5
#: ... if the match covers at least this many characters of normalised code
MIN_MATCHED = 50
_STUB = {"# YOUR CODE HERE", "raise NotImplementedError()"}
_OTHER = "other cells"


class Match(NamedTuple):
    """A flagged part: ``student``'s ``part`` is near-identical to ``other``'s ``other_part``.

    ``other`` is a student or a file of handin (``handin/model.py``); ``score`` and
    ``other_score`` the fraction of each side's code found in the other; ``matched`` the
    characters of normalised code in common; ``code`` and ``other_code`` the two sides as
    HTML, the matched code in ``<mark>``.
    """
    student: str
    other: str
    part: str
    other_part: str
    score: float
    other_score: float
    matched: int
    code: str
    other_code: str


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


@functools.lru_cache(maxsize=None)
def _key(line):
    """A line as compared with the release's: normalised as copydetect does (no names,
    comments, spaces; one kind of quote), so a given line renamed is still given."""
    from copydetect.utils import filter_code

    return filter_code(line.strip(), "line.py", "python")[0] if line.strip() else ""


def _lines(text):
    return {_key(line) for line in text.split("\n")} - {""}


def _own_lines(source, given):
    """The lines of ``source`` that are not in ``given`` (a set of :func:`_key` s) nor the
    stub, nor only a comment (compared without comments, it holds no code)."""
    own = [line for line in source.split("\n")
           if line.strip() not in _STUB and _key(line) and _key(line) not in given]
    return textwrap.dedent("\n".join(own)).strip("\n")


def student_parts(nb, release):
    """``{part: code}``: the student's own code in notebook ``nb`` (both nbformat nodes).

    A solution cell is compared with the release's cell of the same ``grade_id``; every
    other code cell without nbgrader metadata with all of the release's code.
    """
    given = {_nbgrader(c).get("grade_id"): c.source for c in release.cells
             if c.cell_type == "code" and _nbgrader(c).get("solution")}
    everywhere = set().union(*(_lines(c.source) for c in release.cells if c.cell_type == "code"))
    parts, other = {}, []
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type != "code" or (meta and not meta.get("solution")):
            continue                      # markdown, and test cells (nbgrader restores them)
        if meta.get("solution") and meta.get("grade_id") in given:
            code = _own_lines(cell.source, _lines(given[meta["grade_id"]]))
            if code:
                parts[meta["grade_id"]] = code
        else:
            other.append(_own_lines(cell.source, everywhere))
    if any(other):
        parts[_OTHER] = "\n".join(filter(None, other))
    return parts


def handin_parts(root=None):
    """``{file: {function: code}}``: every function and method of the handin package."""
    root = pathlib.Path(root or pathlib.Path(__file__).resolve().parents[1])
    out = {}
    for py in sorted(root.rglob("*.py")):
        text = py.read_text(encoding="utf-8")
        funcs = {}
        for node in ast.parse(text).body:
            defs = node.body if isinstance(node, ast.ClassDef) else [node]
            for d in defs:
                if isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    name = f"{node.name}.{d.name}" if d is not node else d.name
                    funcs[name] = ast.get_source_segment(text, d)
        if funcs:
            out[f"{root.name}/{py.relative_to(root).as_posix()}"] = funcs
    return out


def _fingerprint(code, boilerplate=frozenset(), k=K):
    """copydetect's fingerprint of ``code``, without the hashes in ``boilerplate``.

    The boilerplate is removed here rather than by copydetect's own argument: copydetect
    0.5 also drops every fingerprint that occurs twice in the code when given one.
    """
    from copydetect import CodeFingerprint
    from copydetect.utils import get_token_coverage

    fp = CodeFingerprint("part.py", k, 1, language="python", fp=io.StringIO(code))
    fp.hashes = fp.hashes - boilerplate
    fp.hash_idx = {h: i for h, i in fp.hash_idx.items() if h in fp.hashes}
    fp.token_coverage = get_token_coverage(fp.hash_idx, k, len(fp.filtered_code))
    return fp


def boilerplate(release, source=None, k=K):
    """The fingerprints of every code cell of ``release`` and of ``source``'s solution cells."""
    cells = [c.source for c in release.cells if c.cell_type == "code"]
    if source is not None:
        cells += [c.source for c in source.cells
                  if c.cell_type == "code" and _nbgrader(c).get("solution")]
    return frozenset().union(*(_fingerprint(text, k=k).hashes for text in cells))


def _marked(fp, slices):
    from copydetect.utils import highlight_overlap

    if len(slices) == 0 or slices.shape[-1] == 0:
        return html.escape(fp.raw_code)
    return highlight_overlap(fp.raw_code, slices, "<mark>", "</mark>", escape_html=True)[0]


def compare(student, parts, other, other_parts, *, threshold=THRESHOLD,
            min_matched=MIN_MATCHED, both_ways=True):
    """The :class:`Match` es of ``parts`` with ``other_parts`` (``{name: fingerprint}``).

    ``both_ways=False`` flags on the student's score alone (the other is handin's source).
    """
    from copydetect import compare_files

    found = []
    for (p, fp), (q, other_fp) in itertools.product(parts.items(), other_parts.items()):
        if not fp.hashes & other_fp.hashes:
            continue
        matched, (score, other_score), (sl, other_sl) = compare_files(fp, other_fp)
        best = max(score, other_score) if both_ways else score
        if matched >= min_matched and best >= threshold:
            found.append(Match(student, other, p, q, float(score), float(other_score),
                               int(matched), _marked(fp, sl), _marked(other_fp, other_sl)))
    return found


def _read(path):
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:   # not JSON, not a notebook: reported, not compared
        log.warning("%s: not read (%s)", path, exc)
        return None


def similarity_report(course_dir, assignment, *, threshold=THRESHOLD, min_matched=MIN_MATCHED,
                      handin_root=None):
    """Compare the submissions of ``assignment``; write its CSV and HTML similarity report.

    Parameters
    ----------
    course_dir : str or os.PathLike
        The nbgrader course folder: ``release/<assignment>/<assignment>.ipynb`` and the
        submissions ``submitted/<student>/<assignment>/<assignment>.ipynb``.
    assignment : str
        The assignment's name (a chapter's stem, ``02_forward_backward``).
    threshold : float in (0, 1], default=:data:`THRESHOLD`
        A part is flagged when this fraction of its code is found in the other.
    min_matched : int >= 1, default=:data:`MIN_MATCHED`
        ... and the match covers at least this many characters of normalised code.
    handin_root : path, optional
        The package whose functions a submission is compared with (default: handin's).

    Returns
    -------
    list of Match
        The flagged parts, the highest score first. The report is written to
        ``course_dir/similarity/<assignment>.csv`` and ``.html``.

    Raises
    ------
    ValueError
        For a threshold or min_matched out of range, or an assignment with no release.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    if int(min_matched) != min_matched or min_matched < 1:
        raise ValueError(f"min_matched must be an integer >= 1, got {min_matched!r}")
    if not assignment or pathlib.PurePath(assignment).name != assignment or assignment == "..":
        raise ValueError(f"assignment must be a folder name such as 02_forward_backward, "
                         f"got {assignment!r}")
    course = pathlib.Path(course_dir)
    release_nb = course / "release" / assignment / f"{assignment}.ipynb"
    if not release_nb.is_file():
        raise ValueError(f"no release of assignment {assignment!r}: {release_nb} is missing "
                         f"(run nbgrader generate_assignment {assignment} in the course folder)")
    release = _read(release_nb)
    if release is None:
        raise ValueError(f"{release_nb} is not a notebook")
    source_nb = course / "source" / assignment / f"{assignment}.ipynb"
    common = boilerplate(release, _read(source_nb) if source_nb.is_file() else None)
    subs, unread = {}, []
    for path in sorted(course.glob(f"submitted/*/{assignment}/{assignment}.ipynb")):
        student, nb = path.parents[1].name, _read(path)
        if nb is None:
            unread.append(student)
            continue
        subs[student] = {p: _fingerprint(code, common)
                         for p, code in student_parts(nb, release).items()}
    limits = dict(threshold=threshold, min_matched=min_matched)
    found = []
    for a, b in itertools.combinations(subs, 2):
        found += compare(a, subs[a], b, subs[b], **limits)
    for file, funcs in handin_parts(handin_root).items():
        ref = {f: _fingerprint(code, common) for f, code in funcs.items()}
        for student, parts in subs.items():
            found += compare(student, parts, file, ref, both_ways=False, **limits)
    found.sort(key=lambda m: (-max(m.score, m.other_score), m.student, m.other, m.part))
    out = course / "similarity"
    out.mkdir(exist_ok=True)
    info = dict(assignment=assignment, students=sorted(subs), unread=unread, **limits)
    write_csv(found, out / f"{assignment}.csv", assignment)
    write_html(found, out / f"{assignment}.html", **info)
    return found


def _rows(found):
    """One row per pair (student, other), in the order of ``found``."""
    pairs = {}
    for m in found:
        pairs.setdefault((m.student, m.other), []).append(m)
    return [{"student": a, "other": b,
             "score": max(m.score for m in ms), "other_score": max(m.other_score for m in ms),
             "matched": sum(m.matched for m in ms),
             "functions": "; ".join(f"{m.part} ~ {m.other_part}" for m in ms), "matches": ms}
            for (a, b), ms in pairs.items()]


def write_csv(found, path, assignment):
    """``path``: one row per flagged pair, its scores both ways and its functions."""
    fields = ["assignment", "student", "other", "score", "other_score", "matched", "functions"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.DictWriter(f, fields, extrasaction="ignore")
        out.writeheader()
        for row in _rows(found):
            out.writerow({**row, "assignment": assignment, "score": f"{row['score']:.2f}",
                          "other_score": f"{row['other_score']:.2f}"})


_CSS = """body{font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;margin:0}
main{max-width:90rem;margin:auto;padding:1rem 1.5rem}
table{border-collapse:collapse;margin:1rem 0}caption{text-align:left;font-weight:bold}
th,td{border:1px solid #767676;padding:.3rem .6rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.sides{display:grid;grid-template-columns:repeat(auto-fit,minmax(28rem,1fr));gap:1rem}
figure{margin:0}figcaption{font-weight:bold}
pre{background:#f4f4f4;border:1px solid #767676;padding:.5rem;overflow-x:auto;margin:.3rem 0}
mark{background:#ffd54a;color:#000}a{color:#0645ad}
"""


def _pct(x):
    return f"{100 * x:.0f}%"


def write_html(found, path, *, assignment, students, unread, threshold, min_matched):
    """``path``: the flagged pairs in a table, then each pair's code side by side."""
    e, rows = html.escape, _rows(found)
    out = [f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
           f"<title>Similarity report: {e(assignment)}</title>\n<style>\n{_CSS}</style>\n"
           f"</head>\n<body>\n<main>\n<h1>Similarity report: {e(assignment)}</h1>",
           f"<p>{len(students)} submissions compared with each other and with handin's own "
           f"source: {len(rows)} pair{'s' * (len(rows) != 1)} flagged. A flag is a reason to "
           "read two answers side by side, not a verdict, and it changes no grade.</p>",
           "<p>A function's score is the fraction of its code found in the other's, with "
           "names, comments and whitespace set aside and the code given in the release and "
           "the model answers not counted (honest answers share them by nature). A pair is "
           f"flagged when a function scores at least {_pct(threshold)} either way with at "
           f"least {min_matched} characters of code in common. Matched code is "
           "<mark>marked</mark>.</p>"]
    if unread:
        out.append(f"<p>Not read (not a notebook): {e(', '.join(unread))}.</p>")
    if not rows:
        out.append("<p>No pair reached the threshold.</p>")
    else:
        out.append("<table>\n<caption>Flagged pairs, the highest score first</caption>\n"
                   "<thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in (
                       "Student", "Compared with", "Student's score", "Other's score",
                       "Characters in common", "Functions")) + "</tr></thead>\n<tbody>")
        for i, r in enumerate(rows, 1):
            out.append(f'<tr><th scope="row"><a href="#pair-{i}">{e(r["student"])}</a></th>'
                       f'<td>{e(r["other"])}</td><td class="n">{_pct(r["score"])}</td>'
                       f'<td class="n">{_pct(r["other_score"])}</td>'
                       f'<td class="n">{r["matched"]}</td><td>{e(r["functions"])}</td></tr>')
        out.append("</tbody>\n</table>")
    for i, r in enumerate(rows, 1):
        a, b = e(r["student"]), e(r["other"])
        out.append(f'<section id="pair-{i}" aria-labelledby="pair-{i}-h">\n'
                   f'<h2 id="pair-{i}-h">{a} and {b}</h2>')
        for m in r["matches"]:
            out.append(f"<h3>{a}'s {e(m.part)} and {b}'s {e(m.other_part)}: "
                       f"{_pct(m.score)} of {a}'s code in {b}'s, {_pct(m.other_score)} of "
                       f"{b}'s in {a}'s</h3>\n<div class=\"sides\">")
            for who, part, code in ((a, m.part, m.code), (b, m.other_part, m.other_code)):
                out.append(f"<figure><figcaption>{who}: {e(part)}</figcaption>"
                           f'<pre tabindex="0"><code>{code}</code></pre></figure>')
            out.append("</div>")
        out.append("</section>")
    out.append("</main>\n</body>\n</html>\n")
    pathlib.Path(path).write_text("\n".join(out), encoding="utf-8")
