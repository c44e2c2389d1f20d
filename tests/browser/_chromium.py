"""Find a Chromium-family browser for the browser tests, or say in one line how to get one.

Looked for in this order (the first found wins):

1. ``HANDIN_CHROMIUM``: a Chrome, Chromium or Edge binary named by the user. If it is set
   but names no executable file, that is an error (the tests fail and say so), not a skip.
2. Playwright's own browsers, as installed by ``python -m playwright install chromium``
   (the full Chromium, or only its headless shell).
3. A system Chrome or Edge where Playwright's ``chrome`` and ``msedge`` channels look for
   them (``/opt/google/chrome/chrome``, ``/Applications/Google Chrome.app/...``,
   ``%PROGRAMFILES%\\Google\\Chrome\\Application\\chrome.exe``, ...).
4. Debian's and Ubuntu's Chromium (``/usr/bin/chromium``, ``/usr/bin/chromium-browser``,
   ``/snap/bin/chromium``), then ``chromium``, ``chromium-browser``, ``google-chrome`` or
   ``microsoft-edge`` on the ``PATH``.

When none is found the browser tests are skipped with the one-line :data:`HOW_TO_GET`;
``HANDIN_REQUIRE_BROWSER=1`` (set by ``.ci/run``) turns that skip into a failure.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import sys
from dataclasses import dataclass

PATH_VAR = "HANDIN_CHROMIUM"
REQUIRE_VAR = "HANDIN_REQUIRE_BROWSER"

HOW_TO_GET = ("no Chromium, Chrome or Edge found for the browser tests: run "
              "`python -m playwright install chromium`, or install your OS's Chromium "
              "(Debian/Ubuntu: `apt-get install chromium`), or set HANDIN_CHROMIUM to a "
              "Chrome/Chromium/Edge binary")

# Where Playwright's channels find a system browser (its findChromiumChannel), stable only.
CHANNELS = ("chrome", "msedge")
_DARWIN = {"chrome": ["/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"],
           "msedge": ["/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"]}
_LINUX = {"chrome": ["/opt/google/chrome/chrome"],
          "msedge": ["/opt/microsoft/msedge/msedge"]}
_WIN32 = {"chrome": r"Google\Chrome\Application\chrome.exe",
          "msedge": r"Microsoft\Edge\Application\msedge.exe"}

# Debian's chromium package; Ubuntu's (a snap, with a wrapper in /usr/bin on older releases).
SYSTEM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium")
SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "microsoft-edge")


class BrowserConfigError(RuntimeError):
    """``HANDIN_CHROMIUM`` is set but names no executable file."""


@dataclass(frozen=True)
class Browser:
    """A browser found for Playwright: where it came from and how to launch it.

    ``executable`` is a path for ``launch(executable_path=...)`` (for a channel's browser,
    the path that channel uses, checked to exist); None means Playwright's own Chromium.
    """

    source: str
    executable: str | None = None
    channel: str | None = None

    def launch_kwargs(self):
        """Keyword arguments for ``playwright.chromium.launch``."""
        if self.executable:
            return {"executable_path": self.executable}
        return {}

    def __str__(self):
        where = self.executable or "Playwright's own Chromium"
        return f"{where} ({self.source})"


def is_executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def channel_paths(channel, platform=None, environ=None):
    """The paths where Playwright's ``channel`` looks for a system browser on ``platform``."""
    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    if platform == "darwin":
        return list(_DARWIN.get(channel, []))
    if platform.startswith("linux"):
        return list(_LINUX.get(channel, []))
    if platform == "win32":
        suffix = _WIN32.get(channel)
        prefixes = [environ.get(k) for k in ("LOCALAPPDATA", "PROGRAMFILES", "PROGRAMFILES(X86)")]
        return [str(pathlib.PureWindowsPath(p, suffix)) for p in prefixes if p and suffix]
    return []


def playwright_executable():
    """The path of Playwright's own Chromium (which may not be installed), or None.

    Asks Playwright itself (it knows its browsers' revision and folder); None when the
    Python package is not installed or its driver does not start.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as p:
            return p.chromium.executable_path
    except Exception:  # noqa: BLE001 - a broken driver means "not available" here
        return None


def playwright_browser(executable, is_exec=is_executable):
    """Playwright's own browser if installed: its headless shell, else its full Chromium.

    ``executable`` is Playwright's path of its full Chromium,
    ``<browsers>/chromium-<revision>/chrome-<os>/chrome``. A headless launch with no
    ``executable_path`` uses ``<browsers>/chromium_headless_shell-<revision>`` (installed
    with the full one by ``playwright install chromium``, or alone with ``--only-shell``);
    with only the full one (``--no-shell``) it must be named: ``executable_path``.
    """
    if not executable:
        return None
    path = pathlib.Path(executable)
    for parent in path.parents:
        if parent.name.startswith("chromium-"):
            revision = parent.name.split("-", 1)[1]
            if (parent.parent / f"chromium_headless_shell-{revision}").is_dir():
                return Browser("Playwright's browsers")
            break
    if is_exec(executable):
        return Browser("Playwright's browsers", executable=str(executable))
    return None


def find_browser(environ=None, *, platform=None, playwright_path=playwright_executable,
                 is_exec=is_executable, which=shutil.which, system_paths=SYSTEM_PATHS,
                 system_names=SYSTEM_NAMES):
    """The first browser found in the order of this module's docstring, or None.

    Every lookup is a parameter so that tests can fake them.

    Raises
    ------
    BrowserConfigError
        If ``HANDIN_CHROMIUM`` is set but is not an executable file.
    """
    environ = os.environ if environ is None else environ
    named = environ.get(PATH_VAR)
    if named:
        path = os.path.expanduser(named)
        if not is_exec(path):
            path = which(named) or path    # a command name on the PATH is fine too
        if not is_exec(path):
            raise BrowserConfigError(f"{PATH_VAR}={named} is not an executable file: point it "
                                     "to a Chrome, Chromium or Edge binary, or unset it.")
        return Browser(PATH_VAR, executable=path)
    bundled = playwright_browser(playwright_path(), is_exec)
    if bundled is not None:
        return bundled
    for channel in CHANNELS:
        for path in channel_paths(channel, platform, environ):
            if is_exec(path):
                return Browser(f"Playwright channel {channel!r}", executable=path,
                               channel=channel)
    for path in system_paths:
        if is_exec(path):
            return Browser("system Chromium", executable=path)
    for name in system_names:
        path = which(name)
        if path:
            return Browser(f"{name} on the PATH", executable=path)
    return None


def required(environ=None):
    environ = os.environ if environ is None else environ
    return environ.get(REQUIRE_VAR, "") not in ("", "0")


def browser_or_skip(environ=None):
    """The browser for the tests; skip them (fail if ``HANDIN_REQUIRE_BROWSER=1``) without one."""
    import pytest

    environ = os.environ if environ is None else environ
    must = required(environ)

    def missing(reason):
        if must:
            pytest.fail(f"{reason} ({REQUIRE_VAR}=1: the browser tests must run)", pytrace=False)
        pytest.skip(reason)

    try:
        import playwright  # noqa: F401
    except ImportError:
        missing("Playwright for Python is not installed: pip install -e '.[test]'")
    try:
        found = find_browser(environ)
    except BrowserConfigError as exc:
        pytest.fail(str(exc), pytrace=False)
    if found is None:
        missing(HOW_TO_GET)
    return found
