"""The explorer's own page: how soon after the request can a reader use it?

    .venv/bin/python benchmarks/explorer_page.py              # 5 loads
    .venv/bin/python benchmarks/explorer_page.py --loads 9

Starts ``python -m handin page`` (Voilà with handin's template, on the packaged
``handin/explorer/explorer.ipynb``) on 127.0.0.1 in an empty folder, as
tests/browser/test_voila.py does, and loads the page ``--loads`` times in headless
Chromium (found as the browser tests find one: HANDIN_CHROMIUM first), a new browser
context each time, so each load starts its own kernel, as a new reader's does. For each load, from the
request (``page.goto``):

* shown:       the explorer's sliders and chart are on the page (Voilà has run the page's
               one cell and rendered its widgets);
* interactive: a key press on the learning-rate slider, sent as soon as it is shown, has
               started a run whose first epoch the chart has drawn (the kernel answers).

Also counts the requests to any host other than the server's (the goal: none). The first
load also pays for Voilà's first kernel start and Python's imports from a cold disk cache;
the medians are over all loads. Prints figures with the load average; not a test.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.browser._a11y import outside_requests  # noqa: E402
from tests.browser._chromium import find_browser  # noqa: E402
from tests.browser._lab import CHROMIUM_ARGS  # noqa: E402
from tests.browser.test_voila import CHART_JS, PAGE_JS, Voila  # noqa: E402

GOAL = 5.0     # s, request -> interactive (issue #27)


def parse():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--loads", type=int, default=5, help="page loads (>= 1)")
    return ap.parse_args()


def load_average():
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def until(check, timeout, step=0.02):
    """Poll ``check()`` until true; the monotonic time it first was, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return time.monotonic()
        time.sleep(step)
    return None


def one_load(browser, url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        t0 = time.monotonic()
        page.goto(url, wait_until="commit", timeout=300_000)
        shown = until(lambda: (lambda s: s["sliders"] and not s["loading"])(
            page.evaluate(PAGE_JS)) and page.evaluate(CHART_JS) is not None, 300)
        if shown is None:
            return dict(shown=None, interactive=None, outside=outside_requests(requests))
        before = page.evaluate(CHART_JS)
        handle = page.locator(".widget-slider", has=page.locator(
            ".widget-label", has_text="learning rate")).first.locator(".noUi-handle").first
        handle.focus()
        page.keyboard.press("ArrowRight")
        interactive = until(lambda: (lambda c: c and c["runs"] > before["runs"]
                                     and c["epochs"] >= 1)(page.evaluate(CHART_JS)), 120)
        return dict(shown=shown - t0, interactive=None if interactive is None else
                    interactive - t0, outside=outside_requests(requests))
    finally:
        context.close()


def main():
    args = parse()
    from playwright.sync_api import sync_playwright

    found = find_browser()            # the browser tests' lookup (HANDIN_CHROMIUM first)
    if found is None:
        raise SystemExit("no Chrome, Chromium or Edge found (apt-get install chromium, "
                         "or set HANDIN_CHROMIUM)")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{load_average()} (before)")
    with tempfile.TemporaryDirectory(prefix="handin-page-") as tmp:
        server = Voila(pathlib.Path(tmp))
        t0 = time.monotonic()
        server.start()
        print(f"python -m handin page listening after {time.monotonic() - t0:.1f} s")
        rows = []
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(headless=True, args=CHROMIUM_ARGS,
                                            **found.launch_kwargs())
                for i in range(max(1, args.loads)):
                    r = one_load(browser, server.url)
                    rows.append(r)
                    fmt = (lambda x: "  none" if x is None else f"{x:5.2f} s")
                    print(f"  load {i + 1}: shown {fmt(r['shown'])}, interactive "
                          f"{fmt(r['interactive'])}, requests elsewhere {len(r['outside'])}"
                          + (f" {r['outside'][:3]}" if r["outside"] else ""))
                browser.close()
        finally:
            server.stop()
    for key in ("shown", "interactive"):
        seen = [r[key] for r in rows if r[key] is not None]
        if seen:
            print(f"median {key}: {statistics.median(seen):.2f} s over {len(seen)} loads "
                  f"(min {min(seen):.2f}, max {max(seen):.2f})"
                  + (f"  [goal <= {GOAL:g} s]" if key == "interactive" else ""))
    print(f"requests to other hosts: {sum(len(r['outside']) for r in rows)}")
    print(f"load average {load_average()} (after): other processes slow every figure")


if __name__ == "__main__":
    main()
