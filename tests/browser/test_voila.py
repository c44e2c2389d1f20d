"""The explorer as a page of its own in Voilà, for a projector or a class that reads no code.

``python -m handin page`` serves ``handin/explorer/explorer.ipynb``, the explorer alone
(chapter 5, the lesson, runs its lessons first; the page does not), with handin's template
and config, from wherever it is run. This test starts it on 127.0.0.1 and a free port in an
empty folder (its own Jupyter config, data and runtime folders; no network), opens the page
in headless Chromium (the ``browser`` fixture, see conftest.py) and checks:

1. the page renders: the explorer's sliders and its chart are there, nothing shows an error
   or a traceback, no code cell (no source, no editor), no model answer or rubric;
2. a slider move redraws the chart: arrow keys on the learning-rate handle (the keyboard,
   as a user) start a new run; the chart draws its epochs as they come
   (``data-epochs`` grows) and the status line shows the new learning rate;
3. earlier runs stay: the chart draws one run more than before the move (``data-runs``).

4. axe-core (WCAG 2.0/2.1 A and AA) finds no violation on the whole page;
5. chapter 5 itself as a Voilà page (``python -m handin page notebooks/05_explorer.ipynb``,
   on a copy): axe-core finds no violation on the whole page and every <img> shows its
   picture with the words of its ``Figure:`` caption as ``alt``, once the page is there
   and again after an explorer run.

The chart's DOM contract (handin.explorer): the root element has the class
``handin-chart`` and the attributes ``data-runs`` (runs drawn, the current one included)
and ``data-epochs`` (epochs drawn of the current run); the status line has the class
``handin-status``. Screenshots and Voilà's log go to artifacts/browser/voila-*.
"""

from __future__ import annotations

import math
import os
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from ._a11y import (area_axe_violations, axe_violations, chart_text_problems, image_problems,
                    outside_requests)
from ._lab import free_port, stop_process_group
from .conftest import ARTIFACTS, NOTEBOOKS

CHAPTER5 = NOTEBOOKS / "05_explorer.ipynb"

SERVER_START_TIMEOUT = 90      # s, for Voilà to listen
RENDER_TIMEOUT = 300           # s, for Voilà to execute the whole chapter and show it
SETTLE_TIMEOUT = 90            # s, for the chart to be still after the page rendered
QUIET_SECONDS = 3.0
REDRAW_TIMEOUT = 60            # s, for the new run's first epoch after the slider move
PROGRESS_TIMEOUT = 90          # s, for one more epoch drawn
KEY_PRESSES = 5

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
LR_IN_STATUS = re.compile(rf"\b(?:lr|learning[ _]rate)\s*[=:]?\s*({NUMBER})", re.I)

# What the page shows that it should not: code, errors, widgets that failed.
PAGE_JS = r"""
() => {
  if (!document.body) return {code_cells: 0, sources: [], errors: [], stderr: [],
                              loading: true, sliders: 0};
  const text = document.body.innerText || '';
  return {
    code_cells: document.querySelectorAll(
      '.jp-InputArea-editor, .jp-CodeMirrorEditor, .cm-editor, .CodeMirror, .jp-InputPrompt'
    ).length,
    // text that only the chapter's code cells hold (its prose quotes `Explorer()` and
    // `ex.run(...)`, so those alone prove nothing)
    sources: ['from handin.explorer import', 'Explorer()', 'Model answer', 'Rubric']
               .filter(s => text.includes(s)),
    errors: [/Traceback/, /Error displaying widget/i, /model not found/i,
             /^\s*\w*(Error|Exception)\b/m].filter(r => r.test(text)).map(String),
    stderr: [...document.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')]
              .map(e => e.textContent.slice(0, 300)),
    loading: !!document.querySelector('#loading:not([style*="display: none"])') &&
             getComputedStyle(document.querySelector('#loading')).display !== 'none',
    sliders: document.querySelectorAll('.widget-slider').length,
  };
}
"""

CHART_JS = r"""
() => {
  const chart = document.querySelector('.handin-chart');
  const status = document.querySelector('.handin-status');
  if (!chart) return null;
  return {runs: Number(chart.getAttribute('data-runs')),
          epochs: Number(chart.getAttribute('data-epochs')),
          status: status ? status.innerText.trim() : null};
}
"""


