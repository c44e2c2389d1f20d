"""Subnormal numbers: what they cost, and whether any slider setting makes an epoch crawl.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/subnormals.py            # all three parts
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/subnormals.py --no-flush # as before the fix
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/subnormals.py --quick    # a smaller grid

Part 1: the price of a subnormal operand on this processor. The product ``X @ W1`` of the
sample's 3,400 training rows with a (784, 256) float32 ``W1`` whose entries are normal,
all subnormal (1e-39), or zero; and an element-wise product ``a * 0.5`` whose result is
subnormal, against one whose result is normal. (Intel cores take a microcode assist for
each subnormal operand or result, often 10-100x slower; recent AMD cores take it mostly
for results, and the matrix product may not care at all.)

Part 2: a sweep over the explorer's slider ranges, learning rate x weight decay c x dtype
(hidden 256, batch 32, 10 epochs, the whole sample), each run with
:func:`handin.train_iter` as the explorer runs it (``yield_every=1``); for each run the worst epoch's seconds
divided by the median epoch's, each epoch's time the least of ``--repeats`` runs (a run that diverges counts the epochs it finished; a run
with fewer than three epochs is left out). The goal is at most 1.5x. ``--no-flush`` turns
the SGD step's flush of subnormals off, to see the sweep as it was before.

Part 3: what the flush costs. One SGD step (batch 32, hidden 256, float32) against one flush
of ``W1`` and ``W2`` (best of 7 repeats, on one BLAS thread); the step flushes each time the
decay has halved the weights (every ln(1/2) / ln(1 - 2 lr c) steps) and at the end of every
epoch, however often the loop yields, so the share per step is printed for a few (lr, c).

Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import timeit

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from handin import experiment, sgd_step, train  # noqa: E402
from handin.explorer.runs import C_OPTIONS  # noqa: E402

LRS = (0.001, 0.01, 0.1, 0.32, 0.63, 1.0, 3.16, 10.0)


def parse():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-flush", action="store_true", help="the step without its flush")
    ap.add_argument("--quick", action="store_true", help="lr 0.1, 0.63, 3.16; c 0, 1e-3, 1e-1")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=2,
                    help="runs per setting; each epoch's time is the least over them "
                         "(another process only ever adds time)")
    ap.add_argument("--skip-products", action="store_true", help="skip part 1")
    return ap.parse_args()


def best_of(f, repeats=5):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def products(X):
    rng = np.random.default_rng(0)
    cases = {"normal (0.01 scale)": (rng.standard_normal((784, 256)) * 0.01).astype(np.float32),
             "subnormal (1e-39)": np.full((784, 256), 1e-39, np.float32),
             "zero": np.zeros((784, 256), np.float32)}
    print("Part 1: X @ W1, (3400, 784) @ (784, 256) float32, best of 5")
    base = None
    for name, W in cases.items():
        t = best_of(lambda: X @ W)
        base = base or t
        print(f"  W1 {name:20s} {t * 1e3:7.1f} ms  ({t / base:.2f}x)")
    a, b = np.full(10 ** 6, 2e-38, np.float32), np.full(10 ** 6, 2e-3, np.float32)
    half = np.float32(0.5)
    tn, ts = best_of(lambda: b * half, 20), best_of(lambda: a * half, 20)
    print(f"  a * 0.5 on 1e6 float32: normal result {tn * 1e3:.2f} ms, subnormal result "
          f"{ts * 1e3:.2f} ms ({ts / tn:.1f}x)")


def epoch_seconds(split, lr, c, dtype, epochs):
    history = None
    try:
        for progress in train.train_iter(split.X_train, split.y_train, split.X_val, split.y_val,
                                         lr=lr, c=c, epochs=epochs, dtype=dtype, seed=0,
                                         yield_every=1):
            history = progress.history
    except train.TrainingDiverged:
        pass
    return list(history.seconds) if history is not None else []


def sweep(split, args):
    lrs = (0.1, 0.63, 3.16) if args.quick else LRS
    cs = (0.0, 1e-3, 1e-1) if args.quick else C_OPTIONS
    print(f"\nPart 2: worst epoch / median epoch, {args.epochs} epochs, flush "
          f"{'OFF' if args.no_flush else 'on'}")
    worst = {}
    for dtype in (np.float32, np.float64):
        print(f"  {np.dtype(dtype).name}: rows lr, columns c")
        print("    lr      " + " ".join(f"{c:>7g}" for c in cs))
        for lr in lrs:
            cells = []
            for c in cs:
                runs = [epoch_seconds(split, lr, c, dtype, args.epochs)
                        for _ in range(args.repeats)]
                s = [min(t) for t in zip(*runs)]
                if len(s) < 3:
                    cells.append(f"{'(' + str(len(s)) + ')':>7}")
                    continue
                ratio = max(s) / statistics.median(s)
                worst[(np.dtype(dtype).name, lr, c)] = (ratio, s)
                cells.append(f"{ratio:7.2f}")
            print(f"    {lr:<7g} " + " ".join(cells), flush=True)
    (name, lr, c), (ratio, s) = max(worst.items(), key=lambda kv: kv[1][0])
    print(f"  (n): the run diverged after n epochs. Worst: {ratio:.2f}x at {name} lr={lr:g} "
          f"c={c:g}, epoch seconds {[round(x, 2) for x in s]}")
    case = worst.get(("float32", 0.63, 0.1))
    if case:
        print(f"  The case of issue 18 (float32, lr 0.63, c 0.1): {case[0]:.2f}x, epoch seconds "
              f"{[round(x, 2) for x in case[1]]}")


def flush_cost():
    from handin import model
    split = experiment.prepare("sample")
    X, y = split.X_train.astype(np.float32), split.y_train
    p = model.init_params(784, 256, 10, seed=0, dtype=np.float32)
    step = sgd_step.SGDStep(p, 32, 10, lr=0.1, c=1e-4)
    idx = np.arange(32)
    t_step = min(timeit.repeat(lambda: step(X, y, idx), number=200, repeat=7)) / 200
    work1, work2 = np.empty_like(p["W1"]), np.empty_like(p["W2"])

    def flush():
        sgd_step.flush_subnormals(p["W1"], work1, step.tiny)
        sgd_step.flush_subnormals(p["W2"], work2, step.tiny)

    t_flush = min(timeit.repeat(flush, number=200, repeat=7)) / 200
    print(f"\nPart 3: one step {t_step * 1e6:.0f} us, one flush of W1 and W2 {t_flush * 1e6:.0f} us")
    for lr, c in [(0.1, 1e-4), (0.1, 0.1), (0.63, 0.1), (1.0, 0.1)]:
        q = 1 - 2 * lr * c
        steps = -(-len(X) // 32)                                        # an epoch's steps
        every = min(np.ceil(np.log(0.5) / np.log(q)), steps) if q > 0.5 else 1.0
        print(f"  lr={lr:g} c={c:g}: a flush every {every:.0f} steps, "
              f"{t_flush / every / t_step:.1%} of a step")


def main():
    args = parse()
    if args.no_flush:
        sgd_step.flush_subnormals = lambda a, work, tiny: None
    split = experiment.prepare("sample")
    if not args.skip_products:
        products(split.X_train.astype(np.float32))
    sweep(split, args)
    if not args.no_flush:
        flush_cost()


if __name__ == "__main__":
    main()
