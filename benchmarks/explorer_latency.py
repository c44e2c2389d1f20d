"""How fast the live explorer answers a slider, and whether the kernel stays responsive.

    .venv/bin/python benchmarks/explorer_latency.py               # both parts
    .venv/bin/python benchmarks/explorer_latency.py --rounds 7 --no-kernel
    .venv/bin/python benchmarks/explorer_latency.py --blas-threads 1

Part 1 (in this process, asyncio like in a kernel): on the sample with the exercise's
values (hidden 256, batch 32, 10 epochs, all 3400 training rows), set the learning-rate
widget's value as the front end would and time
  * first point: the change -> the PNG with the first epoch in the Image widget,
  * whole run:   the change -> the last PNG (10 epochs, drawn, test accuracy computed),
and split the whole run into debounce / training / evaluation / drawing / rest.
Targets on the 2-core machine: first point <= 0.3 s, whole run <= 1 s.

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
    ap.add_argument("--rounds", type=int, default=5, help="runs per measurement (>= 5)")
    ap.add_argument("--no-kernel", action="store_true", help="skip part 2")
    ap.add_argument("--blas-threads", type=int, default=None,
                    help="set OPENBLAS_NUM_THREADS/OMP_NUM_THREADS before numpy loads")
    return ap.parse_args()


ARGS = parse() if __name__ == "__main__" else None
if ARGS is not None and ARGS.blas_threads:
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(ARGS.blas_threads)

import asyncio  # noqa: E402

import numpy as np  # noqa: E402

from handin import train  # noqa: E402
from handin.explorer import Explorer  # noqa: E402


def ms(x):
    return f"{1e3 * x:7.0f} ms"


# ------------------------------------------------------------------- part 1: latency
def clocks():
    """(wall, CPU) now: the CPU time of this process counts only work actually done, so on a
    loaded machine (and with one BLAS thread) debounce + CPU estimates an unloaded wall time."""
    return np.array([time.perf_counter(), time.process_time()])


def instrument(ex):
    """Count the wall and CPU time of every redraw of the explorer's figure, and note the
    clocks when each run begins (after the debounce)."""
    spent, begins = [], []
    png, begin = ex.figure.png, ex._begin

    def timed():
        t = clocks()
        out = png()
        spent.append(clocks() - t)
        return out

    def noted():
        begins.append(clocks())
        return begin()

    ex.figure.png, ex._begin = timed, noted
    return spent, begins


async def one_round(ex, lr, draws, begins):
    """Set the lr widget to ``lr``; return the timings of the run it starts."""
    updates = []
    ex.image.observe(lambda ch: updates.append((clocks(), len(ex.history or []))),
                     names="value")
    n_draws = len(draws)
    t0 = clocks()
    ex.controls["lr"].value = lr               # what a slider release does
    h = await ex.wait()
    ex.image.unobserve_all("value")
    first = next(t for t, n_epochs in updates if n_epochs >= 1) - t0
    whole = updates[-1][0] - t0
    run = ex._run
    debounce = begins[-1] - t0           # wall: the debounce; CPU: preparing the figure
    # evaluation, measured after the run on its final weights as train_iter does it
    s, v, params = ex.split, run.record.values, run.params
    te = clocks()
    train.evaluate(s.X_train[:v["n_train"]], s.y_train[:v["n_train"]], params, v["c"])
    train.evaluate(s.X_val, s.y_val, params, v["c"])
    evaluation = (clocks() - te) * len(h)
    drawing = sum(draws[n_draws:], np.zeros(2))
    # training = the rest: SGD steps, plus the loop, widget updates and the test accuracy
    return dict(first=first, whole=whole, debounce=debounce, evaluation=evaluation,
                drawing=drawing, training=whole - debounce - evaluation - drawing,
                redraws=len(draws) - n_draws, val_acc=h.val_acc[-1])


async def latency(rounds):
    ex = Explorer()                              # the exercise's values, all 3400 rows
    draws, begins = instrument(ex)
    ex.run()                                     # warm-up (caches, BLAS threads, fonts)
    full0 = ex.figure.full_redraws
    rows = []
    for i in range(rounds):
        lr = (10 ** -0.9, 0.1)[i % 2]           # alternate, so that every set is a change
        rows.append(await one_round(ex, lr, draws, begins))
    return ex, rows, ex.figure.full_redraws - full0, draws


def report_latency(ex, rows, full, draws, one_thread):
    med = {k: np.median([r[k] for r in rows], axis=0) for k in rows[0]}
    est = "   unloaded estimate" if one_thread else ""
    print(f"\nPart 1: slider change -> figure, medians of {len(rows)} rounds "
          f"(hidden 256, batch 32, 10 epochs, {ex.n_all} rows; debounce {ex.debounce:g} s)")
    print(f"  {'':34s}{'wall':>10s}{est}")

    wait = max(ex.debounce, med["debounce"][1])     # the debounce, or the CPU spent in it

    def line(what, pair, target=""):
        guess = ms(wait + pair[1] - med["debounce"][1]) if one_thread else ""
        if one_thread and what.startswith("    "):
            guess = ms(pair[1]) if "debounce" not in what else ms(wait)
        print(f"  {what:34s}{ms(pair[0])}{'':5s}{guess:>10s}   {target}")

    line("first point (1st epoch drawn)", med["first"], "target  300 ms")
    line("whole run (10 epochs, drawn)", med["whole"], "target 1000 ms")
    print("  whole run, split:")
    line("    debounce (+ prepare figure)", med["debounce"])
    line("    training (SGD steps, loop, rest)", med["training"])
    line("    evaluation (train+val, 10x)", med["evaluation"])
    line(f"    drawing ({med['redraws']:.0f} redraws)", med["drawing"])
    if one_thread:
        print("  (unloaded estimate: the CPU time of this process, plus the idle part of the "
              "debounce;\n   valid with one BLAS thread, and still inflated by the load: shared "
              "caches and cores)")
    per = np.array(draws)
    print(f"  one redraw (Agg + PNG, all {len(per)}): median wall {ms(np.median(per[:, 0])).strip()}"
          f", CPU {ms(np.median(per[:, 1])).strip()}; in the rounds {full} full redraws, "
          "the rest blitted")
    (bw, bc), (fw, fc) = time_redraws(ex.figure)
    print(f"    measured apart: full redraw {ms(fw).strip()} (CPU {ms(fc).strip()}), "
          f"blit {ms(bw).strip()} (CPU {ms(bc).strip()}); PNG {len(ex.image.value) // 1024} KB, "
          f"{ex.figure.fig.dpi:g} dpi")
    print(f"  val acc of the last run: {rows[-1]['val_acc']:.3f}")
    return med


def time_redraws(fig, n=10):
    full, blit = [], []
    for _ in range(n):
        fig._background = None
        t = clocks(); fig.png(); full.append(clocks() - t)
        t = clocks(); fig.png(); blit.append(clocks() - t)
    return np.median(blit, axis=0), np.median(full, axis=0)


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
                                  "round(sorted(ex._run.chunks)[len(ex._run.chunks)//2], 3))"})
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
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    rounds = max(5, ARGS.rounds)
    ex, rows, full, draws = asyncio.run(latency(rounds))
    report_latency(ex, rows, full, draws, os.environ.get("OPENBLAS_NUM_THREADS") == "1")
    if not ARGS.no_kernel:
        report_kernel()
    print(f"\nload average at the end {os.getloadavg()[0]:.1f} "
          "(other processes on the machine inflate every figure)")
