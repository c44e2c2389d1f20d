"""A real JupyterHub for the term test: Unix users, a users' venv with handin from a wheel,
configurable-http-proxy from npm, the hub, and HTTP as the browser's tabs speak it.

Everything here needs root (users, spawning as them, the grader's sandbox). What cannot be
had gives :func:`unavailable` a one-line reason; the test skips on it, or fails when
``HANDIN_REQUIRE_HUB=1``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pathlib
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

REPO = pathlib.Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "jupyterhub.md"
#: the users' Python: readable by every user (a Python under /root, mode 700, fails spawns)
SYSTEM_PYTHON = "/usr/bin/python3"       # docs/jupyterhub.md, block venv
#: configurable-http-proxy, from npm
CHP = "configurable-http-proxy@5.3.0"
#: venvs and the proxy are kept here between runs, by the digest of what they hold
CACHE = pathlib.Path(os.environ.get("HANDIN_HUB_CACHE", "/var/tmp/handin-hub"))


def unavailable():
    """Why no hub can be run here (one line), or None."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return "a hub with real users needs Linux and root (useradd, spawning as the users)"
    for tool in ("useradd", "userdel", "runuser", "npm", "bwrap", "setpriv"):
        if shutil.which(tool) is None:
            return f"{tool} not found (apt-get install passwd util-linux npm bubblewrap)"
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"no system Python at {SYSTEM_PYTHON} for the users' venv"
    return None


def run(cmd, **kw):
    """``subprocess.run`` that raises with the command's output when it fails."""
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    done = subprocess.run(cmd, **kw)
    if done.returncode:
        raise RuntimeError(f"{cmd} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def as_user(user, *cmd):
    """Run ``cmd`` as the Unix ``user`` (a login-less ``runuser``); the CompletedProcess."""
    return subprocess.run([shutil.which("runuser"), "-u", user, "--", *cmd], capture_output=True, text=True,
                          cwd="/", env={"PATH": "/usr/bin:/bin", "HOME": f"/home/{user}"})


# --- users ----------------------------------------------------------------------------

def make_users(names):
    """Create a Unix user of each name, home 0700; the list of users."""
    users = []
    try:
        for user in names:
            run(["useradd", "--create-home", "--shell", "/bin/bash", user])
            users.append(user)
            os.chmod(f"/home/{user}", 0o700)
    except BaseException:
        remove_users(users)
        raise
    return users


def remove_users(users):
    """Stop what runs as ``users`` (by their pids) and delete them with their homes."""
    for user in users:
        try:
            uid = pwd.getpwnam(user).pw_uid
        except KeyError:
            continue
        for attempt in range(20):
            pids = [int(p) for p in os.listdir("/proc") if p.isdigit() and _uid(p) == uid]
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, 15 if attempt < 10 else 9)
                except ProcessLookupError:
                    pass
            time.sleep(0.3)
        subprocess.run(["userdel", "--remove", "--force", user], capture_output=True)


def stop_pid_file(path):
    """Stop the process whose pid ``path`` holds (one the hub started), if it runs."""
    try:
        os.kill(int(pathlib.Path(path).read_text().strip()), 9)
    except (OSError, ValueError):
        pass


def _uid(pid):
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


# --- the users' environment -------------------------------------------------------------

def build_wheels(out):
    """handin's and handin-chapters' wheels, built from this checkout, in ``out`` (the hub
    needs no clone)."""
    pathlib.Path(out).mkdir(mode=0o700)       # the chapters' wheel holds the answers
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(REPO), str(REPO / "chapters")], timeout=600)
    return pathlib.Path(out)


def _digest(*files):
    h = hashlib.sha256()
    for f in files:
        h.update(pathlib.Path(f).read_bytes())
    return h.hexdigest()[:16]


def _requirements():
    """What the venv's ``pip install handin[hub]`` asks for (handin's dependencies and its
    hub extra), and the block that installs it: the venv is kept while they stay."""
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    key = [project["dependencies"], project["optional-dependencies"]["hub"],
           doc_blocks()["venv"], SYSTEM_PYTHON]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16]


def users_venv(wheels):
    """The doc's venv (block ``venv``) with ``handin[hub]`` from the ``wheels`` folder. Kept in
    :data:`CACHE` by the digest of its requirements (:func:`_requirements`); when only handin
    changed, its wheel is installed again in it. Its path."""
    CACHE.mkdir(parents=True, exist_ok=True)
    os.chmod(CACHE, 0o755)
    venv = CACHE / f"venv-{_requirements()}"
    handin = sorted(pathlib.Path(wheels).glob("handin-*.whl"))     # not handin_chapters
    built = _digest(*handin)
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)        # one build at a time (.ci/run starts one early)
        if not (venv / "ok").is_file():
            for old in CACHE.glob("venv-*"):
                shutil.rmtree(old, ignore_errors=True)
            run_block("venv", "/", {"VENV": str(venv), "WHEELS": str(wheels)},
                      env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root"})
        elif (venv / "ok").read_text() != built:
            run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "--force-reinstall",
                 *map(str, handin)], timeout=600)
            run(["chmod", "-R", "a+rX", str(venv)])
        (venv / "ok").write_text(built)
    return venv


