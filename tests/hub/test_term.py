"""A term on a real JupyterHub, over HTTP: docs/jupyterhub.md, run.

One teacher and three students, real Unix users; handin from its wheel in a venv of the
system's Python; JupyterHub with configurable-http-proxy from npm; the grader (Formgrader,
as root: the sandbox needs it) a hub service in the course folder. The teacher releases
chapter 2 with a due date; the students fetch it in their servers' Assignments API and
submit: ``a`` right, ``b`` with a named mistake (the ReLU's derivative left out of
``my_backward``; ``b`` submits twice), ``c`` right but late. The teacher collects,
autogrades each submission (handin's sandboxed grading), grades one written answer by
hand, generates and releases feedback; each student fetches theirs. Then the isolation of
the students from each other and from the course, tested as the students; then a regrade
in place after a change of a test's points.

Skipped with one line where no hub can be run (not root, no npm, ...);
``HANDIN_REQUIRE_HUB=1`` makes that a failure. Takes about two minutes once the users'
venv is built (it is kept in /var/tmp/handin-hub by the wheel's digest).
"""

import copy
import csv
import datetime
import html
import json
import os
import pathlib
import secrets
import shutil
import subprocess
import tempfile
import time
from urllib.parse import quote

import pytest

from tests.hub import harness as H

A = "02_forward_backward"
COURSE_ID = "handin"
#: the named mistake: the ReLU's derivative left out of the backward pass
RIGHT, WRONG = "dZ1 = dA1 * (Z1 > 0)", "dZ1 = dA1"
TIMES = {}


def _skip_or_fail(reason):
    if os.environ.get("HANDIN_REQUIRE_HUB") == "1":
        pytest.fail(f"HANDIN_REQUIRE_HUB=1 but no hub can run here: {reason}")
    pytest.skip(reason)


class Term:
    """The hub, its users and their tokens; ``get``/``post``/``put`` as a user."""

    def __init__(self, tmp, venv, prefix):
        self.tmp, self.venv = tmp, venv
        self.course, self.exchange = tmp / "course", tmp / "exchange"
        self.jupyter_etc, self.state = tmp / "jupyter", tmp / "state"
        self.teacher = prefix + "t"
        self.a, self.b, self.c = (prefix + s for s in "abc")
        self.students = [self.a, self.b, self.c]
        self.port = H.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tokens, self.proc = {}, None
        self.env = {"PATH": f"{venv}/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
                    "LANG": "C.UTF-8"}
        self.settings = {"COURSE": str(self.course), "EXCHANGE": str(self.exchange),
                         "JUPYTER_ETC": str(self.jupyter_etc), "VENV": str(venv), "A": A,
                         "CHAPTERS": str(tmp / "chapters"), "WHEELS": str(tmp / "wheels"),
                         "INSTRUCTORS": [self.teacher], "GRADER_PORT": H.free_port()}

    def block(self, name, **settings):
        return H.run_block(name, self.tmp, {**self.settings, **settings}, self.env)

    def call(self, who, method, path, body=None):
        return H.call(self.url + path, self.tokens[who], method, body)

    def grader(self, method, path, body=None):
        """Formgrader's API, as the teacher (through the hub, to the grader service)."""
        status, got = self.call(self.teacher, method, f"/services/grader/formgrader/api/{path}",
                                body)
        assert status == 200, (method, path, status, str(got)[:2000])
        return got

    def assignments(self, student, action=None):
        """The student's Assignments tab: the list, or ``action`` (fetch, submit,
        fetch_feedback) then the list; the entry of :data:`A`."""
        body = {"course_id": COURSE_ID, "assignment_id": A}
        if action:
            status, got = self.call(student, "POST", f"/user/{student}/assignments/{action}", body)
        else:
            status, got = self.call(student, "GET",
                                    f"/user/{student}/assignments?course_id={COURSE_ID}")
        assert status == 200 and got.get("success") is True, (student, action, status, got)
        entries = [e for e in got["value"] if e["assignment_id"] == A]
        return entries

    def contents(self, student, path, body=None):
        method = "PUT" if body else "GET"
        status, got = self.call(student, method, f"/user/{student}/api/contents/{path}"
                                + ("" if body else "?content=1"), body)
        assert status in (200, 201), (student, path, status, str(got)[:500])
        return got


