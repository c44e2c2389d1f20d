"""A full room: K students' kernels side by side on this machine, each doing what a student does.

For every K (default 1, 2, 4, 8), K worker processes start together; each runs, in its own
Jupyter kernel, Run All of chapter 2 and of chapter 3 (the teacher's chapters, so that every
cell runs), then ten explorer runs at the defaults with the learning rate moved each time
(``Explorer().run(lr=...)``, drawn as in JupyterLab but without a browser). Each task is
timed in its worker. The script prints, per K and task, the median time over the K workers
and its ratio to the fair share::

    fair share = max(1, K / cores) x (the task's time at K = 1)

A ratio of 1 means a room of K shares the machine as well as it can: the cores are split
evenly and nothing is lost to the students' kernels fighting each other (BLAS threads
spinning while another process holds the core). The goal is every ratio <= 1.3.

    python benchmarks/full_room.py [--ks 1,2,4,8] [--tasks ch2,ch3,explorer] [--json FILE]

Run it on a quiet machine (nothing else running): it takes about ten minutes on 2 cores.
``HANDIN_BLAS_THREADS`` (or any OpenBLAS variable) in the environment applies to every kernel,
to compare a pinned number of threads with handin's measured choice.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHAPTERS = {"ch2": "02_forward_backward", "ch3": "03_training"}
EXPLORER_RUNS = [0.1, 0.2, 0.05, 0.3, 0.15, 0.08, 0.25, 0.12, 0.4, 0.1]


def _run_chapter(stem):
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(ROOT / "notebooks" / f"{stem}.py")
    # a room of 8 on 2 cores starts its kernels slowly: nbclient's 60 s start-up wait is short
    NotebookClient(nb, timeout=1800, startup_timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    return cell_seconds(nb)


def cell_seconds(nb):
    """``[(cell number, its first line, seconds)]`` of the code cells, from the timestamps
    nbclient records (busy to idle on the kernel's IOPub channel)."""
    from datetime import datetime

    out = []
    for i, cell in enumerate(nb.cells):
        t = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type == "code" and "iopub.status.busy" in t and "iopub.status.idle" in t:
            busy, idle = (datetime.fromisoformat(t[k].replace("Z", "+00:00"))
                          for k in ("iopub.status.busy", "iopub.status.idle"))
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            out.append((i, first[:60], (idle - busy).total_seconds()))
    return out


def _run_explorer():
    from handin.explorer import Explorer

    ex = Explorer()
    for lr in EXPLORER_RUNS:
        ex.run(lr=lr)
    ex.close()


def worker(tasks, start, out):
    """Wait for the common start, then run and time each task."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    start.wait()
    times, cells = {}, {}
    try:
        for task in tasks:
            for attempt in range(3):
                t0 = time.perf_counter()
                try:
                    if task == "explorer":
                        _run_explorer()
                    else:
                        cells[task] = _run_chapter(CHAPTERS[task])
                    break
                except RuntimeError as exc:   # kernels started side by side over TCP can
                    if "Kernel died before replying" not in str(exc) or attempt == 2:
                        raise               # draw the same port: start it again, time that
            times[task] = time.perf_counter() - t0
    except Exception as exc:      # reported, not left for the room to wait on forever
        times = {"error": f"{type(exc).__name__}: {exc}"}
    out.put({**times, "cells": cells})


def room(k, tasks):
    """Every worker's ``{task: seconds}`` for a room of ``k`` students."""
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=worker, args=(tasks, start, out)) for _ in range(k)]
    for p in procs:
        p.start()
    time.sleep(2.0)            # every worker imported and waiting
    start.set()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        raise RuntimeError(f"{len(errors)} of {k} students failed: {errors[0]}")
    return results


def print_cells(quiet, full, k, cores, top=6):
    """The cells of each chapter that lost most to the room of ``k``: median seconds over
    the workers, against the cell's own fair share."""
    share = max(1.0, k / cores)
    for task in quiet[0]["cells"]:
        alone = {i: (first, s) for i, first, s in quiet[0]["cells"][task]}
        in_room = {}
        for r in full:
            for i, _, s in r["cells"].get(task, []):
                in_room.setdefault(i, []).append(s)
        rows = sorted(((statistics.median(in_room[i]) - share * s, i, first, s,
                        statistics.median(in_room[i])) for i, (first, s) in alone.items()
                       if i in in_room), reverse=True)[:top]
        print(f"{task}: the cells that lost most at K = {k} (seconds alone, in the room, "
              f"ratio to the fair share)")
        for excess, i, first, s, med in rows:
            print(f"  cell {i:>3} {s:6.2f} {med:7.2f} {med / max(share * s, 1e-9):6.2f}  {first}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", default="1,2,4,8", help="room sizes, comma-separated")
    parser.add_argument("--tasks", default="ch2,ch3,explorer",
                        help="what each student does, in order: ch2, ch3, explorer")
    parser.add_argument("--json", type=pathlib.Path, help="also write the figures here")
    args = parser.parse_args(argv)
    ks = sorted({int(k) for k in args.ks.split(",")})
    tasks = args.tasks.split(",")
    unknown = set(tasks) - {*CHAPTERS, "explorer"}
    if unknown or not ks or ks[0] < 1:
        parser.error(f"--tasks must name ch2, ch3 or explorer (got {sorted(unknown)}); "
                     f"--ks integers >= 1 (got {args.ks})")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if ks[0] != 1:
        ks = [1, *ks]          # the quiet time the fair shares are measured from
    print(f"{cores} cores; HANDIN_BLAS_THREADS={os.environ.get('HANDIN_BLAS_THREADS', '(measured)')};"
          f" tasks {', '.join(tasks)}", flush=True)
    figures, quiet = {}, {}
    print(f"{'K':>3} {'task':>9} {'median s':>9} {'fair s':>8} {'ratio':>6}", flush=True)
    for k in ks:
        results = room(k, tasks)
        figures[k] = results
        for task in tasks:
            median = statistics.median(r[task] for r in results)
            quiet.setdefault(task, median)
            fair = max(1.0, k / cores) * quiet[task]
            print(f"{k:>3} {task:>9} {median:>9.1f} {fair:>8.1f} {median / fair:>6.2f}",
                  flush=True)
    if ks[-1] > 1:
        print_cells(figures[1], figures[ks[-1]], ks[-1], cores)
    if args.json:
        args.json.write_text(json.dumps({"cores": cores, "rooms": figures}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
