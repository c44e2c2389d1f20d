"""Fixtures for the real-browser test: a private JupyterLab server and headless Chromium.

* ``lab`` (session): JupyterLab on 127.0.0.1 and a free port, serving a *copy* of the
  chapters (so nothing the browser or the kernel does can touch the repository), with its
  own temporary config, data, runtime, settings and workspace directories, and no network
  use (no news, no update check, read-only extension manager, no autosave).
  The token is random, lives only in a 0600 config file in the temporary directory and in
  the ``Authorization`` header the browser sends: it is never on a command line, in a URL,
  in a log or in pytest's output. The server's log is saved, token redacted, to
  ``artifacts/browser/jupyterlab-server.log``.
* ``browser`` (session): Debian's Chromium (``/usr/bin/chromium``) driven by Playwright,
  headless, with the flags that keep it off the (closed) network. Playwright gives every
  launch a fresh, empty profile (user data dir).
* ``page`` (function): a new browser context logged in to ``lab``; its console messages
  are saved to ``artifacts/browser/<test>-console.log``; the test's kernels are shut down
  afterwards.

Without Chromium the tests FAIL and say what to install, unless ``HANDIN_SKIP_BROWSER=1``
is set (then they are skipped with that reason). ``HANDIN_CHROMIUM`` points to another
Chromium binary; ``HANDIN_BROWSER_NOTEBOOKS`` to another folder of chapters (used to
show that the test fails on a broken explorer, see test_jupyterlab.py).
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil

import pytest

from ._lab import CHROMIUM_ARGS, redact, running_lab

REPO = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = pathlib.Path(os.environ.get("HANDIN_BROWSER_NOTEBOOKS") or REPO / "notebooks")
ARTIFACTS = REPO / "artifacts" / "browser"
CHROMIUM = os.environ.get("HANDIN_CHROMIUM") or "/usr/bin/chromium"
SKIP_VAR = "HANDIN_SKIP_BROWSER"


def chromium_or_fail():
    """The Chromium binary; fail (or skip if HANDIN_SKIP_BROWSER=1) when it is missing."""
    if os.environ.get(SKIP_VAR) == "1":
        state = "found" if shutil.which(CHROMIUM) else "not installed"
        pytest.skip(f"{SKIP_VAR}=1 is set: browser test skipped (Chromium {state} at {CHROMIUM})")
    if not shutil.which(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. The browser test (JupyterLab in headless "
            "Chromium) needs Debian's chromium: run `apt-get install chromium` (as root; "
            ".ci/run does it), or set HANDIN_CHROMIUM to a Chromium binary, or set "
            f"{SKIP_VAR}=1 to skip this test explicitly.", pytrace=False)
    try:
        import playwright  # noqa: F401
    except ImportError:
        pytest.fail("Playwright for Python is not installed: pip install -e '.[test]' "
                    "(it drives the system Chromium; do not run `playwright install`).",
                    pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="module")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def chromium():
    return chromium_or_fail()


@pytest.fixture(scope="module")
def lab(chromium):
    with running_lab(NOTEBOOKS, ARTIFACTS) as server:
        yield server


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, lab, artifacts, request):
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, device_scale_factor=1,
        extra_http_headers={"Authorization": f"token {lab.token}"})
    context.set_default_timeout(30_000)
    pg = context.new_page()
    messages = []
    pg.on("console", lambda m: messages.append(f"[{m.type}] {m.text}"))
    pg.on("pageerror", lambda e: messages.append(f"[pageerror] {e}"))
    pg.console_messages_seen = messages
    try:
        yield pg
    finally:
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        (artifacts / f"{name}-console.log").write_text(redact("\n".join(messages), lab.token))
        context.close()
        lab.shutdown_kernels()