@pytest.fixture(scope="module")
def term():
    reason = H.unavailable()
    if reason:
        _skip_or_fail(reason)
    if not H.ready():      # PyPI and npm are for the set-up, not for a test
        _skip_or_fail("the hub's users' venv and proxy are not installed: run "
                      "python -m tests.hub.harness first (it installs them from PyPI and npm)")
    t0 = time.monotonic()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="handin-hub-", dir="/tmp"))
    os.chmod(tmp, 0o711)
    users = []
    t = None
    try:
        try:
            chp = H.proxy()
            venv = H.users_venv(H.build_wheels(tmp / "wheels"))
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            _skip_or_fail(f"the hub's tools could not be installed: {str(exc)[-300:]}")
        TIMES["tools"] = time.monotonic() - t0
        t = Term(tmp, venv, "h" + secrets.token_hex(3))
        users = H.make_users([t.teacher, *t.students])
        t.block("course")
        (t.course / "roster.csv").write_text(
            "id,first_name,last_name,email\n" + "".join(
                f"{s},Student,{s[-1].upper()},{s}@example.org\n" for s in t.students))
        t.state.mkdir(mode=0o700)
        term_token = H.token()
        (t.state / "jupyterhub_config.py").write_text(H.hub_config(
            t.settings, port=t.port, hub_port=H.free_port(), proxy_api_port=H.free_port(),
            chp=str(chp), state=str(t.state), password=secrets.token_hex(12),
            users=sorted(users), term_token=term_token))
        with open(t.state / "hub.log", "w") as log:
            t.proc = subprocess.Popen([f"{venv}/bin/jupyterhub", "-f", "jupyterhub_config.py"],
                                      cwd=t.state, env=t.env, stdout=log,
                                      stderr=subprocess.STDOUT)
        t.tokens["term"] = term_token
        H.wait_for("the hub", lambda: _up(t), timeout=60)
        TIMES["hub up"] = time.monotonic() - t0
        for user in users:        # the hub made them from allowed_users; each its token
            scopes = ([f"access:servers!user={user}"] if user != t.teacher
                      else ["access:services!service=grader"])
            status, got = H.call(f"{t.url}/hub/api/users/{user}/tokens", term_token, "POST",
                                 {"scopes": scopes, "note": "term test"})
            assert status == 201, (user, status, got)
            t.tokens[user] = got["token"]
        for s in t.students:      # spawned side by side
            status, got = H.call(f"{t.url}/hub/api/users/{s}/server", term_token, "POST")
            assert status in (201, 202), (s, status, got)
        for s in t.students:
            H.wait_for(f"{s}'s server", lambda s=s: _ready(t, s), timeout=180)
        H.wait_for("the grader", lambda: t.call(t.teacher, "GET",
                   "/services/grader/formgrader/api/status")[0] == 200, timeout=60)
        TIMES["servers up"] = time.monotonic() - t0
        yield t
    finally:
        if t is not None and t.proc is not None:
            t.proc.terminate()
            try:
                t.proc.wait(30)        # the hub stops the servers, the grader and the proxy
            except subprocess.TimeoutExpired:
                t.proc.kill()
                t.proc.wait()
                H.stop_pid_file(t.state / "proxy.pid")
            if os.environ.get("HANDIN_HUB_LOG"):      # a file to keep the hub's log in
                shutil.copy(t.state / "hub.log", os.environ["HANDIN_HUB_LOG"])
        H.remove_users(users)
        shutil.rmtree(tmp, ignore_errors=True)
        TIMES["total"] = time.monotonic() - t0
        print("hub term timings (s):", {k: round(v, 1) for k, v in TIMES.items()})


def _up(t):
    try:
        return H.call(f"{t.url}/hub/api/", t.tokens["term"])[0] == 200
    except OSError:
        return False


def _ready(t, user):
    status, got = H.call(f"{t.url}/hub/api/users/{user}", t.tokens["term"])
    return status == 200 and got.get("servers", {}).get("", {}).get("ready")


# --- the students' work -------------------------------------------------------------------

def _work(released, source, mistake=False, stubs=()):
    """``released`` with every solution cell written from ``source`` (but ``stubs``), every
    answer cell written; ``mistake``: ``my_backward`` without the ReLU's derivative."""
    nb = copy.deepcopy(released)
    answers = {c["metadata"]["nbgrader"]["grade_id"]: c["source"] for c in source["cells"]
               if c["metadata"].get("nbgrader", {}).get("solution")}
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if not meta.get("solution") or meta["grade_id"] in stubs:
            continue
        if cell["cell_type"] == "markdown":
            cell["source"] = "The derivative of the cost, as derived in the text."
            continue
        code = "\n".join(line for line in _text(answers[meta["grade_id"]]).splitlines()
                         if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
        if mistake and meta["grade_id"] == "my_backward":
            assert RIGHT in code
            code = code.replace(RIGHT, WRONG)
        cell["source"] = code
    return nb


def _text(source):
    return "".join(source) if isinstance(source, list) else source


def _diagnosis(source):
    """What check_backward says of the mistake, here (the feedback must hold it)."""
    from handin.course import check_backward
    from handin.model import one_hot  # noqa: F401 - my_backward's own import

    code = next(_text(c["source"]) for c in source["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") == "my_backward")
    code = code.replace(RIGHT, WRONG)
    space = {"one_hot": one_hot}
    exec(code, space)
    result = check_backward(space["my_backward"])
    assert not result.ok
    return [line for line in str(result).splitlines() if line.strip()]


def _submit(t, student, nb):
    path = f"{A}/{A}.ipynb"
    t.contents(student, path, {"type": "notebook", "format": "json", "content": nb})
    entries = [e for e in t.assignments(student, "submit") if e["status"] == "submitted"]
    assert len(entries) == 1, entries
    return entries[0]["submissions"]


def _utc(seconds_from_now):
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        seconds=seconds_from_now)
    return when.strftime("%Y-%m-%d %H:%M:%S UTC"), when


