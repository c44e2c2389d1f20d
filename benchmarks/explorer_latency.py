"""How fast the live explorer answers a slider, and whether the kernel stays responsive.

    .venv/bin/python benchmarks/explorer_latency.py               # both parts
    .venv/bin/python benchmarks/explorer_latency.py --rounds 7 --no-kernel

Part 1 (in this process, asyncio like in a kernel): on the sample with the exercise's
values (hidden 256, batch 32, 10 epochs, all 3400 training rows), set the learning-rate
widget's value as the front end would and time, with the kernel-side clock,
  * first epoch: the change -> the chart's first update carrying the new run's first epoch,
  * whole run:   the change -> the chart's last update (10 epochs, test accuracy computed),
and split the whole run into wait before training / training / evaluation / chart updates.
Variants, in interleaved rounds (A B C A B C ...): the explorer's defaults (one BLAS
thread, the training curve measured on 1,000 training rows), all rows evaluated,
and BLAS threads left as they are. What the browser adds (the message, the SVG drawing)
is measured by benchmarks/explorer_browser.py.

Part 2 (a real ipykernel via jupyter_client): while a run goes in the kernel, send
``1+1`` execute requests and slider changes (comm messages, as the front end sends them)
and time the replies; with the explorer's default ``yield_turns`` and with 1.

Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def parse():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="runs per variant (>= 5)")
    ap.add_argument("--no-kernel", action="store_true", help="skip part 2")
    return ap.parse_args()


ARGS = parse() if __name__ == "__main__" else None

import asyncio  # noqa: E402

import numpy as np  # noqa: E402

from handin import experiment, threads, train  # noqa: E402
from handin.explorer import Explorer  # noqa: E402

VARIANTS = {
    "defaults (threads measured, train curve on 1000 rows)": dict(),
    "train curve on all 3400 rows": dict(train_curve_rows=None),
    "1 BLAS thread": dict(blas_threads=1),
    "2 BLAS threads": dict(blas_threads=2),
}


def ms(x):
    return f"{1e3 * x:7.0f} ms"


# ------------------------------------------------------------------- part 1: latency
def instrument(ex):
    """Note (time, epochs of the current run) at every chart message, and the time spent
    in the chart's methods."""
    sent, spent = [], []
    for name in ("start", "update", "retire"):
        method = getattr(ex.chart, name)

        def timed(*args, _method=method, **kwargs):
            t = time.perf_counter()
            out = _method(*args, **kwargs)
            now = time.perf_counter()
            spent.append(now - t)
            cur = ex.chart.current
            sent.append((now, len(cur["points"]["val_acc"]) if cur else 0,
                         cur.get("outcome") if cur else None))
            return out
        setattr(ex.chart, name, timed)
    return sent, spent


async def one_round(ex, lr, sent, spent):
    n_sent, n_spent = len(sent), len(spent)
    n_records = len(ex.controller.records)
    t0, c0 = time.perf_counter(), time.process_time()
    ex.controls["lr"].value = lr               # what a slider release does
    h = await ex.wait()
    cpu = time.process_time() - c0
    new = sent[n_sent:]
    first = next(t for t, n, o in new if n >= 1) - t0
    whole = new[-1][0] - t0
    r = ex.current_run
    assert len(ex.controller.records) == n_records + 1 and r.outcome == "done"
    began = next(t for t, n, o in new if o == "running" and n == 0) - t0
    s, v = ex.split, r.values
    params = ex.controller._params             # the run's trained parameters
    rows = v["n_train"] if ex.train_curve_rows is None else min(ex.train_curve_rows, v["n_train"])
    te = time.perf_counter()
    with threads.limit(threads.resolve(ex.controller.blas_threads, (v["batch_size"], s.X_train.shape[1], v["hidden"]))):
        train.evaluate(s.X_train[:rows], s.y_train[:rows], params, v["c"])
        train.evaluate(s.X_val, s.y_val, params, v["c"])
    evaluation = (time.perf_counter() - te) * len(h)
    drawing = sum(spent[n_spent:])
    return dict(first=first, whole=whole, began=began, evaluation=evaluation, drawing=drawing,
                training=whole - began - evaluation - drawing, updates=len(new), cpu=cpu,
                val_acc=h.val_acc[-1])


async def latency(rounds):
    split = experiment.prepare("sample", seed=0)
    rows = {name: [] for name in VARIANTS}
    for i in range(rounds):
        for name, kw in VARIANTS.items():
            ex = Explorer(split, **kw)
            sent, spent = instrument(ex)
            ex.run(lr=10 ** -0.9)                # warm-up (caches, BLAS threads)
            rows[name].append(await one_round(ex, 0.1 if i % 2 else 10 ** -1.1, sent, spent))
            ex.close()
    return rows