class Voila:
    """``python -m handin page`` (Voilà with handin's template and config, on the packaged
    explorer page, or on a copy of ``notebook``) on 127.0.0.1, run in an empty folder."""

    def __init__(self, tmp: pathlib.Path, notebook=None, name="voila"):
        self.tmp = tmp
        self.root = tmp / "root"
        self.root.mkdir(parents=True)
        self.name = name
        self.notebook = []
        if notebook is not None:           # a copy: nothing the page does touches the repo
            (self.root / notebook.name).write_bytes(notebook.read_bytes())
            self.notebook = [notebook.name]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = tmp / "voila.log"
        dirs = {name: tmp / name for name in ("config", "data", "runtime", "ipython")}
        for d in dirs.values():
            d.mkdir()
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("JUPYTER", "JPY_", "IPYTHON"))}
        self.env.update(JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
                        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), IPYTHONDIR=str(dirs["ipython"]),
                        JUPYTER_PLATFORM_DIRS="0", PYTHONUNBUFFERED="1")
        self.env.pop("MPLBACKEND", None)
        self.proc = None

    def start(self):
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "handin", "page", *self.notebook, "--no-browser",
             f"--port={self.port}", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0"],
            cwd=self.root, env=self.env, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Voilà exited with code {self.proc.returncode}:\n"
                                   + self.log_text()[-3000:])
            try:    # listening is enough: a GET of the page would execute the notebook
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"Voilà did not listen within {SERVER_START_TIMEOUT} s:\n"
                           + self.log_text()[-3000:])

    def log_text(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            stop_process_group(self.proc)
        if self.proc is not None:
            self._log.close()
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            (ARTIFACTS / f"{self.name}-server.log").write_text(self.log_text())


@pytest.fixture(scope="module")
def voila(chromium):
    pytest.importorskip("voila", reason="pip install -e '.[voila]' (in the test extra)")
    with tempfile.TemporaryDirectory(prefix="handin-voila-") as tmp:
        server = Voila(pathlib.Path(tmp))
        try:
            yield server.start()
        finally:
            server.stop()


def wait(check, timeout, step=0.25):
    """Poll ``check()`` until it returns something true; that value, or the last one."""
    deadline = time.monotonic() + timeout
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(step)
        value = check()
    return value


def settle(page, quiet=QUIET_SECONDS, timeout=SETTLE_TIMEOUT):
    """The chart's state once it has stayed the same for ``quiet`` seconds (or None)."""
    deadline = time.monotonic() + timeout
    last, since = page.evaluate(CHART_JS), time.monotonic()
    while time.monotonic() - since < quiet:
        if time.monotonic() > deadline:
            return None
        time.sleep(0.5)
        now = page.evaluate(CHART_JS)
        if now != last:
            last, since = now, time.monotonic()
    return last


def test_explorer_as_a_voila_page(voila, browser, artifacts):
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  device_scale_factor=1)
    context.set_default_timeout(30_000)
    page = context.new_page()
    console, requests = [], []
    page.on("console", lambda m: console.append(f"[{m.type}] {m.text}"))
    page.on("pageerror", lambda e: console.append(f"[pageerror] {e}"))
    page.on("request", lambda r: requests.append(r.url))
    try:
        _check_page(page, voila, artifacts)
        _check_readable_and_accessible(page, artifacts)
    except BaseException:
        page.screenshot(path=artifacts / "voila-FAILED.png", full_page=True)
        raise
    finally:
        (artifacts / "voila-console.log").write_text("\n".join(console))
        context.close()
    errors = [line for line in console if line.startswith("[pageerror]") or (
        line.startswith("[error]") and re.search(r"widget|model|module", line, re.I))]
    assert not errors, "the browser console shows widget errors:\n" + "\n".join(errors)
    outside = outside_requests(requests)
    assert not outside, "the Voilà page asked for something outside 127.0.0.1:\n" + \
        "\n".join(outside)


def _check_readable_and_accessible(page, artifacts):
    """At 1000, 1600 and 900 px: the chart's text is 11 px or more and nothing is clipped;
    axe-core finds no violation in the explorer's own elements."""
    for width in (1000, 1600, 900):
        page.set_viewport_size({"width": width, "height": 1000})
        time.sleep(1.0)                    # the chart redraws at its new width
        page.screenshot(path=artifacts / f"voila-width-{width}.png", full_page=True)
        problems = chart_text_problems(page)
        assert not problems, f"at {width} px the chart's text is too small or clipped: {problems}"
    page.set_viewport_size({"width": 1400, "height": 1000})
    violations = axe_violations(page) + area_axe_violations(page, "body")
    assert not violations, "axe-core: the explorer's page has accessibility violations:\n" + \
        "\n".join(violations)


