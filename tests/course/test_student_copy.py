"""The student's copy: what a student reads holds no graded answer and no maintainer talk,
and a stub left in stops the chapter with the stub's own message.

The student's copy is the student edition (``student/``, what ``handin student-edition``
writes and nbgrader's release is built from, solutions stripped and teacher's notes
dropped). Answers and notes stay in the teacher's chapters (``notebooks/``), in their
``<!-- BEGIN TEACHER -->`` notes and in ``solutions/``.
"""

import pathlib
import re

import jupytext
import pytest

from handin.course import edition

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
CHAPTERS = sorted(NOTEBOOKS.glob(edition.CHAPTER_GLOB))

#: lines of a solution that may appear in the student's copy, each with the reason
ALLOWED = {
    "rng=np.random.default_rng(seed)": "how every function of the book makes its generator",
}
#: shortest line (without blanks, backquotes and dollars) that counts: code, then prose
MIN_CODE, MIN_PROSE = 10, 25

#: words that belong to the project's maintainers, not to a course
MAINTAINER_TALK = re.compile(
    r"\b(?:(?i:BLAS|OpenBLAS|MKL|SkylakeX|Haswell|Sandybridge|Prescott|OPENBLAS_\w+|nbval|pytest"
    r"|xdist|README|jupytext|benchmarks?/|tests?/\w*|docs/|used to|original report|the report"
    r"|grew from|maintainers?|regression test|handin/[\w/]+\.py)|CI)\b")


def _squash(text):
    return re.sub(r"[\s`$]+", "", text)


def _answer_lines(text, source):
    """The non-trivial lines of every solution region, derivation and model answer of a
    teacher's chapter, as ``(line number, kind, squashed line)``."""
    text = edition.drop_teacher(text, source)
    lines = text.splitlines()
    for r in edition.find_regions(text, source):
        for number in range(r.begin, r.end - 1):
            line = lines[number].strip()
            if r.markdown:
                line = line.lstrip("#").strip()
                if r.question and not line.startswith(">"):
                    continue                       # the question itself stays
                line = line.lstrip(">").strip()
            elif line.startswith("#"):
                continue                           # a comment of the solution
            squashed = _squash(line)
            if len(squashed) >= (MIN_PROSE if r.markdown else MIN_CODE):
                yield number + 1, "answer" if r.markdown else "code", squashed


def _student_copy():
    return {py.stem: edition.strip_solutions(py.read_text(encoding="utf-8"), str(py))
            for py in CHAPTERS}


def test_the_answer_finder_finds_a_leaked_line():
    """The search below is not vacuous: a solution line pasted into prose is found."""
    text = ("# %%\ndef f(x):\n    # BEGIN SOLUTION\n    return x @ W1 + b1\n"
            "    # END SOLUTION\n\n# %% [markdown]\n# We compute `x @ W1 + b1`.\n")
    found = [line for _, _, line in _answer_lines(text, "x.py")]
    assert found == ["returnx@W1+b1"]
    assert "x@W1+b1" in _squash(edition.strip_solutions(text))


@pytest.mark.parametrize("py", CHAPTERS, ids=lambda p: p.stem)
def test_no_graded_answer_is_in_the_students_copy(py):
    """No line of a graded function's solution, a derivation or a model answer appears
    anywhere in any chapter of the student's copy: not before its check, not after it,
    not in another chapter."""
    copy = {stem: _squash(text) for stem, text in _student_copy().items()}
    leaks = [f"{py.name}:{number} ({kind}) {line!r} is in student/{stem}.py"
             for number, kind, line in _answer_lines(py.read_text(encoding="utf-8"), str(py))
             if line not in ALLOWED
             for stem, text in copy.items() if line in text]
    assert not leaks, "\n".join(leaks)


#: answers stated in prose or math rather than copied: each squashed fragment (no blanks,
#: backquotes or dollars) with the graded item it gives away. A derivation whose prompt
#: says "show that ..." states its own result; these are found by the student.
ANSWER_FRAGMENTS = {
    "X.T@dZ1": "chapter 2: dW1 (derivation, my_backward)",
    "A1.T@dZ2": "chapter 2: dW2 (derivation, my_backward)",
    "dZ2@W2.T": "chapter 2: dA1 (derivation, my_backward)",
    "A_1^\\topdZ_2": "chapter 2: dW2 (derivation)",
    "A_1^\\top\\texttt{dZ2}": "chapter 2: dW2 (derivation)",
    "dZ_2W_2^\\top": "chapter 2: dA1 (derivation)",
    "\\texttt{dZ2}W_2^\\top": "chapter 2: dA1 (derivation)",
    "1-2\\etac": "chapter 2's question on a silent unit, chapter 4's derivation",
    "1-2\\eta\\,c": "chapter 2's question on a silent unit, chapter 4's derivation",
    "1-2\\,\\eta\\,c": "chapter 2's question on a silent unit, chapter 4's derivation",
    "1-2\\cdot": "chapter 2's question on a silent unit, chapter 4's derivation",
    "2/fan_in": "chapter 7: He's variance (derivation, my_he_init)",
    "2/\\mathrm{fan": "chapter 7: He's variance (derivation, my_he_init)",
    "2/h_{\\ell-1}": "chapter 7: He's variance (derivation, my_he_init)",
    "2/n_{\\mathrm{in}}": "chapter 7: He's variance (derivation, my_he_init)",
    "dZ@W.T": "chapter 8: affine_backward",
    "A.T@dZ": "chapter 8: affine_backward",
}


