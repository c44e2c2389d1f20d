"""The explorer as a student meets it: click the learning-rate slider in JupyterLab, time the chart.

    .venv/bin/python benchmarks/explorer_browser.py                 # 6 clicks
    .venv/bin/python benchmarks/explorer_browser.py --clicks 10 --screenshot /tmp/ex.png

Starts a private JupyterLab (tests/browser/_lab.py: 127.0.0.1, random token, a temporary
copy of notebooks/05_explorer.ipynb), opens it in headless Chromium (Debian's
/usr/bin/chromium, or HANDIN_CHROMIUM; driven by Playwright, nothing downloaded), runs all
its cells, then clicks the learning-rate slider's track, alternately at two places (by
default lr 0.025 and 0.4, away from the handle at 0.1: a click on the handle moves
nothing), and
measures in the page (performance.now(), the click's own event time as zero):

* first epoch: click -> the chart's root has drawn the new run's first epoch
  (``.handin-chart`` with ``data-epochs`` >= 1 after it went to 0 for the new run);
* run done:    click -> the status line (``.handin-status``) says "done" for the new run
  and all its epochs are drawn.

For each click an in-page watcher is started first (a MutationObserver; its Promise is
kept in an object, so that Playwright's evaluate_handle returns at once), then the mouse
clicks, then the Promise is collected. Prints every click and the medians, with the load
average: other processes on the machine slow every figure. Not a test.

Then, to tell where the time went: the kernel's own account of each run (a second client
on the chapter's kernel: the run's wall time, the part inside its chunks of training and
the chunks on two BLAS threads), the CPU time each process (and each of the kernel's
threads) spent during the clicks and during 5 s with no click before them, and the page's
main-thread time (Chrome DevTools' Performance metrics). And the machine's speed at the
start and at the end: the step's product (32 x 655) @ (655 x 256) in float32 on one thread
in this process, alone (a virtual machine's speed moves by half within minutes here: the
same code drew runs in 0.36 s and in 0.87 s within an hour).

    --kernel-code 'for ex in app._LIVE: ex.min_interval = 0.2'    # a variant, run in the
                                                                  # kernel before the clicks
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.browser._lab import CHROMIUM_ARGS, running_lab  # noqa: E402

CHAPTER = "05_explorer.ipynb"

# Start watching the chart; return {done: Promise} (not the Promise itself: see above).
WATCH_JS = r"""
(root, timeout) => {
  const status = root.querySelector('.handin-status');
  const out = {t0: null, started: null, first: null, done: null, status: null};
  const onDown = (e) => { if (out.t0 === null) out.t0 = e.timeStamp; };
  document.addEventListener('mousedown', onDown, true);
  let resolve;
  const done = new Promise((r) => { resolve = r; });
  const trail = [];
  const check = () => {
    if (out.t0 === null) return;
    const now = performance.now();
    const epochs = Number(root.getAttribute('data-epochs'));
    const outcome = root.getAttribute('data-outcome');
    if (trail.length < 40) trail.push(`${Math.round(now - out.t0)}:${outcome}/${epochs}`);
    if (out.started === null && outcome === 'running' && epochs === 0) out.started = now;
    if (out.started !== null && out.first === null && epochs >= 1) out.first = now;
    if (out.first !== null && outcome === 'done' && /done/.test(status.textContent)) {
      out.done = now; out.status = status.textContent; finish();
    }
  };
  const obs = new MutationObserver(check);
  obs.observe(root, {attributes: true, subtree: true, childList: true, characterData: true});
  const timer = setTimeout(() => finish(), timeout);
  function finish() {
    obs.disconnect(); clearTimeout(timer);
    document.removeEventListener('mousedown', onDown, true);
    const rel = (t) => (t === null || out.t0 === null) ? null : t - out.t0;
    resolve({first_ms: rel(out.first), done_ms: rel(out.done), status: out.status,
             clicked: out.t0 !== null, trail: trail.join(' ')});
  }
  return {done};
}
"""

BUSY_JS = r"""
() => {
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  const prompt = (c) => (c.querySelector('.jp-InputPrompt') || {}).textContent || '';
  const ind = document.querySelector('.jp-Notebook-ExecutionIndicator');
  return {running: cells.filter(c => prompt(c).includes('*')).length,
          executed: cells.filter(c => /\[\d+\]/.test(prompt(c))).length,
          status: ind ? ind.getAttribute('data-status') : null};
}
"""


def parse():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clicks", type=int, default=6, help="clicks to time (default 6)")
    ap.add_argument("--places", type=float, nargs=2, default=(0.35, 0.65),
                    help="where on the track to click, alternately (fractions of its width)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per click")
    ap.add_argument("--kernel-code", default=None,
                    help="Python run in the chapter's kernel before the clicks (a variant, e.g. "
                         "'for ex in app._LIVE: ex.min_interval = 0.2'; app = handin.explorer.app)")
    ap.add_argument("--screenshot", type=pathlib.Path, help="save the widget after the clicks")
    return ap.parse_args()


def load():
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def wait(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


def run_all(page, lab):
    page.goto(f"{lab.base_url}/lab/tree/notebooks/{CHAPTER}?reset")
    wait(lambda: any(s["path"].endswith(CHAPTER) and s.get("kernel") and
                     s["kernel"]["execution_state"] == "idle"
                     for s in lab.api("GET", "/api/sessions")), 120, "the kernel")
    page.locator("#jp-MainMenu .lm-MenuBar-item", has_text="Run").first.click()
    page.locator("#jp-mainmenu-run li.lm-Menu-item", has=page.locator(
        ".lm-Menu-itemLabel", has_text="Run All Cells")).first.click()
    quiet = []

    def finished():
        s = page.evaluate(BUSY_JS)
        quiet.append(s["running"] == 0 and s["executed"] > 0 and s["status"] == "idle")
        return quiet[-3:] == [True] * 3
    wait(finished, 300, "Run All Cells")


RUNS_CODE = r"""
import json as _json
from handin.explorer import app as _app
_runs = [r for ex in _app._LIVE for r in ex.controller.records][-%d:]
print(_json.dumps([dict(seconds=r.seconds, chunks=len(r.chunks), in_chunks=sum(r.chunks),
                        two=sum(t == 2 for t in r.threads)) for r in _runs]))
