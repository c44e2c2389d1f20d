"""The coursebook as a user sees it: every chapter run in JupyterLab in headless Chromium.

nbval executes the notebooks without a front end, so it cannot see the failures users
meet most: "Error displaying widget", a widget model not found, a figure that never
redraws. These tests open JupyterLab (see conftest.py: a private server on 127.0.0.1 over
a copy of notebooks/) in Chromium, driven by Playwright, and

1. ``test_chapter_runs_in_jupyterlab[NN_name.ipynb]``, for the chapters whose stored
   outputs show a widget (the explorer and the pad apart: tests 2 and 3) and for chapter 1,
   the plain chapter that stands for the rest (nbval executes every chapter; what only a
   front end can get wrong is widgets, Markdown and figures on the page): open it, Run > Run All Cells (the menu), wait until no cell runs and the kernel is
   idle, then read the page: no error output (stderr with a traceback or an exception),
   no traceback shown anywhere (widgets included), no "Error displaying widget", no
   "model not found", no widget stuck at "Loading widget...", no widget shown as its text
   repr (front end missing), no widget error in the browser console, every code cell ran;
2. ``test_explorer_redraws_when_the_learning_rate_slider_moves``: the same for
   notebooks/05_explorer.ipynb; then, once the explorer is still, press the arrow keys on
   the learning-rate slider's handle (the keyboard, as a user; no code) and check, through
   the chart's DOM contract (root ``.handin-chart`` with ``data-runs``/``data-epochs``,
   status ``.handin-status``; see handin/explorer/chart.py), that the readout moved, that
   the chart was redrawn with the new run's first epoch while the status line names the
   new learning rate, that the earlier runs stay drawn (one more run than before), and
   that the run goes on to its end (all epochs drawn, status "done");
   the page is checked again for errors at the end;
3. accessibility, for chapters 1, 5 and 6 (A11Y_CHAPTERS): once the chapter is open (its
   saved outputs), after Run All and, for chapter 5, after the explorer's run, axe-core
   (WCAG 2.0/2.1 A and AA) finds no violation in the notebook's cells (JupyterLab's own
   parts left out: LAB_CHROME, each with the rule it fails), and every <img> shows its
   picture and has as ``alt`` the words of its ``Figure:`` caption (handin.plots.show);
4. screenshots of each step go to artifacts/browser/ (NN_name.png, NN_name-widget.png,
   05_explorer-1..6-*.png, *-FAILED.png on failure), with each test's browser console
   log and the server's log (token redacted).

The explorer test fails if moving the slider does not lead to a new run and a redraw:
shown by pointing HANDIN_BROWSER_NOTEBOOKS at a copy of notebooks/ whose explorer chapter
ends with a cell that disconnects the slider's observer
(``ex.controls["lr"].unobserve(ex._on_change, names="value")``).
"""

from __future__ import annotations

import math
import re
import time

import pytest

from ._a11y import area_axe_violations, axe_violations, image_problems

from .conftest import NOTEBOOKS

EXPLORER = "05_explorer.ipynb"
DRAW = "06_draw_a_digit.ipynb"
CHAPTERS = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def shows_widgets(name):
    """Whether the chapter's stored outputs hold a widget view (ipywidgets, anywidget)."""
    text = (NOTEBOOKS / name).read_text(encoding="utf-8")
    return "application/vnd.jupyter.widget-view+json" in text


# Run All in the browser: chapter 1 and every chapter that shows a widget (chapters 5 and
# 6 have tests of their own below). The other chapters' cells are executed by nbval.
RUN_IN_BROWSER = [c for c in CHAPTERS if c not in (EXPLORER, DRAW) and
                  (c == CHAPTERS[0] or shows_widgets(c))]