def ready():
    """Whether the proxy and the users' venv for today's requirements are installed (after
    waiting for a :func:`prepare` under way): the test installs nothing from the network."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return ((CACHE / "chp" / "node_modules" / ".bin" / "configurable-http-proxy").exists()
                and (CACHE / f"venv-{_requirements()}" / "ok").is_file())


def prepare():
    """What the test needs that takes long (the proxy, the wheels, the venv), done ahead:
    ``python -m tests.hub.harness`` (.ci/run runs it beside the other tests)."""
    import tempfile

    proxy()
    with tempfile.TemporaryDirectory() as tmp:
        return users_venv(build_wheels(pathlib.Path(tmp) / "wheels"))


def proxy():
    """configurable-http-proxy from npm in :data:`CACHE`; its executable."""
    prefix = CACHE / "chp"
    exe = prefix / "node_modules" / ".bin" / "configurable-http-proxy"
    CACHE.mkdir(parents=True, exist_ok=True)
    os.chmod(CACHE, 0o755)
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not exe.exists():
            run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix",
                 str(prefix), CHP], timeout=600)
            run(["chmod", "-R", "a+rX", str(prefix)])
    return exe


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the doc's commands -----------------------------------------------------------------

def doc_blocks(doc=DOC):
    """``{name: text}`` of the fenced blocks of ``doc`` after a ``<!-- term: NAME -->`` line:
    the commands of docs/jupyterhub.md that the test runs."""
    text = doc.read_text(encoding="utf-8")
    found = re.findall(r"<!-- term: ([\w-]+) -->\s*```\w*\n(.*?)```", text, re.DOTALL)
    return {name: body for name, body in found}


def block(name, settings):
    """The doc's block ``name``, where a line ``VAR=...`` (or ``VAR = ...``) for a VAR in
    ``settings`` takes the test's value instead of the doc's example."""
    lines = []
    for line in doc_blocks()[name].splitlines():
        m = re.match(r"^(\w+)(\s*)=", line)
        if m and m[1] in settings:
            line = f"{m[1]}{m[2]}={m[2]}{settings[m[1]]!r}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def run_block(name, cwd, settings, env):
    """Run the doc's shell block ``name`` with bash in ``cwd``, with the test's ``settings``."""
    script = "set -euo pipefail\n" + block(name, settings)
    return run(["bash", "-c", script], cwd=cwd, env=env, timeout=900)


# --- HTTP ---------------------------------------------------------------------------------

def call(url, token, method="GET", body=None, timeout=300):
    """``(status, parsed JSON or text)`` of an HTTP request with a hub token."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Authorization": f"token {token}",
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read().decode(errors="replace")
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def wait_for(what, probe, timeout=90, every=0.5):
    end = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > end:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(every)


def token():
    return secrets.token_hex(32)


# --- the hub ------------------------------------------------------------------------------

HUB_CONFIG = '''\
# The term test's hub (tests/hub/harness.py): its own lines, then docs/jupyterhub.md's block.
c = get_config()  # noqa: F821
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.ConfigurableHTTPProxy.pid_file = {state!r} + "/proxy.pid"
c.JupyterHub.db_url = "sqlite:///" + {state!r} + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {state!r} + "/cookie_secret"
c.JupyterHub.pid_file = {state!r} + "/jupyterhub.pid"
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = {password!r}
c.Authenticator.allowed_users = set({users!r})
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# --- docs/jupyterhub.md, block hub-config ---
{doc}
# --- the test's own service: makes the users' tokens, starts their servers ---
c.JupyterHub.services.append({{"name": "term", "api_token": {term_token!r}}})
c.JupyterHub.load_roles.append(
    {{"name": "term", "services": ["term"],
      "scopes": ["admin:users", "admin:servers", "tokens", "access:servers",
                 "access:services", "read:users"]}})
'''


def hub_config(settings, **values):
    """The test's ``jupyterhub_config.py``: its own lines and the doc's block ``hub-config``
    with the test's ``settings``."""
    return HUB_CONFIG.format(doc=block("hub-config", settings), **values)


if __name__ == "__main__":
    reason = unavailable()
    print(f"no hub here: {reason}" if reason else f"hub venv ready: {prepare()}")