"""


PAGE_METRICS = (("tasks", "TaskDuration"), ("script", "ScriptDuration"),
                ("layout", "LayoutDuration"), ("style", "RecalcStyleDuration"))


def page_metrics(cdp):
    """The page's main-thread seconds so far, by kind (Chrome DevTools' Performance domain)."""
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def cpu_by_process():
    """CPU seconds (user + system) of every process on the machine, by pid and name."""
    import psutil

    out = {}
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            t = proc.cpu_times()
            cmd = " ".join(proc.info["cmdline"] or [])
            name = ("kernel" if "ipykernel" in cmd else "jupyterlab" if "jupyterlab" in cmd
                    else "chromium" if "chrom" in (proc.info["name"] or "") else
                    "benchmark" if proc.pid == os.getpid() else "other")
            out[proc.pid] = (name, t.user + t.system)
            if name == "kernel":          # and each of its threads (ids: see print_cpu)
                for th in proc.threads():
                    out[f"{proc.pid}/{th.id}"] = (f"kernel thread {th.id - proc.pid}",
                                                 th.user_time + th.system_time)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return out


THREADS_CODE = r"""
import json as _json, threading as _threading
print(_json.dumps({t.native_id: t.name for t in _threading.enumerate()}))
"""


def product_speed():
    """Median microseconds of the step's product (32 x 655) @ (655 x 256), float32, on one
    BLAS thread in this process: how fast the machine is right now."""
    import numpy as np

    from handin import threads

    rng = np.random.default_rng(0)
    X = rng.random((32, 655), dtype=np.float32)
    V = rng.random((655, 256), dtype=np.float32)
    out = np.empty((32, 256), np.float32)
    times = []
    with threads.limit(1):
        for _ in range(7):
            t = time.perf_counter()
            for _ in range(200):
                np.matmul(X, V, out=out)
            times.append((time.perf_counter() - t) / 200)
    return f"the product alone {1e6 * statistics.median(times):.0f} us"


def print_cpu(before, after, wall, names, what="the clicks"):
    """Where the machine's CPU went during the clicks, by kind of process, and in the kernel
    by thread: Python's name for it (``names``: native id -> name) or "native" and its id
    less the process's (OpenBLAS's second thread, ZeroMQ's)."""
    spent, threads = {}, []
    for pid, (name, t) in after.items():
        if name.startswith("kernel thread"):
            if t - before.get(pid, (name, 0.0))[1] >= 0.05:
                tid = pid.split("/")[1]
                threads.append(f"{names.get(tid, 'native ' + name.split()[2])} "
                               f"{t - before.get(pid, (name, 0.0))[1]:.1f} s")
            continue
        spent[name] = spent.get(name, 0.0) + t - before.get(pid, (name, 0.0))[1]
    print(f"CPU during {what} ({wall:.1f} s of wall time, {os.cpu_count()} cores): " +
          ", ".join(f"{name} {t:.1f} s" for name, t in sorted(spent.items(), key=lambda x: -x[1]))
          + f" (the kernel's threads: {', '.join(threads)})")