def report_latency(rows):
    print("\nPart 1: slider change -> chart update (kernel side), medians of "
          f"{len(next(iter(rows.values())))} interleaved rounds")
    print("  (hidden 256, batch 32, 10 epochs, 3400 rows; wall times)")
    keys = ("first", "whole", "cpu", "began", "training", "evaluation", "drawing")
    head = ("first epoch", "whole run", "run CPU", "wait", "training", "evaluation", "chart")
    print(f"  {'variant':52s}" + "".join(f"{h:>12s}" for h in head))
    for name, rs in rows.items():
        med = {k: statistics.median(r[k] for r in rs) for k in keys}
        print(f"  {name:52s}" + "".join(f"{ms(med[k]):>12s}" for k in keys))
    print("  wait = change -> the run's first chart message (no debounce for a single change);"
          "\n  training = the rest of the run: SGD steps, the loop, test accuracy;"
          "\n  run CPU = this process's CPU time for the whole run: with one BLAS thread about "
          "the wall time\n  the run would take on an idle machine")


# ---------------------------------------------------------- part 2: a real kernel
SETUP = """
import time
from handin.explorer import Explorer
ex = Explorer(yield_turns={turns})
ex.run(epochs=1)   # warm-up
stamps = []        # when the kernel handled each slider change (perf_counter: CLOCK_MONOTONIC)
ex.controls['lr'].observe(lambda change: stamps.append(time.perf_counter()), names='value')
"""


def kernel_probe(turns, n_probes=8):
    import queue

    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")

    def execute(code, user_expressions=None):
        t0 = time.perf_counter()
        msg_id = kc.execute(code, user_expressions=user_expressions or {})
        while True:
            reply = kc.get_shell_msg(timeout=120)
            if reply["parent_header"].get("msg_id") == msg_id:
                assert reply["content"]["status"] == "ok", reply["content"]
                return time.perf_counter() - t0, reply["content"]

    def drain():
        while True:
            try:
                kc.get_iopub_msg(timeout=0.05)
            except queue.Empty:
                return

    try:
        _, content = execute(SETUP.format(turns=turns), {"id": "ex.controls['lr'].model_id"})
        lr_id = eval(content["user_expressions"]["id"]["data"]["text/plain"])
        idle = statistics.median(execute("1+1")[0] for _ in range(n_probes))
        execute("ex.set(lr=0.2, epochs=30)")       # a run of several seconds
        time.sleep(0.5)
        drain()
        busy = []
        for _ in range(n_probes):
            busy.append(execute("1+1")[0])
            time.sleep(0.05)
        sent = []
        for lr in (0.3, 0.25, 0.3, 0.25, 0.3):
            drain()
            sent.append(time.perf_counter())
            kc.shell_channel.send(kc.session.msg("comm_msg", {
                "comm_id": lr_id,
                "data": {"method": "update", "state": {"value": lr}, "buffer_paths": []}}))
            time.sleep(0.6)                          # debounce, then training again
        _, content = execute("", {"s": "stamps", "c": "(ex.n_started, ex.n_stopped, "
                                  "round(sorted(ex.current_run.chunks)[len(ex.current_run.chunks)//2], 3))"})
        stamps = eval(content["user_expressions"]["s"]["data"]["text/plain"])
        slider = [k - s for k, s in zip(stamps[-len(sent):], sent)]   # stamps[0]: ex.set
        counts = content["user_expressions"]["c"]["data"]["text/plain"]
        return idle, busy, slider, counts
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def report_kernel():
    print("\nPart 2: a real ipykernel, while the explorer trains in it "
          "(30-epoch run, 20 ms chunks)")
    print(f"  {'yield_turns':12s}{'1+1 idle':>12s}{'1+1 busy med':>14s}{'busy max':>10s}"
          f"{'slider med':>12s}{'slider max':>12s}   (started, stopped, median chunk s)")
    for turns in (4, 1):
        idle, busy, slider, counts = kernel_probe(turns)
        print(f"  {turns:<12d}{ms(idle):>12s}{ms(statistics.median(busy)):>14s}"
              f"{ms(max(busy)):>10s}{ms(statistics.median(slider)):>12s}"
              f"{ms(max(slider)):>12s}   {counts}")
    print("  1+1 = execute_request -> execute_reply, as the client sees it; slider = a comm "
          "message with a new lr value\n  (as the front end sends it) -> the kernel's "
          "observer of the slider runs (same monotonic clock)")


if __name__ == "__main__":
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    report_latency(asyncio.run(latency(max(5, ARGS.rounds))))
    if not ARGS.no_kernel:
        report_kernel()
    print(f"\nload average at the end {os.getloadavg()[0]:.1f} "
          "(other processes on the machine inflate every figure)")