# --- the term -----------------------------------------------------------------------------

def test_term(term):
    t, t0 = term, time.monotonic()
    t.block("roster")
    roster = t.grader("GET", "students")
    assert sorted(s["id"] for s in roster) == sorted(t.students)

    due, due_at = _utc(25)
    t.block("duedate", DUE=due)
    assert t.grader("POST", f"assignment/{A}/assign")["success"] is True
    assert t.grader("POST", f"assignment/{A}/release")["success"] is True
    got = t.grader("GET", f"assignment/{A}")
    assert got["status"] == "released" and got["duedate"], got

    source = json.loads((t.course / "source" / A / f"{A}.ipynb").read_text())
    released = {}
    for s in t.students:
        entries = t.assignments(s, "fetch")
        assert [e["status"] for e in entries] == ["fetched"], entries   # not just success
        released[s] = t.contents(s, f"{A}/{A}.ipynb")["content"]
    assert "### BEGIN SOLUTION" not in json.dumps(released[t.a])

    assert len(_submit(t, t.a, _work(released[t.a], source))) == 1
    first = _submit(t, t.b, _work(released[t.b], source, stubs=("my_cost", "my_backward")))
    time.sleep(1.1)       # nbgrader's timestamps: a second apart
    second = _submit(t, t.b, _work(released[t.b], source, mistake=True))
    assert len(first) == 1 and len(second) == 2, (first, second)
    assert datetime.datetime.now(datetime.timezone.utc) < due_at, "a and b were late"
    time.sleep(max(0.0, (due_at - datetime.datetime.now(datetime.timezone.utc))
                   .total_seconds()) + 1.5)
    assert len(_submit(t, t.c, _work(released[t.c], source))) == 1
    TIMES["submitted"] = time.monotonic() - t0

    assert t.grader("POST", f"assignment/{A}/collect")["success"] is True
    for s in t.students:
        done = t.grader("POST", f"submission/{A}/{s}/autograde")
        assert done["success"] is True, done
    TIMES["autograded"] = time.monotonic() - t0
    subs = {x["student"]: x for x in t.grader("GET", f"submissions/{A}")}
    assert {s: subs[s]["code_score"] for s in t.students} == {t.a: 8, t.b: 4, t.c: 8}, subs
    assert subs[t.b]["timestamp"].replace("T", " ")[:19] == max(
        x["timestamp"] for x in second)[:19], (subs[t.b], second)     # the last one counts
    graded = json.loads((t.course / "autograded" / t.b / A / f"{A}.ipynb").read_text())
    verdict = next(c for c in graded["cells"] if c["metadata"].get("nbgrader", {})
                   .get("grade_id") == "test_my_backward")
    # handin's grader judged it (SandboxedExecute: the course's config, in Formgrader)
    assert [o.get("ename") for o in verdict["outputs"]] == ["CheckFailed"], verdict["outputs"]

    # one written answer, by hand: a's first question, full points (its points: the source's)
    notebook = next(n for n in t.grader("GET", f"submitted_notebooks/{A}/{A}")
                    if n["student"] == t.a)
    grades = t.grader("GET", f"grades?submission_id={notebook['id']}")
    q1 = next(g for g in grades if g["name"] == "question_1")
    q1_points = next(c["metadata"]["nbgrader"]["points"] for c in source["cells"]
                     if c["metadata"].get("nbgrader", {}).get("grade_id") == "question_1")
    assert q1["needs_manual_grade"] is True and q1["max_score"] == q1_points > 0
    given = t.grader("PUT", f"grade/{q1['id']}", {"manual_score": q1_points})
    assert given["manual_score"] == q1_points

    assert t.grader("POST", f"assignment/{A}/generate_feedback")["success"] is True
    assert t.grader("POST", f"assignment/{A}/release_feedback")["success"] is True
    feedback = {}
    for s in t.students:
        entries = t.assignments(s, "fetch_feedback")
        last = max((sub for e in entries if e["status"] == "submitted"
                    for sub in e["submissions"]), key=lambda sub: sub["timestamp"])
        assert last["has_local_feedback"] and not last["feedback_updated"], last
        path = last["local_feedback_path"]          # relative to the student's home
        path = os.path.relpath(path, f"/home/{s}") if os.path.isabs(path) else path
        feedback[s] = html.unescape(t.contents(s, quote(f"{path}/{A}.html"))["content"])
    TIMES["feedback"] = time.monotonic() - t0
    for line in _diagnosis(source):
        assert line in feedback[t.b], line
    assert "my_backward" in feedback[t.b] and "CheckFailed" not in feedback[t.a]

    assert _export(t) == {t.a: (8 + q1_points, 0, 8 + q1_points), t.b: (4, 0, 4), t.c: (8, 8, 0)}
    t.q1_points = q1_points