# Accessibility (issue 28): axe-core on the whole notebook, and every image with its words,
# for these chapters before Run All, after it and (chapter 5) after an explorer run.
A11Y_CHAPTERS = ("01_softmax_cross_entropy.ipynb", EXPLORER, DRAW)
# axe-core runs on every cell of the notebook (".jp-Notebook .jp-Cell": its markdown, code
# and outputs), not on the notebook's own cell list: JupyterLab gives that list
# (.jp-WindowedPanel-viewport) role="feed" without role="article" cells, which axe-core
# reports (aria-required-children); it is JupyterLab's, not the project's.
# JupyterLab's own parts inside a cell, not the project's, left out of axe-core:
# * ".jp-InputArea-editor .cm-content": CodeMirror's editable code area, which JupyterLab
#   does not label (aria-input-field-name);
# * ".jp-collapseHeadingButton": the button JupyterLab puts beside a markdown heading to
#   collapse its section, without a name (button-name).
LAB_CHROME = (".jp-InputArea-editor .cm-content", ".jp-collapseHeadingButton")
IMAGE_LOAD_TIMEOUT = 20        # s, for the outputs' pictures to load
KERNEL_START_TIMEOUT = 90      # s, from opening a notebook to an idle kernel
DEFAULT_READOUTS = {"learning rate": "0.1", "hidden units": "256", "weight decay c": "1e-4",
                    "epochs": "10", "batch size": "32", "training rows": "all (3400)"}
RUN_ALL_TIMEOUT = 150          # s, for one chapter's Run All Cells
WIDGET_RENDER_TIMEOUT = 20     # s, for widget views to appear once the kernel is idle
QUIET_SECONDS = 3.0            # the explorer counts as settled after this long unchanged
SETTLE_TIMEOUT = 90            # s, for the explorer to be still after Run All
REDRAW_TIMEOUT = 60            # s, for the redraw and status after a slider change
PROGRESS_TIMEOUT = 90          # s, for the new run to end ("done")
KEY_PRESSES = 5                # log-slider steps of 0.1: the learning rate x or / 10**0.5
MAX_RUNS_DRAWN = 7             # the chart keeps the current run and 6 earlier ones
EPOCHS = 10                    # the explorer's epochs after chapter 5 (the default)

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
LR_IN_STATUS = re.compile(rf"\b(?:lr|learning[ _]rate)\s*[=:]?\s*({NUMBER})", re.I)

# Everything wrong that a page can show, per cell, read from the DOM.
PROBLEMS_JS = r"""
(panel) => {
  const problems = [];
  const widgetRepr = /^(VBox|HBox|Box|GridBox|Tab|Accordion|Image|HTML|HTMLMath|Label|Output|Button|Dropdown|\w*Slider|\w*Text|Checkbox|Play)\(/;
  const cells = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')];
  cells.forEach((cell, i) => {
    for (const out of cell.querySelectorAll('.jp-OutputArea-output')) {
      const mime = out.getAttribute('data-mime-type') || '';
      const all = out.textContent || '';
      const snippet = (all.trim() || out.innerHTML).slice(0, 600);
      const add = (kind) => problems.push({cell: i + 1, kind, text: snippet});
      if (mime === 'application/vnd.jupyter.stderr' &&
          /Traceback|^\s*\w*(Error|Exception|Interrupt)\b/m.test(all)) add('error output');
      else if (/Traceback \(most recent call last\)/.test(all)) add('traceback shown');
      if (/Error displaying widget/i.test(all)) add('Error displaying widget');
      if (/model not found/i.test(all)) add('widget model not found');
      if (mime === 'text/plain' && widgetRepr.test(all.trim()))
        add('widget shown as text (no widget front end / no model)');
      // A widget view whose model never arrives keeps this text (the output element
      // of a widget carries no data-mime-type).
      if (/^Loading widget\.\.\./.test(all.trim())) add('widget never loaded');
    }
  });
  return problems;
}
"""

# The explorer chart's DOM contract (handin/explorer/chart.py): root .handin-chart with
# data-runs / data-epochs, status line .handin-status; plus a hash of the drawn SVG.
CHART_JS = r"""
(root) => {
  const svg = root.querySelector('svg');
  const text = svg ? svg.innerHTML : '';
  let h = 2166136261 >>> 0;
  for (let i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 16777619) >>> 0; }
  const status = root.querySelector('.handin-status');
  return {runs: Number(root.getAttribute('data-runs')),
          epochs: Number(root.getAttribute('data-epochs')),
          outcome: root.getAttribute('data-outcome') || '',
          status: status ? status.textContent : null,
          svg: svg && svg.childElementCount ? h.toString(16) : null};
}
"""

