"""The nbgrader course (handin.course): generated, released, autograded and fed back.

Every case of tests/course/course_cases.py is handed in and autograded by nbgrader itself, and
its points are read from ``nbgrader export``'s grades.csv. nbgrader needs Python 3.11;
on 3.10 (the unit run of .ci/run) these tests are skipped.
"""

import concurrent.futures
import os
import pathlib

import pytest

pytest.importorskip("nbgrader")

import nbformat  # noqa: E402
from nbgrader.utils import get_username  # noqa: E402

import course_cases as cc  # noqa: E402
from handin import cli, course  # noqa: E402
from handin.course import nbgrader as course_nb  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A course of every chapter, every assignment generated (kept free of submissions)."""
    return cc.make_course(tmp_path_factory.mktemp("course") / "course")


def _grade_ids(nb, **want):
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if "nbgrader" in c.metadata
            and all(c.metadata["nbgrader"].get(k) == v for k, v in want.items())]


def test_every_chapter_is_generated_with_nbgrader_cells(generated):
    stems = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    assert sorted(p.name for p in (generated / "release").iterdir()) == stems
    source = nbformat.read(generated / "source" / cc.CH2 / f"{cc.CH2}.ipynb", as_version=4)
    release = nbformat.read(generated / "release" / cc.CH2 / f"{cc.CH2}.ipynb", as_version=4)
    assert _grade_ids(source, grade=True, locked=True) == [
        "test_my_forward", "test_my_cost", "test_my_backward"]
    assert _grade_ids(source, solution=True, grade=False) == ["my_forward", "my_cost", "my_backward"]
    answers = _grade_ids(source, solution=True, grade=True)
    assert answers == [*(f"answer_{i}" for i in range(1, 6)), "question_1", "question_2"]
    assert _grade_ids(release) == _grade_ids(source)     # the same cells, the same ids
    text = nbformat.writes(release)
    assert "BEGIN HIDDEN TESTS" not in text and "seed=seed" not in text
    assert "dZ2 = (P - one_hot(y, k)) / n" not in text and "BEGIN SOLUTION" not in text
    assert "2c\\\\,(W_2)_{u,i}" not in text           # the derivation of section 3.2 is gone
    assert text.count("YOUR ANSWER HERE") == len(answers)
    assert text.count("raise NotImplementedError()") == 3
    ch4 = nbformat.read(generated / "source" / "04_what_it_learned" / "04_what_it_learned.ipynb",
                        as_version=4)
    assert _grade_ids(ch4, grade=True, locked=True) == [
        "test_my_confusion_matrix", "test_my_confident_mistakes"]
    assert "from handin.course import check_confusion_matrix" in nbformat.writes(ch4)
    ch6 = nbformat.read(generated / "source" / cc.CH6 / f"{cc.CH6}.ipynb", as_version=4)
    assert _grade_ids(ch6, grade=True, locked=True) == ["test_my_centring_shift"]
    assert _grade_ids(ch6, solution=True, grade=True) == ["question_1"]
    ch3 = nbformat.read(generated / "source" / "03_training" / "03_training.ipynb", as_version=4)
    assert _grade_ids(ch3, grade=True, locked=True) == ["test_my_epoch", "test_my_hyperparameters"]
    ch7 = nbformat.read(generated / "source" / "07_when_it_goes_wrong" / "07_when_it_goes_wrong.ipynb",
                        as_version=4)
    assert _grade_ids(ch7, grade=True, locked=True) == [
        "test_my_he_init", "test_my_dead_units", "test_my_linear_cost_grad"]


def test_the_course_is_the_same_every_time(tmp_path):
    course.write_course(ROOT / "notebooks", tmp_path / "a")
    course.write_course(ROOT / "notebooks", tmp_path / "b")
    for nb in (tmp_path / "a" / "source").glob("*/*.ipynb"):
        twin = tmp_path / "b" / nb.relative_to(tmp_path / "a")
        assert nb.read_bytes() == twin.read_bytes()
    config = (tmp_path / "a" / "nbgrader_config.py").read_text()
    assert "add_missing_cells = True" in config and "timeout = 120" in config


def test_the_command_line(tmp_path, capsys):
    assert cli.main(["course", str(tmp_path / "c"), "--timeout", "30"]) == 0
    out = capsys.readouterr().out
    # autograded + derivations (1 each) + written questions (2 each, 3 in ch. 5 and 8)
    assert f"{cc.CH2}.ipynb: 18 points" in out and f"{cc.CH1}.ipynb: 12 points" in out
    assert "03_training.ipynb: 7 points" in out and "04_what_it_learned.ipynb: 7 points" in out
    assert "05_explorer.ipynb: 3 points" in out and "06_draw_a_digit.ipynb: 5 points" in out
    assert "07_when_it_goes_wrong.ipynb: 10 points" in out
    assert "08_backprop_the_algorithm.ipynb: 10 points" in out
    assert "timeout = 30" in (tmp_path / "c" / "nbgrader_config.py").read_text()
    assert cli.main(["course", str(tmp_path / "d"), "--src", str(tmp_path)]) == 1
    (tmp_path / "file").write_text("")
    assert cli.main(["course", str(tmp_path / "file")]) == 1
    err = capsys.readouterr().err
    assert "handin course: src has no chapters" in err and "Traceback" not in err


def _autograde(folder, assignment):
    return cc.nbgrader(folder, "autograde", assignment, check=False)


def test_every_case_gets_its_points_from_grades_csv(generated, tmp_path):
    """One course copy per chapter, autograded side by side (nbgrader grades one submission
    at a time); each 'never ends' case in a copy of its own, started first, so that its
    wait for the timeout overlaps the others' work; four graders at a time; a notebook that
    is not JSON fails alone and the batch goes on."""
    folders, cases = {}, {}
    chapters = sorted({case.assignment for case in cc.CASES})
    slow = [case for case in cc.CASES if case.name == "never ends"]
    for case in slow:
        folders[case.assignment + "-slow"], cases[case.assignment + "-slow"] = None, [case]
    for a in chapters:
        folders[a], cases[a] = None, [c for c in cc.CASES if c.assignment == a and c not in slow]
    for group in folders:
        folders[group] = cc.copy_course(generated, tmp_path / group)
        cc.hand_in(folders[group], cases[group])
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        runs = dict(zip(folders, pool.map(
            _autograde, folders.values(), [c[0].assignment for c in cases.values()])))
        grades = dict(zip(folders, pool.map(cc.grades, folders.values())))
    got, want = {}, {}
    for group in folders:
        for case in cases[group]:
            got[case.assignment, case.name] = grades[group][cc.student_id(case), case.assignment]
            want[case.assignment, case.name] = case.points
    assert got == want
    for a in (cc.CH1, cc.CH2):     # the broken notebook is named in the log
        assert "not_JSON" in runs[a].stderr
        assert "There was an error processing assignment" in runs[a].stderr
    assert "CellTimeoutError" in (folders[cc.CH2 + "-slow"] / "autograded" / "never_ends"
                                  / cc.CH2 / f"{cc.CH2}.ipynb").read_text()

    # the feedback names the mistake, and the tripwire says why
    folder = folders[cc.CH2]
    for student in ("decay_cW", "calls_handin"):
        cc.nbgrader(folder, "generate_feedback", cc.CH2, "--student", student)
    html = {s: (folder / "feedback" / s / cc.CH2 / f"{cc.CH2}.html").read_text()
            for s in ("decay_cW", "calls_handin")}
    assert "the decay term of dW2 is c W2: that is not the derivative" in html["decay_cW"]
    assert "my_backward calls handin.backward: write it yourself" in html["calls_handin"]


def test_a_class_through_the_exchange(generated, tmp_path):
    """release_assignment -> a student's fetch_assignment and submit -> collect -> autograde."""
    folder = cc.copy_course(generated, tmp_path / "course")
    exchange, home = tmp_path / "exchange", tmp_path / "student"
    exchange.mkdir(), home.mkdir()
    os.chmod(exchange, 0o777)
    flags = [f"--Exchange.root={exchange}", "--course=handin"]
    cc.nbgrader(folder, "release_assignment", cc.CH1, *flags)
    cc.nbgrader(home, "fetch_assignment", cc.CH1, *flags)
    fetched = home / cc.CH1 / f"{cc.CH1}.ipynb"
    release = nbformat.read(fetched, as_version=4)
    source = nbformat.read(folder / "source" / cc.CH1 / f"{cc.CH1}.ipynb", as_version=4)
    nbformat.write(cc.solutions(source, release), fetched)    # the student's work
    cc.nbgrader(home, "submit", cc.CH1, *flags)
    cc.nbgrader(folder, "collect", cc.CH1, *flags)
    student = get_username()     # nbgrader's name for this user (the hub's user on a hub)
    submitted = folder / "submitted" / student / cc.CH1
    assert (submitted / f"{cc.CH1}.ipynb").is_file() and (submitted / "timestamp.txt").is_file()
    cc.nbgrader(folder, "autograde", cc.CH1)
    assert cc.grades(folder)[student, cc.CH1] == cc.FULL[cc.CH1]