def in_kernel(lab, code):
    """Run ``code`` in the chapter's kernel (a second client on its connection file); return
    what it printed."""
    from jupyter_client import BlockingKernelClient

    files = sorted((lab.tmp / "runtime").glob("kernel-*.json"))
    if len(files) != 1:
        raise SystemExit(f"{len(files)} kernels running, expected the chapter's one")
    kc = BlockingKernelClient(connection_file=str(files[0]))
    kc.load_connection_file()
    kc.start_channels()
    text = []

    def hook(msg):
        if msg["msg_type"] == "stream":
            text.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            text.append("\n".join(msg["content"]["traceback"]))
    try:
        kc.wait_for_ready(timeout=30)
        reply = kc.execute_interactive(code, timeout=30, output_hook=hook)
    finally:
        kc.stop_channels()
    if reply["content"]["status"] != "ok":
        raise SystemExit("the kernel code failed:\n" + "".join(text))
    return "".join(text)


def kernel_side(lab, clicks):
    """Ask the chapter's kernel how its last runs went: the run's wall time, the time inside
    the chunks of training, the time between them (the event loop's turns, messages, waiting
    for a core) and the chunks on 2 threads."""

    runs = json.loads(in_kernel(lab, RUNS_CODE % clicks))
    for k, r in enumerate(runs, 1):
        between = r["seconds"] - r["in_chunks"]
        print(f"  run {k}: kernel wall {1e3 * r['seconds']:4.0f} ms = in chunks "
              f"{1e3 * r['in_chunks']:4.0f} ms + between {1e3 * between:4.0f} ms; "
              f"{r['chunks']} chunks, {r['two']} on 2 threads")
    med = statistics.median
    print(f"kernel side, medians: wall {1e3 * med(r['seconds'] for r in runs):.0f} ms, in chunks "
          f"{1e3 * med(r['in_chunks'] for r in runs):.0f} ms, between "
          f"{1e3 * med(r['seconds'] - r['in_chunks'] for r in runs):.0f} ms")