@pytest.mark.parametrize("py", CHAPTERS, ids=lambda p: p.stem)
def test_no_graded_answer_is_stated_in_prose_either(py):
    """The formulas students derive or write, in the forms a text would state them, appear
    nowhere in the student's copy (nor in another chapter's)."""
    text = _student_copy()[py.stem]
    leaks = [f"student/{py.name}:{i + 1}: {fragment!r} gives away {what}"
             for i, line in enumerate(text.splitlines())
             for fragment, what in ANSWER_FRAGMENTS.items() if fragment in _squash(line)]
    assert not leaks, "\n".join(leaks)


def test_the_fragments_find_a_stated_answer():
    stated = "# Its gradient is $dW_2 = A_1^\\top dZ_2 + 2cW_2$, shrinking by $1 - 2\\eta c$."
    found = [f for f in ANSWER_FRAGMENTS if f in _squash(stated)]
    assert found == ["A_1^\\topdZ_2", "1-2\\etac"]


def test_the_maintainer_talk_pattern_finds_what_it_names():
    for said in ("the BLAS kernel", "nbval compares", "see README.md", "tests/test_linear.py",
                 "this book used to", "the report this book grew from", "in CI",
                 "handin/layers.py"):
        assert MAINTAINER_TALK.search(said), said
    for said in ("a circle", "specific", "the kernel restarts", "Your answer"):
        assert not MAINTAINER_TALK.search(said), said


@pytest.mark.parametrize("py", CHAPTERS, ids=lambda p: p.stem)
def test_the_students_copy_speaks_to_students(py):
    """Notes on BLAS kernels, nbval, tests, the README and the project's history are the
    teacher's (``<!-- BEGIN TEACHER -->`` notes) or the README's: zero in the student's copy."""
    text = _student_copy()[py.stem]
    talk = [f"student/{py.name}:{i + 1}: {m.group(0)!r} in {line.strip()[:90]!r}"
            for i, line in enumerate(text.splitlines()) for m in MAINTAINER_TALK.finditer(line)]
    assert not talk, "\n".join(talk)


# ---- a stub left in ----

def _stubs(py):
    """Every code region of a chapter: ``(index among the regions, its stub's message)``."""
    text = edition.drop_teacher(py.read_text(encoding="utf-8"), str(py))
    return [(i, r.message) for i, r in enumerate(edition.find_regions(text, str(py)))
            if not r.markdown]


STUBS = [(py, i, message) for py in CHAPTERS for i, message in _stubs(py)]


def _one_stub_left(py, keep):
    """The student's copy of ``py`` with every solution pasted back but region ``keep``."""
    teacher = py.read_text(encoding="utf-8")
    pairs = edition.solution_texts(teacher, str(py))
    pasted = [(stub, stub if i == keep else solution) for i, (stub, solution) in enumerate(pairs)]
    return edition.paste_solutions(edition.strip_solutions(teacher, str(py)), pasted)


def test_one_stub_left_keeps_exactly_that_stub():
    py = next(p for p in CHAPTERS if len(_stubs(p)) >= 2)
    (first, message), (second, _) = _stubs(py)[:2]
    text = _one_stub_left(py, first)
    assert f"raise NotImplementedError({message!r}".replace("'", '"') in text
    assert text.count("raise NotImplementedError(") == 1
    assert _one_stub_left(py, second) != text


@pytest.mark.parametrize("py, keep, message", STUBS,
                         ids=[f"{py.stem[:2]}-{message.split('(')[0].split(':')[0][:40]}"
                              for py, _, message in STUBS])
def test_a_stub_left_in_stops_the_chapter_with_its_own_message(py, keep, message, tmp_path):
    """Run All on a chapter whose student filled in everything but one stub: the run stops
    with that stub's NotImplementedError, at the latest at the stub's self-check, with no
    frame of the traceback inside handin (a self-check shows the stub's message alone, and
    no other handin function calls a student's function for them)."""
    pytest.importorskip("nbclient", reason="runs a chapter in a kernel (handin[test])")
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = jupytext.reads(_one_stub_left(py, keep), fmt="py:percent")
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    with pytest.raises(CellExecutionError) as stopped:
        client.execute()
    error = stopped.value
    assert error.ename in ("NotImplementedError", "StubLeft"), \
        f"stopped by {error.ename}: {error.evalue}"
    assert error.evalue == message
    frames = re.findall(r"File [^\n]*?([\w./\\-]*handin[/\\][\w./\\-]+)", str(error.traceback))
    assert not frames, f"the traceback goes through handin: {frames}"