def move_learning_rate(page):
    """Press the arrow keys on the learning-rate slider's handle (towards the middle):
    (readout before, learning rate after, a test of whether a status line names it)."""
    label = page.locator(".widget-label", has_text=re.compile(r"learning rate", re.I))
    slider = page.locator(".widget-slider", has=label).first
    handle = slider.locator(".noUi-handle").first
    readout = slider.locator(".widget-readout").first
    handle.scroll_into_view_if_needed()
    readout0 = readout.inner_text()
    lo, hi, now = (float(handle.get_attribute(a))
                   for a in ("aria-valuemin", "aria-valuemax", "aria-valuenow"))
    key = "ArrowRight" if now <= (lo + hi) / 2 else "ArrowLeft"
    handle.focus()
    for _ in range(KEY_PRESSES):
        page.keyboard.press(key)
        time.sleep(0.05)
    assert wait(lambda: readout.inner_text() != readout0, 5), (
        f"pressing {key} x{KEY_PRESSES} did not move the learning-rate slider ({readout0})")
    lr1 = float(readout.inner_text().strip().replace("\u2212", "-"))

    def shows_new_lr(status):
        return any(math.isclose(float(v), lr1, rel_tol=0.06)
                   for v in LR_IN_STATUS.findall(status or ""))
    return readout0, lr1, shows_new_lr


def _check_page(page, voila, artifacts):
    # 1. Voilà runs the page, then shows it: sliders, chart, no code, no error.
    t0 = time.monotonic()
    page.goto(voila.url, wait_until="commit", timeout=RENDER_TIMEOUT * 1000)
    state = wait(lambda: (lambda s: s if (s["sliders"] and not s["loading"]) else None)(
        page.evaluate(PAGE_JS)), RENDER_TIMEOUT, step=1.0)
    rendered = time.monotonic() - t0
    page.screenshot(path=artifacts / "voila-1-rendered.png", full_page=True)
    state = page.evaluate(PAGE_JS)
    assert state["sliders"] >= 1 and not state["loading"], (
        f"Voilà did not show the explorer within {RENDER_TIMEOUT} s: {state}")
    assert state["code_cells"] == 0 and not state["sources"], (
        f"the Voilà page shows code: {state['code_cells']} editor(s) or prompt(s), "
        f"source text {state['sources']}")
    assert not state["errors"] and not state["stderr"], (
        f"the Voilà page shows errors: {state['errors']} {state['stderr']}")
    print(f"Voilà rendered the explorer's page in {rendered:.1f} s")

    chart0 = wait(lambda: page.evaluate(CHART_JS), 30)
    assert chart0, "no element with the class handin-chart on the page"
    # The app's first screen: at 1400 x 1000, unscrolled, the chart's panels are in view.
    fold = page.evaluate("""() => { window.scrollTo(0, 0);
        const r = document.querySelector('.handin-chart svg').getBoundingClientRect();
        return {bottom: r.bottom, height: window.innerHeight}; }""")
    assert fold["bottom"] <= fold["height"], (
        f"the chart ends {fold['bottom']:.0f} px down a {fold['height']} px window: "
        "below the fold")
    chart0 = settle(page)
    assert chart0, f"the chart kept changing for {SETTLE_TIMEOUT} s after the page rendered"
    assert chart0["status"] is not None, "no element with the class handin-status"

    # 2. The user's move: the learning-rate slider's handle, arrow keys.
    readout0, lr1, shows_new_lr = move_learning_rate(page)

    # A new run, drawn beside the earlier ones, with its first epoch.
    chart1 = wait(lambda: (lambda c: c if (c["runs"] == chart0["runs"] + 1 and c["epochs"] >= 1
                                           and shows_new_lr(c["status"])) else None)(
        page.evaluate(CHART_JS)), REDRAW_TIMEOUT)
    page.screenshot(path=artifacts / "voila-2-redrawn.png", full_page=True)
    last = page.evaluate(CHART_JS)
    assert chart1, (f"after moving the learning rate from {readout0} to {lr1} the chart did not "
                    f"draw a new run within {REDRAW_TIMEOUT} s: before {chart0}, now {last}")
    # 3. The run goes on, epoch by epoch, and the earlier runs stay drawn.
    chart2 = wait(lambda: (lambda c: c if c["epochs"] > chart1["epochs"] else None)(
        page.evaluate(CHART_JS)), PROGRESS_TIMEOUT)
    page.screenshot(path=artifacts / "voila-3-progress.png", full_page=True)
    assert chart2, (f"the new run drew no further epoch within {PROGRESS_TIMEOUT} s: "
                    f"{page.evaluate(CHART_JS)}")
    assert chart2["runs"] == chart0["runs"] + 1, (
        f"earlier runs were not kept: {chart0['runs']} run(s) drawn before, {chart2['runs']} now")
    state = page.evaluate(PAGE_JS)
    assert not state["errors"] and not state["stderr"], state