def main():
    args = parse()
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("HANDIN_CHROMIUM") or "/usr/bin/chromium"
    if not shutil.which(chromium):
        raise SystemExit(f"no Chromium at {chromium} (apt-get install chromium, "
                         "or set HANDIN_CHROMIUM)")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {load()}, "
          f"{product_speed()} (before)")
    with tempfile.TemporaryDirectory(prefix="handin-bench-") as tmp:
        notebooks = pathlib.Path(tmp) / "notebooks"
        notebooks.mkdir()
        shutil.copy(REPO / "notebooks" / CHAPTER, notebooks / CHAPTER)
        with running_lab(notebooks) as lab, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True,
                                        args=CHROMIUM_ARGS)
            context = browser.new_context(
                viewport={"width": 1400, "height": 1000},
                extra_http_headers={"Authorization": f"token {lab.token}"})
            context.set_default_timeout(60_000)
            page = context.new_page()
            t0 = time.monotonic()
            run_all(page, lab)
            print(f"chapter 5 ran in JupyterLab ({time.monotonic() - t0:.0f} s with the "
                  "kernel start)")
            out = page.locator(".jp-OutputArea-output", has=page.locator(".handin-chart")).first
            chart = out.locator(".handin-chart").first
            track = out.locator(".widget-slider", has=page.locator(
                ".widget-label", has_text="learning rate")).locator(".noUi-target").first
            out.evaluate("e => e.scrollIntoView({block: 'center'})")
            # settled: no run (the chapter leaves the explorer empty) or the last one done
            wait(lambda: chart.get_attribute("data-outcome") in ("", "done"), 120,
                 "a settled chart")
            names = json.loads(in_kernel(lab, THREADS_CODE))
            if args.kernel_code:
                printed = in_kernel(lab, "from handin.explorer import app\n" + args.kernel_code)
                if printed.strip():
                    print("kernel code printed:", printed.strip())
            cdp = context.new_cdp_session(page)
            cdp.send("Performance.enable")
            idle0, t = cpu_by_process(), time.monotonic()
            time.sleep(5)
            print_cpu(idle0, cpu_by_process(), time.monotonic() - t, names, "5 s with no click")
            rows, page0 = [], page_metrics(cdp)
            cpu0, wall0 = cpu_by_process(), time.monotonic()
            for k in range(args.clicks):
                box = track.bounding_box()
                x = box["x"] + box["width"] * args.places[k % 2]
                y = box["y"] + box["height"] / 2
                watcher = chart.evaluate_handle(WATCH_JS, 1000 * args.timeout)
                page.mouse.click(x, y)
                res = watcher.evaluate("w => w.done")
                rows.append(res)
                first, done = res["first_ms"], res["done_ms"]
                print(f"  click {k + 1}: first epoch drawn "
                      f"{'-' if first is None else f'{first:6.0f} ms'}, run done "
                      f"{'-' if done is None else f'{done:6.0f} ms'}   "
                      f"[{res['status'] or 'not done: ' + repr(res)}]", flush=True)
                time.sleep(0.5)
            cpu1, wall1 = cpu_by_process(), time.monotonic()
            page1 = page_metrics(cdp)
            if args.screenshot:
                out.screenshot(path=args.screenshot)
            kernel_side(lab, args.clicks)
            print_cpu(cpu0, cpu1, wall1 - wall0, names)
            print("the page's main thread during the clicks: " + ", ".join(
                f"{name} {page1[key] - page0[key]:.2f} s" for name, key in PAGE_METRICS))
            context.close()
            browser.close()
    firsts = [r["first_ms"] for r in rows if r["first_ms"] is not None]
    dones = [r["done_ms"] for r in rows if r["done_ms"] is not None]
    print(f"median of {len(rows)} clicks: click -> first epoch drawn "
          f"{statistics.median(firsts):.0f} ms ({len(firsts)} seen), click -> run done "
          f"{statistics.median(dones) / 1000:.2f} s ({len(dones)} seen)  [goal 150 ms, 0.5 s]")
    print(f"{load()}, {product_speed()} (after)")


if __name__ == "__main__":
    main()