def _export(t):
    """``{student: (raw_score, late_submission_penalty, score)}`` from ``nbgrader export``."""
    (t.course / "grades.csv").unlink(missing_ok=True)
    t.block("export")
    with open(t.course / "grades.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["assignment"] == A]
    assert sorted(r["student_id"] for r in rows) == sorted(t.students)   # one row each
    return {r["student_id"]: tuple(float(r[k]) for k in
                                   ("raw_score", "late_submission_penalty", "score"))
            for r in rows}


# --- isolation, as the students -------------------------------------------------------------

def _reads(user, path):
    return H.as_user(user, "cat", str(path)).returncode == 0


def _lists(user, path):
    return H.as_user(user, "ls", str(path)).returncode == 0


def _writes(user, path):
    return H.as_user(user, "sh", "-c", f"echo x >> '{path}'").returncode == 0


def test_isolation(term):
    t = term
    if not hasattr(t, "q1_points"):
        pytest.skip("the term did not run to its end")
    mine = f"/home/{t.b}/{A}/{A}.ipynb"
    theirs = f"/home/{t.a}/{A}/{A}.ipynb"
    assert _reads(t.b, mine) and _writes(t.b, f"/home/{t.b}/note.txt")   # runuser works
    assert not _reads(t.b, theirs) and not _lists(t.b, f"/home/{t.a}")
    assert not _writes(t.b, theirs) and not _writes(t.b, f"/home/{t.a}/note.txt")
    assert not _lists(t.b, f"/home/{t.teacher}")
    inbound = t.exchange / COURSE_ID / "inbound"
    assert not _lists(t.b, inbound)
    a_subs = [p for p in inbound.iterdir() if p.name.startswith(t.a + "+")]
    assert a_subs
    for sub in a_subs:        # even with the name known
        assert not _reads(t.b, sub / f"{A}.ipynb") and not _lists(t.b, sub)
        assert not _writes(t.b, sub / f"{A}.ipynb") and not _writes(t.b, sub / "x")
    feedback = sorted((t.exchange / COURSE_ID / "feedback").glob("*.html"))
    assert len(feedback) == 3
    assert not _lists(t.b, t.exchange / COURSE_ID / "feedback")
    assert sum(_reads(t.b, f) for f in feedback) == 1       # b's own
    assert not _writes(t.b, t.exchange / COURSE_ID / "outbound" / A / f"{A}.ipynb")
    assert not _writes(t.b, t.exchange / COURSE_ID / "outbound" / "fake")
    moved = H.as_user(t.b, "mv", str(t.exchange / COURSE_ID), str(t.exchange / "moved"))
    assert moved.returncode != 0          # no fake course in its place (the sticky bit)
    for path in ("gradebook.db", "nbgrader_config.py", f"source/{A}/{A}.ipynb"):
        assert not _reads(t.b, t.course / path), path
    assert not _writes(t.b, t.course / "gradebook.db") and not _lists(t.b, t.course)
    # the teacher's chapters (the answers) are nowhere a student reads
    assert not list(t.venv.rglob("0[0-9]_*.py")) and not _lists(t.b, t.tmp / "chapters")
    assert not _lists(t.b, t.tmp / "wheels")
    found = H.as_user(t.b, f"{t.venv}/bin/python", "-c", "import handin_chapters")
    assert "No module named 'handin_chapters'" in found.stderr, found


# --- regrading in place -----------------------------------------------------------------------

def test_regrade(term):
    t = term
    if not hasattr(t, "q1_points"):
        pytest.skip("the term did not run to its end")
    t0 = time.monotonic()
    path = t.course / "source" / A / f"{A}.ipynb"
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_my_backward")
    assert cell["metadata"]["nbgrader"]["points"] == 4
    cell["metadata"]["nbgrader"]["points"] = 6          # the teacher changes a test's points
    path.write_text(json.dumps(nb, indent=1))
    t.block("regrade")
    TIMES["regraded"] = time.monotonic() - t0
    # a: the new points and the hand-given ones kept; b: unchanged; c: late, still zero
    a = 10 + t.q1_points
    assert _export(t) == {t.a: (a, 0, a), t.b: (4, 0, 4), t.c: (10, 10, 0)}
