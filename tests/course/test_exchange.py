"""handin.course.exchange.PrivateSubmit: a submission in the exchange's inbound/ is its
student's alone (0700, files 0600), where nbgrader's own submit leaves it 0777 with 0644
files. nbgrader's commands, run here as one user; tests/hub/test_term.py tests it as the
students of a real hub."""

import os
import stat
import subprocess
import sys

import pytest

pytest.importorskip("nbgrader", reason="the teacher's extra (nbgrader, Python 3.11+)")
nbformat = pytest.importorskip("nbformat")


def _nbgrader(cwd, *args):
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd,
                          env={**os.environ, "PATH": path},     # nbgrader calls alembic
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A one-notebook course ``c`` released to an exchange; ``(exchange, student folder)``."""
    tmp = tmp_path_factory.mktemp("exchange")
    course, exchange, student = tmp / "course", tmp / "exchange", tmp / "student"
    (course / "source" / "ps1").mkdir(parents=True)
    student.mkdir()
    exchange.mkdir(mode=0o777)
    config = f'c = get_config()\nc.CourseDirectory.course_id = "c"\nc.Exchange.root = "{exchange}"\n'
    (course / "nbgrader_config.py").write_text(config)
    (student / "nbgrader_config.py").write_text(config)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]),
                   course / "source" / "ps1" / "ps1.ipynb")
    _nbgrader(course, "generate_assignment", "ps1")
    _nbgrader(course, "release_assignment", "ps1")
    _nbgrader(student, "fetch_assignment", "ps1")
    return exchange, student


def _modes(exchange, before):
    """The modes of the submission folder made since ``before``, and of its files."""
    new = set((exchange / "c" / "inbound").iterdir()) - before
    assert len(new) == 1, new
    folder = new.pop()
    return (stat.S_IMODE(folder.stat().st_mode),
            {stat.S_IMODE(f.stat().st_mode) for f in folder.iterdir()})


def test_private_submit_leaves_the_submission_to_its_student(released):
    exchange, student = released
    before = set((exchange / "c" / "inbound").iterdir())
    _nbgrader(student, "submit", "ps1",
              "--ExchangeFactory.submit=handin.course.exchange.PrivateSubmit")
    assert _modes(exchange, before) == (0o700, {0o600})


def test_nbgraders_own_submit_leaves_it_open(released):
    """The control: what PrivateSubmit changes (so the test above can fail)."""
    exchange, student = released
    before = set((exchange / "c" / "inbound").iterdir())
    _nbgrader(student, "submit", "ps1")
    folder_mode, file_modes = _modes(exchange, before)
    assert folder_mode == 0o777 and file_modes == {0o644}