# ---- written questions (<!-- BEGIN QUESTION -->): a question, then a manually graded answer ----

QUESTION = r"""# %% [markdown]
# Before.
# <!-- BEGIN QUESTION -->
# **Question:** why?
#
# > Because $a$.
# >
# > **Rubric:** 1 point: a; 1 point: b.
# <!-- END QUESTION -->
# After.

# %% [markdown]
# <!-- BEGIN QUESTION 3 points -->
# **Question:** and then?
# > Then.
# > **Rubric:** 3 points: then.
# <!-- END QUESTION -->
"""


def test_a_question_becomes_its_text_and_a_manually_graded_answer_holding_the_rubric():
    nb = course_nb.course_notebook(QUESTION)
    cells = [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells]
    assert [src for _, src, _ in cells] == [
        "Before.\n**Question:** why?", "Because $a$.\n\n**Rubric:** 1 point: a; 1 point: b.",
        "After.", "**Question:** and then?", "Then.\n**Rubric:** 3 points: then."]
    assert all(kind == "markdown" for kind, _, _ in cells)
    assert cells[0][2] is None and cells[2][2] is None and cells[3][2] is None
    for (_, _, meta), grade_id, points in [(cells[1], "question_1", course_nb.QUESTION_POINTS),
                                           (cells[4], "question_2", 3)]:
        assert meta["grade"] and meta["solution"] and not meta["locked"]
        assert (meta["grade_id"], meta["points"]) == (grade_id, points)
    assert [c.id for c in nb.cells if c.metadata] == ["question_1", "question_2"]
    with pytest.raises(ValueError, match="line 8: the rubric gives 2 points, the question 3"):
        course_nb.course_notebook(QUESTION.replace("QUESTION -->\n# **Question:** why",
                                                "QUESTION 3 points -->\n# **Question:** why"))


def test_the_release_asks_the_questions_without_their_answers_or_rubrics(generated):
    for nb in sorted((generated / "release").glob("*/*.ipynb")):
        text = nbformat.writes(nbformat.read(nb, as_version=4))
        source = (generated / "source" / nb.parent.name / nb.name).read_text()
        asked = source.count("**Question:**")
        assert text.count("**Question:**") == asked and "**Rubric:**" not in text, nb.name
        assert source.count("**Rubric:**") == asked, nb.name
        if nb.parent.name != "06_draw_a_digit":
            assert asked >= 1, f"{nb.name} asks no written question"
