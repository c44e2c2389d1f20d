"""Unit tests of the browser discovery (_chromium.py): fake paths and variables, no browser."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap

import pytest

from . import _chromium
from ._chromium import Browser, BrowserConfigError, HOW_TO_GET, channel_paths, find_browser


def fake_exe(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def find(environ=None, **kw):
    """find_browser with nothing on this machine visible unless a test provides it."""
    defaults = dict(platform="linux", playwright_path=lambda: None, which=lambda name: None,
                    system_paths=())
    defaults.update(kw)
    return find_browser({} if environ is None else environ, **defaults)


def test_nothing_found():
    assert find() is None


def test_env_var_wins_over_everything(tmp_path):
    mine = fake_exe(tmp_path / "my-chrome")
    system = fake_exe(tmp_path / "usr" / "chromium")
    found = find({"HANDIN_CHROMIUM": mine}, system_paths=(system,),
                 playwright_path=lambda: system)
    assert found == Browser("HANDIN_CHROMIUM", executable=mine)
    assert found.launch_kwargs() == {"executable_path": mine}


def test_env_var_may_name_a_command_on_the_path(tmp_path):
    exe = fake_exe(tmp_path / "bin" / "chromium")
    found = find({"HANDIN_CHROMIUM": "chromium"},
                 which=lambda name: exe if name == "chromium" else None)
    assert found.executable == exe


@pytest.mark.parametrize("kind", ["missing", "not executable", "a folder"])
def test_env_var_pointing_nowhere_is_an_error_not_a_skip(tmp_path, kind):
    target = tmp_path / "chrome"
    if kind == "not executable":
        target.write_text("")
        target.chmod(0o644)
        if os.access(target, os.X_OK):  # pragma: no cover - root may execute anything
            pytest.skip("this user may execute any file")
    elif kind == "a folder":
        target.mkdir()
    with pytest.raises(BrowserConfigError, match=f"HANDIN_CHROMIUM={target} is not an exec"):
        find({"HANDIN_CHROMIUM": str(target)}, system_paths=(fake_exe(tmp_path / "c"),))


def test_playwright_browser_before_system_ones(tmp_path):
    registry = tmp_path / "ms-playwright"
    bundled = fake_exe(registry / "chromium-1187" / "chrome-linux" / "chrome")
    system = fake_exe(tmp_path / "usr" / "chromium")
    found = find(playwright_path=lambda: bundled, system_paths=(system,))
    # the full Chromium alone (playwright install --no-shell): named, since a headless
    # launch would look for the headless shell
    assert found.source == "Playwright's browsers"
    assert found.launch_kwargs() == {"executable_path": bundled}
    (registry / "chromium_headless_shell-1187").mkdir()
    found = find(playwright_path=lambda: bundled, system_paths=(system,))
    assert found.source == "Playwright's browsers" and found.launch_kwargs() == {}


def test_playwright_headless_shell_alone_counts(tmp_path):
    registry = tmp_path / "ms-playwright"
    (registry / "chromium_headless_shell-1187" / "chrome-linux").mkdir(parents=True)
    not_installed = str(registry / "chromium-1187" / "chrome-linux" / "chrome")
    found = find(playwright_path=lambda: not_installed)
    assert found.source == "Playwright's browsers" and found.launch_kwargs() == {}
    (registry / "chromium_headless_shell-1187").rename(registry / "chromium_headless_shell-1")
    assert find(playwright_path=lambda: not_installed) is None  # another revision: no


def test_playwright_path_that_is_not_installed_falls_through(tmp_path):
    system = fake_exe(tmp_path / "usr" / "chromium")
    found = find(playwright_path=lambda: str(tmp_path / "nothing" / "chrome"),
                 system_paths=(system,))
    assert found == Browser("system Chromium", executable=system)


def test_channels_on_each_platform():
    assert channel_paths("chrome", "linux") == ["/opt/google/chrome/chrome"]
    assert channel_paths("msedge", "linux") == ["/opt/microsoft/msedge/msedge"]
    assert channel_paths("chrome", "darwin") == [
        "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"]
    win = channel_paths("msedge", "win32", {"LOCALAPPDATA": r"C:\Users\a\AppData\Local",
                                             "PROGRAMFILES": r"C:\Program Files"})
    assert win == [r"C:\Users\a\AppData\Local\Microsoft\Edge\Application\msedge.exe",
                   r"C:\Program Files\Microsoft\Edge\Application\msedge.exe"]
    assert channel_paths("chrome", "sunos5") == []


def test_system_chrome_channel_before_debian_chromium(tmp_path, monkeypatch):
    chrome = fake_exe(tmp_path / "opt" / "google" / "chrome" / "chrome")
    debian = fake_exe(tmp_path / "usr" / "bin" / "chromium")
    monkeypatch.setattr(_chromium, "_LINUX", {"chrome": [chrome], "msedge": []})
    found = find(system_paths=(debian,))
    assert found == Browser("Playwright channel 'chrome'", executable=chrome, channel="chrome")
    assert found.launch_kwargs() == {"executable_path": chrome}


def test_edge_when_no_chrome(tmp_path, monkeypatch):
    edge = fake_exe(tmp_path / "opt" / "microsoft" / "msedge" / "msedge")
    monkeypatch.setattr(_chromium, "_LINUX", {"chrome": [str(tmp_path / "none")],
                                              "msedge": [edge]})
    assert find().channel == "msedge"


def test_debian_then_ubuntu_paths_then_path(tmp_path):
    ubuntu = fake_exe(tmp_path / "usr" / "bin" / "chromium-browser")
    debian = str(tmp_path / "usr" / "bin" / "chromium")     # not installed
    assert find(system_paths=(debian, ubuntu)).executable == ubuntu
    on_path = fake_exe(tmp_path / "bin" / "google-chrome")
    found = find(which=lambda name: on_path if name == "google-chrome" else None)
    assert found == Browser("google-chrome on the PATH", executable=on_path)


def test_the_default_lists_hold_debian_and_ubuntu():
    assert _chromium.SYSTEM_PATHS[:2] == ("/usr/bin/chromium", "/usr/bin/chromium-browser")
    assert "/snap/bin/chromium" in _chromium.SYSTEM_PATHS


def test_how_to_get_is_one_line_naming_both_ways():
    assert "\n" not in HOW_TO_GET
    assert "python -m playwright install chromium" in HOW_TO_GET
    assert "apt-get install chromium" in HOW_TO_GET and "HANDIN_CHROMIUM" in HOW_TO_GET


@pytest.mark.parametrize("value, must", [("", False), ("0", False), ("1", True),
                                         ("yes", True)])
def test_required(value, must):
    assert _chromium.required({"HANDIN_REQUIRE_BROWSER": value}) is must
    assert _chromium.required({}) is False


SKIP_OR_FAIL = textwrap.dedent("""
    from tests.browser import _chromium
    _chromium.find_browser = lambda environ=None: None   # a machine without any browser

    def test_needs_a_browser():
        _chromium.browser_or_skip()