BUSY_JS = r"""
(panel) => {
  const all = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')];
  const cells = all.filter(c => c.classList.contains('jp-CodeCell'));
  const prompt = (c) => (c.querySelector('.jp-InputPrompt') || {}).textContent || '';
  const source = (c) => (c.querySelector('.jp-InputArea-editor') || {}).textContent || '';
  const ind = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  return {
    running: cells.filter(c => prompt(c).includes('*')).length,
    executed: cells.filter(c => /\[\d+\]/.test(prompt(c))).length,
    not_run: cells.filter(c => source(c).trim() && !/\[\d+\]/.test(prompt(c)))
                  .map(c => all.indexOf(c) + 1),
    status: ind ? ind.getAttribute('data-status') : null,
  };
}
"""


# --------------------------------------------------------------------------- helpers
def open_notebook(page, lab, name):
    """Open notebooks/<name> (fresh workspace) and wait until its kernel is up: the server
    has its session with an idle kernel and the page shows the kernel idle. (The page's
    indicator alone says "idle" for a moment before the kernel even starts.)"""
    page.goto(f"{lab.base_url}/lab/tree/notebooks/{name}?reset")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)", has=page.locator(
        ".jp-Notebook")).first
    deadline = time.monotonic() + KERNEL_START_TIMEOUT
    while True:
        sessions = [s for s in lab.api("GET", "/api/sessions")
                    if s["path"] == f"notebooks/{name}" and s.get("kernel")]
        server_idle = any(s["kernel"]["execution_state"] == "idle" for s in sessions)
        page_idle = (panel.count() == 1 and
                     panel.evaluate(BUSY_JS)["status"] == "idle")
        if server_idle and page_idle:
            return panel
        if time.monotonic() > deadline:
            pytest.fail(f"{name}: the kernel was not ready within {KERNEL_START_TIMEOUT} s "
                        f"(server sessions: {len(sessions)}, page idle: {page_idle})")
        time.sleep(0.25)


