"""JupyterLab for the browser tests and benchmarks: a private server over a copy of the chapters.

Plain functions and a class (no pytest): ``tests/browser/conftest.py`` wraps them in
fixtures and ``benchmarks/explorer_browser.py`` calls them directly. See conftest.py for
what the server is (127.0.0.1, a random token never on a command line or in a log, its
own temporary config, data, runtime, settings and workspace directories, no network).
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

# The flags that keep Chromium quiet on a machine with no internet (otherwise it floods
# the closed network with connection attempts); Playwright adds --headless and a fresh
# --user-data-dir itself.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
]

SERVER_START_TIMEOUT = 90      # seconds; the machine may be busy

# JupyterLab user settings: no network, nothing saved, every output kept in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/extensionmanager-extension/plugin": {"enabled": False},
    # "none": every cell is rendered, so every output (and widget) can be checked.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none",
                                               "autoStartDefaultKernel": True},
}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process_group(proc):
    """SIGTERM to the server's own process group (never ours), SIGKILL if it lingers."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def redact(text, token):
    text = text.replace(token, "<TOKEN>")
    return re.sub(r"(token[=: ]+)[0-9a-f]{16,}", r"\1<TOKEN>", text, flags=re.I)


class Lab:
    """A running JupyterLab server (see the ``lab`` fixture)."""

    def __init__(self, tmp: pathlib.Path, notebooks: pathlib.Path, artifacts=None):
        tmp.mkdir(parents=True, exist_ok=True)
        self.tmp = tmp
        self.root = tmp / "root"
        self.token = secrets.token_hex(24)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / "server.log"
        shutil.copytree(notebooks, self.root / "notebooks",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        dirs = {name: tmp / name for name in ("config", "data", "runtime", "settings",
                                              "workspaces", "ipython")}
        for d in dirs.values():
            d.mkdir()
        for plugin, values in LAB_SETTINGS.items():
            path = dirs["settings"] / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        config = {
            "IdentityProvider": {"token": self.token},
            "ServerApp": {"ip": "127.0.0.1", "port": self.port, "port_retries": 0,
                          "open_browser": False, "root_dir": str(self.root),
                          "allow_root": os.geteuid() == 0, "terminals_enabled": False,
                          "custom_display_url": f"{self.base_url}/lab"},
            "LabApp": {"news_url": None, "extension_manager": "readonly",
                       "user_settings_dir": str(dirs["settings"]),
                       "workspaces_dir": str(dirs["workspaces"])},
            "LabServerApp": {"user_settings_dir": str(dirs["settings"]),
                             "workspaces_dir": str(dirs["workspaces"])},
        }
        config_file = dirs["config"] / "jupyter_server_config.json"
        config_file.touch(mode=0o600)
        config_file.write_text(json.dumps(config))
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("JUPYTER", "JPY_", "IPYTHON"))}
        self.env.update(JUPYTER_CONFIG_DIR=str(dirs["config"]),
                        JUPYTER_DATA_DIR=str(dirs["data"]),   # the venv's share/jupyter
                        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),  # stays on the path
                        IPYTHONDIR=str(dirs["ipython"]),
                        JUPYTER_PLATFORM_DIRS="0", PYTHONUNBUFFERED="1")
        self.env.pop("MPLBACKEND", None)       # the kernel picks the inline backend
        self.proc = None
        self.artifacts = artifacts

    def start(self):
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "jupyterlab"],
                                     cwd=self.root, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self.proc.returncode}:\n"
                                   + self.log_text()[-3000:])
            try:
                self.api("GET", "/api/status")
                return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        raise RuntimeError(f"JupyterLab did not answer within {SERVER_START_TIMEOUT} s:\n"
                           + self.log_text()[-3000:])

    def api(self, method, path, timeout=10):
        req = urllib.request.Request(self.base_url + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        """Shut down every session's kernel (frees the CPU for the next chapter)."""
        try:
            for session in self.api("GET", "/api/sessions"):
                self.api("DELETE", f"/api/sessions/{session['id']}", timeout=30)
        except (OSError, urllib.error.URLError):
            pass

    def log_text(self):
        return redact(self.log_path.read_text(errors="replace"), self.token)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.shutdown_kernels()
            stop_process_group(self.proc)
        if self.proc is not None:
            self._log.close()
            if self.artifacts is not None:
                self.artifacts.mkdir(parents=True, exist_ok=True)
                (self.artifacts / "jupyterlab-server.log").write_text(self.log_text())
            # The server only ever shows a configured token as "...": check it stays so.
            assert self.token not in self.log_path.read_text(errors="replace"), (
                "the JupyterLab token appeared in the server's log (redacted in the artifact)")


@contextlib.contextmanager
def running_lab(notebooks, artifacts=None):
    """A started :class:`Lab` over a copy of ``notebooks``, stopped (and its temporary
    directory, which holds the token, removed) on exit. Retries on a taken port."""
    # A TemporaryDirectory, not pytest's tmp_path_factory: pytest keeps those around, and
    # the runtime dir holds the token.
    with tempfile.TemporaryDirectory(prefix="handin-lab-") as tmp:
        for attempt in range(3):              # the free port may be taken meanwhile
            server = Lab(pathlib.Path(tmp) / f"lab{attempt}", notebooks, artifacts)
            try:
                server.start()
                break
            except RuntimeError:
                server.stop()
                if attempt == 2 or "address already in use" not in server.log_text().lower():
                    raise
        try:
            yield server
        finally:
            server.stop()
