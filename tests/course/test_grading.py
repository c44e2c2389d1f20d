"""Grades a teacher can stand behind (handin.course.autograde, .build, .grade, .sandbox).

A class of chapter 2 graded by ``python -m handin grade`` into one gradebook: the hostile
submissions (patched checks and modules, handin's answer reached by a default argument, a
closure, a copy of its code, another module) earn what their functions earn; the attacks
on the grader (reading, writing, deleting, a socket, a memory bomb, a fork bomb, a flood,
a cell that never ends) achieve nothing, cost nothing but themselves, and spoil no other
grade. These tests need the sandbox (bubblewrap, as root): without it they are skipped,
with ``HANDIN_REQUIRE_SANDBOX=1`` (as in CI) they fail.
"""

import os
import pathlib
import socket
import subprocess
import sys
import threading

import pytest

pytest.importorskip("nbgrader")

import nbformat  # noqa: E402

import course_cases as cc  # noqa: E402
from handin import cli  # noqa: E402
from handin.course import autograde, grade, sandbox  # noqa: E402


@pytest.fixture(scope="module")
def listener():
    """A server on 127.0.0.1 that counts the connections it accepts."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            accepted.append(conn)
    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1], accepted
    server.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory, listener):
    """Chapter 2 handed in by every case of chapter 2 (the hostile ones too) and every attack,
    graded by ``python -m handin grade`` with a 20 s timeout per cell."""
    cc.need_sandbox()
    folder = cc.make_course(tmp_path_factory.mktemp("grading") / "course", timeout=20,
                            assignments=(cc.CH2,))
    port, _ = listener
    home = pathlib.Path.home() / f".handin-test-{os.getpid()}"
    home.write_text("the teacher's")
    cases = [c for c in cc.CASES if c.assignment == cc.CH2 and c.name != "never ends"]
    cases += cc.attack_cases(folder, port, home)
    cc.hand_in(folder, cases)
    canary = folder / "source" / "canary.txt"
    canary.write_text("the teacher's")
    before = sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
    try:
        done = grade.grade(folder, cc.CH2)
    finally:
        home.unlink()
    return folder, cases, before, done


def test_every_submission_gets_what_its_functions_earn(graded):
    folder, cases, _, done = graded
    assert done["returncode"] == 1 and "not_JSON" in done["log"]   # it alone fails
    got = cc.grades(folder)
    want = {(cc.student_id(c), cc.CH2): c.points for c in cases}
    assert {key: got[key] for key in want} == want


def _attack_lines(folder, case):
    nb = nbformat.read(folder / "autograded" / cc.student_id(case) / cc.CH2 / f"{cc.CH2}.ipynb",
                       as_version=4)
    return [line for cell in nb.cells if cell.cell_type == "code"
            for out in cell.outputs if out.get("output_type") == "stream"
            for line in out.get("text", "").splitlines() if line.startswith("ATTACK")]


def test_the_attacks_are_blocked_and_leave_the_course_as_it_was(graded, listener):
    folder, cases, before, _ = graded
    _, accepted = listener
    attacks = [c for c in cases if c.name in cc.ATTACKS]
    for case in attacks:
        lines = _attack_lines(folder, case)
        if "attack(" in cc.ATTACKS[case.name] and case.name != "memory bomb":
            assert lines and all(": blocked (" in line for line in lines), (case.name, lines)
    assert accepted == []                                         # no connection came in
    assert (folder / "source" / "canary.txt").read_text() == "the teacher's"
    after = {str(p.relative_to(folder)) for p in folder.rglob("*")}
    assert set(before) <= after                                    # nothing deleted


def test_a_cell_that_never_ends_or_kills_its_kernel_costs_only_itself(graded):
    folder, cases, _, _ = graded
    for name, words in (("sleeps forever", ("CellTimeoutError",)),
                        ("memory bomb", ("ATTACK memory: blocked (MemoryError)", "KernelStopped")),
                        ("fork bomb", ("BlockingIOError", "KernelStopped", "CellTimeoutError")),
                        # cut here, or the kernel out of memory for what it could not send
                        ("floods its output", ("output cut at", "KernelStopped"))):
        case = next(c for c in cases if c.name == name)
        text = (folder / "autograded" / cc.student_id(case) / cc.CH2 /
                f"{cc.CH2}.ipynb").read_text()
        assert any(w in text for w in words), name


def test_a_graded_function_that_never_returns_fails_in_one_timeout(graded):
    folder, _, _, _ = graded
    nb = nbformat.read(folder / "autograded" / "my_backward_never_returns" / cc.CH2 /
                       f"{cc.CH2}.ipynb", as_version=4)
    test = next(c for c in nb.cells if c.get("id") == "test_my_backward"
                or c.metadata.get("nbgrader", {}).get("grade_id") == "test_my_backward")
    assert "no answer within 20 s" in test.outputs[0]["evalue"]


def test_the_side_by_side_pass_judged_every_notebook_and_nbgrader_reused_them(graded):
    folder, cases, _, done = graded
    not_reused = [cc.student_id(c) for c in cases
                  if f"handin: {cc.student_id(c)} judged before" not in done["log"]]
    assert not_reused == ["not_JSON"]                   # all but the notebook that is not JSON
    assert done["reused"] == len(cases) - 1
    assert done["failed_side_by_side"] == 1
    assert (done["students"], done["workers"]) == (len(cases), min(len(cases), len(os.sched_getaffinity(0))))
    again = grade.grade(folder, cc.CH2, student="solutions", force=True)
    assert again["reused"] == 1 and again["returncode"] == 0
    edited = folder / "submitted" / "solutions" / cc.CH2 / f"{cc.CH2}.ipynb"
    edited.write_text(edited.read_text().replace("dZ2.sum(axis=0)", "dZ2.mean(axis=0)"))
    again = grade.grade(folder, cc.CH2, student="solutions", force=True, workers=1)
    assert again["reused"] == 1 and cc.grades(folder)["solutions", cc.CH2] == 4


def test_feedback_holds_the_diagnosis_computed_outside(graded):
    folder, _, _, _ = graded
    for student in ("decay_cW", "backward_by_default_argument"):
        cc.nbgrader(folder, "generate_feedback", cc.CH2, "--student", student)
    html = (folder / "feedback" / "decay_cW" / cc.CH2 / f"{cc.CH2}.html").read_text()
    assert "the decay term of dW2 is c W2" in html
    html = (folder / "feedback" / "backward_by_default_argument" / cc.CH2 /
            f"{cc.CH2}.html").read_text()
    assert "my_backward calls handin.backward: write it yourself" in html


def test_the_solutions_score_full_marks_beside_three_busy_processes(tmp_path):
    cc.need_sandbox()
    folder = cc.make_course(tmp_path / "course", assignments=(cc.CH2, cc.CH3))
    solutions = [c for c in cc.CASES if c.name == "solutions" and c.assignment in (cc.CH2, cc.CH3)]
    cc.hand_in(folder, solutions)
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(3)]
    try:
        assert cli.main(["grade", cc.CH2, "--course", str(folder)]) == 0
        assert grade.grade(folder, cc.CH3)["returncode"] == 0
    finally:
        for p in busy:
            p.kill()
    got = cc.grades(folder)
    assert {a: got["solutions", a] for a in (cc.CH2, cc.CH3)} == {a: cc.FULL[a] for a in (cc.CH2, cc.CH3)}


def test_without_a_sandbox_grading_refuses_in_one_line(tmp_path, monkeypatch, capsys):
    def missing():
        raise sandbox.SandboxUnavailable("bubblewrap (bwrap) not found: apt-get install bubblewrap")
    monkeypatch.setattr(sandbox, "check_available", missing)
    folder = tmp_path / "course"
    cli.main(["course", str(folder)])
    (folder / "submitted" / "x" / cc.CH2).mkdir(parents=True)
    assert cli.main(["grade", cc.CH2, "--course", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == ("handin grade: bubblewrap (bwrap) not found: apt-get install "
                           "bubblewrap")
    with pytest.raises(sandbox.SandboxUnavailable):          # plain nbgrader autograde too
        autograde.SandboxedExecute().preprocess(nbformat.v4.new_notebook(), {})
    config = (folder / "nbgrader_config.py").read_text()
    assert "# c.SandboxedExecute.unsafe_no_sandbox = True" in config


def test_the_grade_command_names_a_wrong_assignment_or_student_in_one_line(tmp_path, capsys):
    folder = tmp_path / "course"
    cli.main(["course", str(folder)])
    capsys.readouterr()
    assert cli.main(["grade", "nope", "--course", str(folder)]) == 1
    assert cli.main(["grade", cc.CH2, "--course", str(folder), "--student", "eve"]) == 1
    assert cli.main(["grade", cc.CH2, "--course", str(tmp_path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("handin grade: assignment: no 'nope' in ")
    assert err[1] == f"handin grade: student: 'eve' has no submission of {cc.CH2}."
    assert "holds no nbgrader_config.py" in err[2] and len(err) == 3