def run_all_cells(page, panel, name):
    """Run > Run All Cells, through the menu; wait until no cell runs and the kernel is
    idle (twice, a second apart: the kernel is briefly idle between two cells)."""
    page.locator("#jp-MainMenu .lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator("#jp-mainmenu-run li.lm-Menu-item", has=page.locator(
        ".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))).click()
    t0 = time.monotonic()
    deadline = t0 + RUN_ALL_TIMEOUT
    quiet_since = None
    while True:
        state = panel.evaluate(BUSY_JS)
        if state["status"] == "dead":
            pytest.fail(f"{name}: the kernel died during Run All Cells ({state})")
        if state["running"] == 0 and state["executed"] > 0 and state["status"] == "idle":
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 1.0:
                return state
        else:
            quiet_since = None
        if time.monotonic() > deadline:
            pytest.fail(f"{name}: Run All Cells did not finish within {RUN_ALL_TIMEOUT} s "
                        f"({state['running']} cell(s) running, {state['executed']} ran, "
                        f"kernel {state['status']})")
        time.sleep(0.25)


def page_problems(page, panel):
    """The page's problems once widgets had their chance to render."""
    deadline = time.monotonic() + WIDGET_RENDER_TIMEOUT
    while True:
        problems = panel.evaluate(PROBLEMS_JS)
        pending = [p for p in problems if p["kind"] == "widget never loaded"]
        if len(pending) < len(problems) or not pending or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    for line in page.console_messages_seen:
        if line.startswith("[pageerror]") or (
                line.startswith("[error]") and re.search(r"widget|model", line, re.I)):
            problems.append({"cell": None, "kind": "browser console", "text": line[:600]})
    return problems


def format_problems(name, problems):
    return f"{name} shows {len(problems)} problem(s) in JupyterLab:\n" + "\n".join(
        f"  - cell {p['cell']}: {p['kind']}: {p['text']!r}" for p in problems)


def saved_images(name):
    """How many outputs of the chapter's saved outputs hold an image."""
    import nbformat

    cells = nbformat.read(NOTEBOOKS / name, as_version=4).cells
    return sum(any(k.startswith("image/") for k in out.get("data", {}))
               for cell in cells for out in cell.get("outputs", ()))


def accessibility_problems(page, panel, name, when, artifacts):
    """axe-core's violations in the notebook (minus LAB_CHROME) and the problems of its
    images (see _a11y.image_problems), as lines; a screenshot of the notebook."""
    notebook = panel.locator(".jp-Notebook").first
    deadline = time.monotonic() + IMAGE_LOAD_TIMEOUT
    while True:                              # the outputs' pictures load asynchronously
        problems, images = image_problems(notebook, saved_images(name))
        if not problems or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    page.screenshot(path=artifacts / f"{name[:-6]}-a11y-{when}.png", full_page=True)
    notebook.evaluate("n => n.setAttribute('data-handin-a11y', '')")
    violations = area_axe_violations(page, "[data-handin-a11y] .jp-Cell", LAB_CHROME)
    return [f"{name} {when}: {line}" for line in problems + violations]


def run_chapter(page, lab, artifacts, name, before=None):
    """Open a chapter, run all its cells, check the page; screenshot (also on failure).
    ``before(panel)``, if given, is called once the chapter is open, before Run All."""
    shot = artifacts / f"{name[:-6]}.png"
    try:
        panel = open_notebook(page, lab, name)
        if before is not None:
            before(panel)
        state = run_all_cells(page, panel, name)
        problems = page_problems(page, panel)
        page.screenshot(path=shot)
        widgets = panel.locator(".jp-OutputArea-output", has=page.locator(".jupyter-widgets"))
        if widgets.count():                   # the chapter's first widget, as rendered
            widgets.first.scroll_into_view_if_needed()
            page.screenshot(path=shot.with_name(shot.stem + "-widget.png"))
    except BaseException:
        page.screenshot(path=shot.with_name(shot.stem + "-FAILED.png"))
        raise
    assert not problems, format_problems(name, problems)
    assert not state["not_run"], (
        f"{name}: code cell(s) {state['not_run']} did not run after Run All Cells")
    return panel


def number(text):
    return float(text.strip().replace("\u2212", "-"))


# ----------------------------------------------------------------------------- tests
def run_chapter_checked(page, lab, artifacts, name):
    """Run All of chapter ``name``, its accessibility checked before and after; its panel."""
    found = []
    panel = run_chapter(page, lab, artifacts, name, before=lambda panel: found.extend(
        accessibility_problems(page, panel, name, "before-run", artifacts)))
    found += accessibility_problems(page, panel, name, "after-run", artifacts)
    assert not found, "accessibility (axe-core, WCAG 2.0/2.1 A and AA; images):\n" + \
        "\n".join(found)
    return panel


@pytest.mark.parametrize("name", RUN_IN_BROWSER or
                         [pytest.param(None, marks=pytest.mark.skip("no chapters"))])
def test_chapter_runs_in_jupyterlab(page, lab, artifacts, name):
    if name not in A11Y_CHAPTERS:
        run_chapter(page, lab, artifacts, name)
        return
    run_chapter_checked(page, lab, artifacts, name)


class ExplorerOnPage:
    """The explorer's widget on the page: its learning-rate slider and its live chart."""

    def __init__(self, page, panel):
        label = page.locator(".widget-label", has_text=re.compile(r"learning rate", re.I))
        outputs = panel.locator(".jp-OutputArea-output", has=page.locator(
            ".widget-slider", has=label)).filter(has=page.locator(".handin-chart"))
        assert outputs.count() >= 1, (
            "explorer chapter: no output holds a 'learning rate' slider and a .handin-chart")
        self.root = outputs.first
        self.slider = self.root.locator(".widget-slider", has=label).first
        self.handle = self.slider.locator(".noUi-handle").first
        self.readout = self.slider.locator(".widget-readout").first
        self.chart = self.root.locator(".handin-chart").first

    def state(self):
        """{runs, epochs, outcome, status, svg}: the chart as drawn (svg: a hash)."""
        return self.chart.evaluate(CHART_JS)

    def wait_for(self, condition, timeout):
        """Poll the state until condition(state) holds; the last state."""
        deadline = time.monotonic() + timeout
        state = self.state()
        while not (state["svg"] is not None and condition(state)):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
            state = self.state()
        return state

    def settle(self, quiet=QUIET_SECONDS, timeout=SETTLE_TIMEOUT):
        """Wait until the chart stays unchanged for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        last, since = self.state(), time.monotonic()
        while time.monotonic() - since < quiet:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.5)
            now = self.state()
            if now != last or now["svg"] is None:
                last, since = now, time.monotonic()
        return True


def test_explorer_redraws_when_the_learning_rate_slider_moves(page, lab, artifacts):
    assert EXPLORER in CHAPTERS, f"{EXPLORER} not found in {NOTEBOOKS}"
    stem = EXPLORER[:-6]
    found = []
    panel = run_chapter(page, lab, artifacts, EXPLORER, before=lambda panel: found.extend(
        accessibility_problems(page, panel, EXPLORER, "before-run", artifacts)))
    found += accessibility_problems(page, panel, EXPLORER, "after-run", artifacts)
    page.screenshot(path=artifacts / f"{stem}-1-run-all.png")

    ex = ExplorerOnPage(page, panel)
    ex.root.evaluate("e => e.scrollIntoView({block: 'center'})")
    assert ex.settle(), f"the explorer kept changing for {SETTLE_TIMEOUT} s after Run All"
    before = ex.state()
    assert before["svg"], "the explorer's chart (.handin-chart) drew nothing"
    # After Run All the explorer is as the student meets it: the exercise's values, an
    # empty chart (the lessons ran on an explorer of their own).
    assert before["runs"] == 0 and before["epochs"] == 0, before
    readouts = ex.root.evaluate("""r => Object.fromEntries([...r.querySelectorAll('.widget-slider')]
        .map(s => [s.querySelector('.widget-label').textContent.trim(),
                   s.querySelector('.widget-readout').textContent.trim()]))""")
    assert readouts == DEFAULT_READOUTS, readouts
    readout0 = ex.readout.inner_text()
    ex.root.screenshot(path=artifacts / f"{stem}-2-before-slider.png")

    # The user's move: focus the handle, press the arrow keys (towards the middle).
    lo, hi, now = (float(ex.handle.get_attribute(a))
                   for a in ("aria-valuemin", "aria-valuemax", "aria-valuenow"))
    key = "ArrowRight" if now <= (lo + hi) / 2 else "ArrowLeft"
    ex.handle.focus()
    for _ in range(KEY_PRESSES):
        page.keyboard.press(key)
        time.sleep(0.05)
    page.screenshot(path=artifacts / f"{stem}-3-slider-moved.png")

    deadline = time.monotonic() + 5
    while ex.readout.inner_text() == readout0 and time.monotonic() < deadline:
        time.sleep(0.1)
    readout1 = ex.readout.inner_text()
    assert readout1 != readout0, (
        f"pressing {key} x{KEY_PRESSES} on the learning-rate handle did not move the slider "
        f"(readout stays {readout0!r})")
    lr0, lr1 = number(readout0), number(readout1)
    assert (lr1 > lr0) == (key == "ArrowRight"), (readout0, key, readout1)

    def shows_new_lr(status):
        return any(math.isclose(float(v), lr1, rel_tol=0.06)
                   for v in LR_IN_STATUS.findall(status or ""))

    # A: a run with the new value starts and the chart is redrawn with its first epoch,
    # while the earlier runs stay (the run shown before is now one of them).
    runs1 = min(before["runs"] + 1, MAX_RUNS_DRAWN)
    first = ex.wait_for(lambda st: st["epochs"] >= 1 and shows_new_lr(st["status"])
                        and st["svg"] != before["svg"], REDRAW_TIMEOUT)
    page.screenshot(path=artifacts / f"{stem}-4-redrawn.png")
    assert first["svg"] != before["svg"] and first["epochs"] >= 1, (
        f"the chart was not redrawn with a first epoch within {REDRAW_TIMEOUT} s after the "
        f"learning rate moved from {readout0} to {readout1}: {first}")
    assert shows_new_lr(first["status"]), (
        f"the status line does not show the new learning rate {readout1}: {first['status']!r}")
    assert first["runs"] == runs1, (
        f"earlier runs did not stay: {before['runs']} run(s) drawn before the change, "
        f"{first['runs']} after (expected {runs1})")

    # B: the run goes on and ends: more epochs drawn in place, then "done" in the status.
    done = ex.wait_for(lambda st: st["outcome"] == "done" and "done" in st["status"]
                       and shows_new_lr(st["status"]), PROGRESS_TIMEOUT)
    page.screenshot(path=artifacts / f"{stem}-5-done.png")
    assert done["outcome"] == "done" and done["epochs"] == EPOCHS, (
        f"the run with learning rate {readout1} did not reach its end ({EPOCHS} epochs drawn, "
        f"status done) within {PROGRESS_TIMEOUT} s: first {first}, last {done}")
    assert done["runs"] == runs1, done

    ex.root.evaluate("e => e.scrollIntoView({block: 'center'})")
    ex.root.screenshot(path=artifacts / f"{stem}-6-widget-after-run.png")
    problems = page_problems(page, panel)
    assert not problems, format_problems(EXPLORER + " after the slider change", problems)
    violations = axe_violations(page)
    assert not violations, "axe-core: the explorer has accessibility violations:\n" + \
        "\n".join(violations)
    found += accessibility_problems(page, panel, EXPLORER, "after-explorer-run", artifacts)
    assert not found, "accessibility (axe-core, WCAG 2.0/2.1 A and AA; images):\n" + \
        "\n".join(found)


def test_drawing_a_one_with_the_mouse_predicts_a_one(page, lab, artifacts):
    """Chapter 6: clear the pad, draw a vertical stroke with the real mouse, read the prediction;
    the chapter's accessibility before and after Run All."""
    panel = run_chapter_checked(page, lab, artifacts, DRAW)
    pad = panel.locator(".jp-OutputArea-output", has=page.locator(
        ".jupyter-widgets button", has_text="Clear")).first
    clear = pad.locator("button", has_text="Clear").first
    status = pad.locator(".widget-html-content")
    clear.scroll_into_view_if_needed()
    clear.click()
    deadline = time.monotonic() + 20
    while "draw a digit" not in " ".join(status.all_inner_texts()):
        assert time.monotonic() < deadline, (
            f"Clear did not reset the pad: {status.all_inner_texts()!r}")
        time.sleep(0.2)
    canvases = [c for c in pad.locator("canvas").all()
                if (c.bounding_box() or {}).get("width", 0) >= 200]
    assert canvases, "no drawing canvas (>= 200 px wide) in the draw-a-digit widget"
    box = canvases[0].bounding_box()
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + 0.2 * box["height"])
    page.mouse.down()
    for k in range(1, 21):                    # top to bottom, in 20 mouse moves
        page.mouse.move(x, box["y"] + (0.2 + 0.6 * k / 20) * box["height"])
        time.sleep(0.02)
    page.mouse.up()
    deadline = time.monotonic() + 30
    text = ""
    while "prediction: 1" not in text:
        if time.monotonic() > deadline:
            page.screenshot(path=artifacts / "06_draw_a_digit-draw-FAILED.png")
            pytest.fail(f"after drawing a vertical stroke the pad says {text!r}, "
                        "not 'prediction: 1'")
        time.sleep(0.2)
        text = " ".join(status.all_inner_texts())
    pad.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "06_draw_a_digit-drawn-1.png")