# ------------------------------------------------------------ chapter 5 as a Voilà page
EPOCHS = 10                    # the explorer's epochs after chapter 5 (the default)
RUN_TIMEOUT = 180              # s, for the explorer's run to draw all its epochs


@pytest.fixture(scope="module")
def voila_chapter5(chromium):
    pytest.importorskip("voila", reason="pip install -e '.[voila]' (in the test extra)")
    with tempfile.TemporaryDirectory(prefix="handin-voila-ch5-") as tmp:
        server = Voila(pathlib.Path(tmp), notebook=CHAPTER5, name="voila-05_explorer")
        try:
            yield server.start()
        finally:
            server.stop()


def saved_images(path):
    """How many outputs of a notebook's saved outputs hold an image."""
    import nbformat

    cells = nbformat.read(path, as_version=4).cells
    return sum(any(k.startswith("image/") for k in out.get("data", {}))
               for cell in cells for out in cell.get("outputs", ()))


def page_accessibility(page, when, artifacts):
    """axe-core's violations on the whole page and the problems of its images, as lines."""
    body, deadline = page.locator("body"), time.monotonic() + 20
    while True:                              # the pictures load asynchronously
        problems, _ = image_problems(body, saved_images(CHAPTER5))
        if not problems or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    page.screenshot(path=artifacts / f"voila-05_explorer-{when}.png", full_page=True)
    return [f"{when}: {line}" for line in problems + area_axe_violations(page, "body")]


def test_chapter_5_as_a_voila_page_is_accessible(voila_chapter5, browser, artifacts):
    """Chapter 5 served by ``python -m handin page notebooks/05_explorer.ipynb``: axe-core
    (WCAG 2.0/2.1 A and AA) finds nothing on the whole page, and every image shows its
    picture with the words of its caption as its ``alt``; once the page is there, and
    again after an explorer run (the learning-rate slider moved, the run drawn to its end)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  device_scale_factor=1)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto(voila_chapter5.url, wait_until="commit", timeout=RENDER_TIMEOUT * 1000)
        state = wait(lambda: (lambda s: s if (s["sliders"] and not s["loading"]) else None)(
            page.evaluate(PAGE_JS)), RENDER_TIMEOUT, step=1.0)
        assert state, f"Voilà did not show chapter 5 within {RENDER_TIMEOUT} s"
        chart0 = settle(page)
        assert chart0, f"the chart kept changing for {SETTLE_TIMEOUT} s after the page rendered"
        found = page_accessibility(page, "rendered", artifacts)

        _, lr1, shows_new_lr = move_learning_rate(page)
        def run_done(c):
            return c if (c["epochs"] >= EPOCHS and "done" in (c["status"] or "")
                         and shows_new_lr(c["status"])) else None
        done = wait(lambda: run_done(page.evaluate(CHART_JS)), RUN_TIMEOUT)
        assert done, (f"the run with learning rate {lr1} did not draw its {EPOCHS} epochs "
                      f"within {RUN_TIMEOUT} s: {page.evaluate(CHART_JS)}")
        found += page_accessibility(page, "after-explorer-run", artifacts)
    except BaseException:
        page.screenshot(path=artifacts / "voila-05_explorer-FAILED.png", full_page=True)
        raise
    finally:
        context.close()
    assert not found, "chapter 5 in Voilà: accessibility (axe-core; images):\n" + "\n".join(found)
