"""Fixtures for the real-browser test: a private JupyterLab server and headless Chromium.

* ``lab`` (session): JupyterLab on 127.0.0.1 and a free port, serving a *copy* of the
  chapters (so nothing the browser or the kernel does can touch the repository), with its
  own temporary config, data, runtime, settings and workspace directories, and no network
  use (no news, no update check, read-only extension manager, no autosave).
  The token is random, lives only in a 0600 config file in the temporary directory and in
  the ``Authorization`` header the browser sends: it is never on a command line, in a URL,
  in a log or in pytest's output. The server's log is saved, token redacted, to
  ``artifacts/browser/jupyterlab-server.log``.
* ``browser`` (session): Chromium, Chrome or Edge (found by ``_chromium.find_browser``)
  driven by Playwright, headless, with the flags that keep it off the (closed) network.
  Playwright gives every launch a fresh, empty profile (user data dir).
* ``page`` (function): a new browser context logged in to ``lab``; its console messages
  are saved to ``artifacts/browser/<test>-console.log``; the test's kernels are shut down
  afterwards.

Without a browser the tests are skipped with one line saying how to get one, or fail with
it when ``HANDIN_REQUIRE_BROWSER=1`` (``.ci/run``); ``HANDIN_CHROMIUM`` names a browser
binary (see _chromium.py). ``HANDIN_BROWSER_NOTEBOOKS`` points to another folder of
chapters (used to show that the test fails on a broken explorer, see test_jupyterlab.py).
"""

from __future__ import annotations

import os
import pathlib
import re

import pytest

from ._chromium import browser_or_skip
from ._lab import CHROMIUM_ARGS, redact, running_lab

REPO = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = pathlib.Path(os.environ.get("HANDIN_BROWSER_NOTEBOOKS") or REPO / "notebooks")
ARTIFACTS = REPO / "artifacts" / "browser"


@pytest.fixture(scope="module")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def chromium():
    return browser_or_skip()


@pytest.fixture(scope="module")
def lab(chromium):
    with running_lab(NOTEBOOKS, ARTIFACTS) as server:
        yield server


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(headless=True, args=CHROMIUM_ARGS, **chromium.launch_kwargs())
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
