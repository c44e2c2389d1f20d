"""What Chapter 3's graded ``check_target`` costs: seconds of one core per setting.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/check_target_cost.py
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/check_target_cost.py --quick  # seed 0 only

The graded cell runs the check three times: on seed 0 (the visible self-check) and on the
hidden seeds (:data:`handin.course.nbgrader.HIDDEN_SEEDS`), each one ``handin.fit`` of the
student's hyperparameters on the sample's 3,400 training images, and nbgrader interrupts a
cell after ``Execute.timeout`` (120 s). The grader gives each submission one core, so this
script runs on one BLAS thread (it sets ``OPENBLAS_NUM_THREADS=1`` before numpy loads, unless
set) and reports CPU seconds of this process (``time.process_time``), which load from other
processes does not inflate; the wall seconds are printed beside them. The goal: the whole
check, at the slowest setting the limits allow, under a quarter of the timeout (30 s) with
margin.

Rows:

* fixed settings: the chapter's solution, ``fit``'s defaults, and the slowest setting of the
  limits before they had a step budget (batch 1, hidden 512, 10 epochs: 34,000 steps);
* the frontier of the current limits: for each batch size, the most epochs the limits allow
  at the largest ``hidden`` (and ``lr`` 0.01, which neither diverges nor stalls), i.e. the
  most expensive setting of each batch size.

``--margins`` prints instead the chapter's solution's validation accuracy and its margin over
:data:`~handin.course.selfcheck_training.TARGET` on seed 0, the hidden seeds and seeds 1-5.

A setting within the limits is timed through ``check_target`` itself (validation, data,
training: what the graded cell runs); one the limits refuse is timed as the same
``handin.fit`` call the check would make, marked "refused". Prints a table; it is not a test.
"""

from __future__ import annotations

import argparse
import math
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from handin import divergence, experiment, train  # noqa: E402
from handin.course import nbgrader, selfcheck_training as st  # noqa: E402

TIMEOUT = 120.0


def fixed_settings():
    """``(name, hp)`` of the settings every run times."""
    return [("solution", {"lr": 0.3, "hidden": 256, "batch_size": 16, "epochs": 10}),
            ("defaults", {"lr": 0.1, "hidden": 256, "batch_size": 32, "epochs": 10}),
            ("old slowest", {"lr": 0.01, "hidden": 512, "batch_size": 1, "epochs": 10})]


def frontier(n_train, batch_sizes):
    """The most expensive allowed setting of each batch size: the most epochs, ``hidden`` max."""
    budget = getattr(st, "MAX_STEPS", None)
    rows = []
    for b in batch_sizes:
        if b > st.LIMITS["batch_size"]:
            continue
        epochs = st.LIMITS["epochs"]
        if budget is not None:
            epochs = min(epochs, budget // math.ceil(n_train / b))
        if epochs >= 1:
            rows.append((f"frontier b={b}", {"lr": 0.01, "hidden": st.LIMITS["hidden"],
                                              "batch_size": b, "epochs": epochs}))
    return rows


def time_one(hp, seed, split):
    """``(cpu seconds, wall seconds, outcome)`` of one run of the check on ``seed``."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = st.check_target(lambda: dict(hp), seed=seed)
    trained = result.ok or any(w in str(result) for w in ("validation accuracy", "diverged"))
    if not trained:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            _, h = train.fit(split.X_train, split.y_train, split.X_val, split.y_val, **hp,
                             seed=seed)
            outcome = f"refused (acc {h.val_acc[-1]:.3f})"
        except divergence.TrainingDiverged:
            outcome = "refused (diverged)"
    else:
        outcome = "pass" if result.ok else "fail"
    return time.process_time() - cpu, time.perf_counter() - wall, outcome


def margins(split):
    """Print the solution's validation accuracy and margin over TARGET per seed."""
    hp = dict(fixed_settings()[0][1])
    print(f"solution {hp}: validation accuracy after the last epoch, margin over {st.TARGET}")
    for seed in (0, *nbgrader.HIDDEN_SEEDS, 1, 2, 3, 4, 5):
        _, h = train.fit(split.X_train, split.y_train, split.X_val, split.y_val, **hp, seed=seed)
        acc = float(h.val_acc[-1])
        print(f"seed {seed:>2}: {acc:.3f}  margin {acc - st.TARGET:+.3f} "
              f"({round((acc - st.TARGET) * len(split.X_val)):+d} of {len(split.X_val)} images)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="seed 0 only")
    parser.add_argument("--batch-sizes", default="1,2,3,4,5,6,7,8,16,256",
                        help="the frontier's batch sizes (comma-separated)")
    parser.add_argument("--margins", action="store_true",
                        help="the solution's accuracy and margin per seed, no timing")
    parser.add_argument("--skip", default="", help="names of fixed rows to leave out, "
                        "comma-separated (e.g. 'old slowest')")
    args = parser.parse_args(argv)
    seeds = (0,) if args.quick else (0, *nbgrader.HIDDEN_SEEDS)
    split = experiment.prepare("sample", seed=0)
    n = len(split.X_train)
    if args.margins:
        return margins(split)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    rows = [r for r in fixed_settings() if r[0] not in skip]
    rows += frontier(n, [int(b) for b in args.batch_sizes.split(",")])
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}; limits {st.LIMITS}, "
          f"step budget {getattr(st, 'MAX_STEPS', None)}; {n} training images; seeds {seeds}")
    print(f"{'setting':<15} {'lr':>5} {'hidden':>6} {'batch':>5} {'epochs':>6} {'steps':>6} "
          f"{'cpu s/run':>9} {'cpu s all':>9} {'wall s':>7} {'% timeout':>9}  outcome per seed")
    for name, hp in rows:
        steps = hp["epochs"] * math.ceil(n / hp["batch_size"])   # as st.gradient_steps
        runs = [time_one(hp, seed, split) for seed in seeds]
        cpu, wall = sum(r[0] for r in runs), sum(r[1] for r in runs)
        print(f"{name:<15} {hp['lr']:>5g} {hp['hidden']:>6} {hp['batch_size']:>5} "
              f"{hp['epochs']:>6} {steps:>6} {cpu / len(runs):>9.2f} {cpu:>9.2f} {wall:>7.2f} "
              f"{100 * cpu / TIMEOUT:>8.1f}%  {', '.join(r[2] for r in runs)}", flush=True)


if __name__ == "__main__":
    main()