""")


@pytest.mark.parametrize("require, outcome", [(None, "skipped"), ("1", "failure")])
def test_no_browser_skips_or_fails_with_one_line(tmp_path, require, outcome):
    """The real pytest behaviour, in a subprocess: skipped by default, failed when required,
    with the one-line reason (read from a JUnit report, whatever the terminal's width)."""
    import xml.etree.ElementTree as ET

    test = tmp_path / "test_no_browser.py"
    test.write_text(SKIP_OR_FAIL)
    env = {k: v for k, v in os.environ.items() if k != "HANDIN_REQUIRE_BROWSER"}
    if require:
        env["HANDIN_REQUIRE_BROWSER"] = require
    root = _chromium.pathlib.Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = str(root)
    report = tmp_path / "report.xml"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:nbval",
                           "-p", "no:cacheprovider", "-o", "addopts=", "--rootdir", str(tmp_path),
                           f"--junitxml={report}", str(test)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == (1 if require else 0), proc.stdout + proc.stderr
    (case,) = ET.parse(report).getroot().iter("testcase")
    (result,) = [e for e in case if e.tag in ("skipped", "failure", "error")]
    assert result.tag == outcome
    message = result.get("message")
    assert "\n" not in message and HOW_TO_GET in message
    assert message.endswith("(HANDIN_REQUIRE_BROWSER=1: the browser tests must run)") \
        is bool(require)
    assert "Traceback" not in proc.stdout
