"""Epoch time of ``handin.fit`` against scikit-learn, PyTorch CPU and the matrix-product floor.

Run it with ``benchmarks/run.sh`` (see ``benchmarks/README.md``). Every contender runs
in a process of its own (numpy, scikit-learn and PyTorch bring their own BLAS and
thread pools; two of them in one process oversubscribe the 2 cores), and the rounds
interleave them: round 1 runs each contender once, then round 2, and so on, so that a
burst of load from elsewhere hits all of them alike. Ratios are taken within a round,
then the median over rounds is reported.

The model is the same everywhere: 784 -> 256 ReLU -> 10 softmax, plain SGD (no momentum),
lr = 0.1, mean cross-entropy + c * (||W1||^2 + ||W2||^2) with c = 1e-4 (biases not decayed):

* scikit-learn's penalty is ``alpha / (2 m) * ||W||^2`` per batch of m rows (mean loss),
  gradient ``alpha / m * W``; equal to ours (gradient ``2 c W``) when ``alpha = 2 c m``:
  0.0064 at batch 32, 0.0256 at batch 128.
* PyTorch's ``weight_decay`` adds ``wd * W`` to the gradient: ``wd = 2 c = 2e-4`` on the
  weights, 0 on the biases.

The floor is the sum of one SGD step's five matrix products at the batch size (forward
``X W1``, ``A1 W2``; backward ``dZ2 W2^T``, ``A1^T dZ2``, ``X^T dZ1``), timed with numpy's
BLAS in the same run, times the steps per epoch. ``handin.fit``'s epoch (its
``History.seconds``) also evaluates the cost and accuracy on the whole training and
validation sets; the "eval floor" is that forward pass's two products.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

HIDDEN, N_CLASSES, LR, C = 256, 10, 0.1, 1e-4
N_TRAIN = 60_000
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


# ----------------------------------------------------------------------------- data

def load_data(kind, n_train):
    """``X_train, y_train, X_test, y_test`` (float32 in [0, 1], int64) and a description."""
    from handin.data import DatasetNotAvailable, load

    if kind in ("auto", "fashion-mnist"):
        try:
            ds = load("fashion-mnist", download=False)
            desc = f"Fashion-MNIST (real, {ds.source})"
        except (DatasetNotAvailable, OSError) as exc:
            if kind == "fashion-mnist":
                raise
            ds, desc = None, f"Fashion-MNIST not installed ({type(exc).__name__})"
        if ds is not None:
            return (*_scaled(ds.X_train[:n_train], ds.y_train[:n_train], ds.X_test, ds.y_test),
                    desc)
    if kind in ("auto", "sample"):
        ds = load("sample")
        reps = -(-n_train // len(ds.X_train))
        X = np.tile(ds.X_train, (reps, 1))[:n_train]
        y = np.tile(ds.y_train, reps)[:n_train]
        note = "; " + desc if kind == "auto" else ""
        return (*_scaled(X, y, ds.X_test, ds.y_test),
                f"handin's MNIST sample ({len(ds.X_train)} rows) tiled to {n_train} rows{note}")
    rng = np.random.default_rng(0)   # synthetic: 10 Gaussian clusters in [0, 1]^784
    centres = rng.random((N_CLASSES, 784), dtype=np.float32)
    y, y_test = rng.integers(0, N_CLASSES, n_train), rng.integers(0, N_CLASSES, 10_000)
    noise = lambda n: rng.random((n, 784), dtype=np.float32)  # noqa: E731
    X = np.clip(0.5 * centres[y] + 0.5 * noise(n_train), 0, 1)
    Xt = np.clip(0.5 * centres[y_test] + 0.5 * noise(10_000), 0, 1)
    return X, y, Xt, y_test, f"synthetic: {n_train} x 784 Gaussian clusters"


def _scaled(X, y, Xt, yt):
    out = []
    for A in (X, Xt):
        F = np.empty(A.shape, np.float32)
        np.divide(A, np.float32(255), out=F)      # no float64 temporary
        out.append(F)
    return out[0], np.asarray(y, np.int64), out[1], np.asarray(yt, np.int64)


# ----------------------------------------------------------------------------- memory

def _status_kb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def mark_memory():
    """Reset the peak-RSS mark (Linux clear_refs 5) and return the current RSS in MiB."""
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        reset = True
    except OSError:
        reset = False
    return (_status_kb("VmRSS") or 0) / 1024, reset


def peak_memory():
    """Peak RSS since the mark, in MiB (ru_maxrss if /proc is unavailable)."""
    hwm = _status_kb("VmHWM")
    if hwm is None:
        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return hwm / 1024


# ----------------------------------------------------------------------------- workers

def clocks():
    """(wall, CPU) seconds: the CPU time of the whole process, all its threads."""
    return time.perf_counter(), time.process_time()


class Stopwatch:
    """Laps in wall and CPU seconds."""

    def __init__(self):
        self.wall, self.cpu = [], []
        self.t = clocks()

    def lap(self):
        now = clocks()
        self.wall.append(now[0] - self.t[0])
        self.cpu.append(now[1] - self.t[1])
        self.t = clocks()


def blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [f"{i.get('internal_api')}:{i.get('num_threads')}t"
            f"{':' + i['architecture'] if i.get('architecture') else ''}"
            f"({os.path.basename(i.get('filepath', ''))[:28]})" for i in threadpool_info()]


def work_handin(cfg, X, y, Xt, yt):
    from handin import evaluate, fit

    dtype = np.dtype(cfg["dtype"])
    X, Xt = X.astype(dtype, copy=False), Xt.astype(dtype, copy=False)  # as for every peer
    rss0, reset = mark_memory()
    # An epoch: from the previous epoch's end (or the call of fit, so the first includes
    # fit's checks of its arguments, as scikit-learn's partial_fit checks its own) to the
    # end of this epoch's evaluation, which History.seconds also includes.
    watch = Stopwatch()
    params, hist = fit(X, y, Xt, yt, hidden=HIDDEN, lr=LR, c=C, batch_size=cfg["bs"],
                       epochs=cfg["epochs"], seed=cfg["seed"], dtype=dtype,
                       callback=lambda p: watch.lap())
    peak = peak_memory()
    # The share of each epoch that is evaluation (the full train + validation forward pass).
    evals = Stopwatch()
    for _ in range(2):
        evaluate(X, y, params, C)
        evaluate(Xt, yt, params, C)
        evals.lap()
    return dict(epoch_s=watch.wall, epoch_cpu=watch.cpu, history_s=list(hist.seconds),
                eval_s=min(evals.wall), eval_cpu=min(evals.cpu), acc=hist.val_acc[-1],
                rss0=rss0, peak=peak, mark_reset=reset, param_dtype=str(params["W1"].dtype))


def work_sample(cfg):
    """handin.fit on the shipped sample: 3,400 train rows after the 15 % hold-out, 10 epochs."""
    from handin import fit, load, scale, train_val_split

    ds = load("sample")
    X_tr, X_val, y_tr, y_val = train_val_split(scale(ds.X_train), ds.y_train, 0.15, seed=0)
    rss0, reset = mark_memory()
    watch = Stopwatch()
    _, hist = fit(X_tr, y_tr, X_val, y_val, hidden=HIDDEN, lr=LR, c=C, batch_size=cfg["bs"],
                  epochs=cfg["epochs"], seed=cfg["seed"])
    watch.lap()
    return dict(epoch_s=list(hist.seconds), epoch_cpu=[watch.cpu[0] / cfg["epochs"]],
                total_s=watch.wall[0], total_cpu=watch.cpu[0], acc=hist.val_acc[-1], rss0=rss0,
                peak=peak_memory(), mark_reset=reset, n_train=len(X_tr))


def work_sklearn(cfg, X, y, Xt, yt):
    import warnings

    from sklearn.neural_network import MLPClassifier

    X, Xt = X.astype(cfg["dtype"], copy=False), Xt.astype(cfg["dtype"], copy=False)
    rss0, reset = mark_memory()
    clf = MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="relu", solver="sgd",
                        momentum=0.0, nesterovs_momentum=False, learning_rate="constant",
                        learning_rate_init=LR, alpha=2 * C * cfg["bs"], batch_size=cfg["bs"],
                        max_iter=1, shuffle=True, random_state=cfg["seed"])
    classes = np.arange(N_CLASSES)
    watch = Stopwatch()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(cfg["epochs"]):
            clf.partial_fit(X, y, classes=classes)     # one pass over the shuffled data
            watch.lap()
    peak = peak_memory()
    return dict(epoch_s=watch.wall, epoch_cpu=watch.cpu, acc=float(clf.score(Xt, yt)), rss0=rss0, peak=peak,
                mark_reset=reset, param_dtype=str(clf.coefs_[0].dtype),
                alpha=2 * C * cfg["bs"])


def work_torch(cfg, X, y, Xt, yt):
    import torch

    torch.set_num_threads(cfg["threads"])
    torch.manual_seed(cfg["seed"])
    Xs, ys = torch.from_numpy(X), torch.from_numpy(y)
    rss0, reset = mark_memory()
    net = torch.nn.Sequential(torch.nn.Linear(784, HIDDEN), torch.nn.ReLU(),
                              torch.nn.Linear(HIDDEN, N_CLASSES))
    weights = [net[0].weight, net[2].weight]
    biases = [net[0].bias, net[2].bias]
    opt = torch.optim.SGD([{"params": weights, "weight_decay": 2 * C},
                           {"params": biases, "weight_decay": 0.0}], lr=LR, momentum=0.0)
    gen = torch.Generator().manual_seed(cfg["seed"])
    n, bs = len(Xs), cfg["bs"]
    watch = Stopwatch()
    for _ in range(cfg["epochs"]):
        perm = torch.randperm(n, generator=gen)
        for start in range(0, n, bs):
            idx = perm[start:start + bs]
            loss = torch.nn.functional.cross_entropy(net(Xs[idx]), ys[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        watch.lap()
    peak = peak_memory()
    with torch.no_grad():
        acc = float((net(torch.from_numpy(Xt)).argmax(1) == torch.from_numpy(yt)).double().mean())
    return dict(epoch_s=watch.wall, epoch_cpu=watch.cpu, acc=acc, rss0=rss0, peak=peak,
                mark_reset=reset,
                torch=torch.__version__, torch_threads=torch.get_num_threads())


def _median_time(f, reps):
    """Median over 5 blocks of ``reps`` calls: (wall, CPU) seconds per call."""
    f()
    wall, cpu = [], []
    for _ in range(5):
        w0, c0 = clocks()
        for _ in range(reps):
            f()
        w1, c1 = clocks()
        wall.append((w1 - w0) / reps)
        cpu.append((c1 - c0) / reps)
    return statistics.median(wall), statistics.median(cpu)


def work_floor(cfg, n_train, n_val, eval_block=4096):
    """Sum of one step's GEMM times x steps per epoch, and the evaluation's GEMMs."""
    dt, m, d, h, k = np.dtype(cfg["dtype"]), cfg["bs"], 784, HIDDEN, N_CLASSES
    rng = np.random.default_rng(0)
    r = lambda *s: rng.random(s, dtype=dt)  # noqa: E731
    X, W1, A1, W2, dZ2, dZ1 = r(m, d), r(d, h), r(m, h), r(h, k), r(m, k), r(m, h)
    Z1, Z2, dA1, dW2, dW1 = (np.empty(s, dt) for s in ((m, h), (m, k), (m, h), (h, k), (d, h)))
    reps = max(20, 6400 // m)
    gemms = {
        "X W1": _median_time(lambda: np.matmul(X, W1, out=Z1), reps),
        "A1 W2": _median_time(lambda: np.matmul(A1, W2, out=Z2), reps),
        "dZ2 W2^T": _median_time(lambda: np.matmul(dZ2, W2.T, out=dA1), reps),
        "A1^T dZ2": _median_time(lambda: np.matmul(A1.T, dZ2, out=dW2), reps),
        "X^T dZ1": _median_time(lambda: np.matmul(X.T, dZ1, out=dW1), reps),
    }
    steps = -(-n_train // m)
    Xe, A1e = r(eval_block, d), r(eval_block, h)
    Z1e, Z2e = np.empty((eval_block, h), dt), np.empty((eval_block, k), dt)
    fw = [_median_time(lambda: np.matmul(Xe, W1, out=Z1e), 3),
          _median_time(lambda: np.matmul(A1e, W2, out=Z2e), 3)]
    blocks = (n_train + n_val) / eval_block
    return dict(epoch_s=[sum(w for w, _ in gemms.values()) * steps],
                epoch_cpu=[sum(c for _, c in gemms.values()) * steps],
                gemm_us={g: w * 1e6 for g, (w, _) in gemms.items()},
                gemm_cpu_us={g: c * 1e6 for g, (_, c) in gemms.items()}, steps=steps,
                eval_floor_s=sum(w for w, _ in fw) * blocks,
                eval_floor_cpu=sum(c for _, c in fw) * blocks)


def worker(cfg):
    who = cfg["who"]
    if who == "sample":
        out = work_sample(cfg)
    elif who == "floor":
        out = work_floor(cfg, cfg["n_train"], cfg["n_val"])
    else:
        X, y, Xt, yt, _ = load_data(cfg["data"], cfg["n_train"])
        out = {"handin": work_handin, "sklearn": work_sklearn, "torch": work_torch}[who](
            cfg, X, y, Xt, yt)
    out["blas"] = blas_info()
    print("RESULT " + json.dumps(out), flush=True)


# ----------------------------------------------------------------------------- driver

def contenders(args, have_sklearn, have_torch):
    """(key, label, config) of everything that runs each round."""
    specs = []
    e = args.epochs
    for bs in args.batch_sizes:
        for dtype in ("float32", "float64"):
            specs.append((f"handin/{dtype}/{bs}", "handin.fit", dict(who="handin", dtype=dtype, bs=bs)))
            specs.append((f"floor/{dtype}/{bs}", "GEMM floor", dict(who="floor", dtype=dtype, bs=bs)))
    if have_sklearn:
        for bs, dtype in [(32, "float32"), (32, "float64"), (128, "float32")]:
            if bs in args.batch_sizes:
                specs.append((f"sklearn/{dtype}/{bs}", "scikit-learn MLP",
                              dict(who="sklearn", dtype=dtype, bs=bs)))
    if have_torch:
        for bs in args.batch_sizes:
            specs.append((f"torch/float32/{bs}", "PyTorch CPU", dict(who="torch", dtype="float32", bs=bs)))
    if args.also_unset_openblas_env and any(v in os.environ for v in OPENBLAS_VARS):
        for bs in args.batch_sizes:
            specs.append((f"handin-unset/float32/{bs}", f"handin.fit, {'/'.join(OPENBLAS_VARS)} unset",
                          dict(who="handin", dtype="float32", bs=bs, unset_openblas=True)))
            specs.append((f"floor-unset/float32/{bs}", f"GEMM floor, {'/'.join(OPENBLAS_VARS)} unset",
                          dict(who="floor", dtype="float32", bs=bs, unset_openblas=True)))
    if not args.quick or 32 in args.batch_sizes:
        specs.append(("sample/float32/32", "handin.fit on the sample, 10 epochs",
                      dict(who="sample", dtype="float32", bs=32, epochs=10)))
    for _, _, cfg in specs:
        cfg.setdefault("epochs", e)
        cfg.update(data=args.data, n_train=args.n_train, n_val=10_000, threads=args.threads)
    return specs


def run_worker(cfg, seed):
    env = dict(os.environ)
    if cfg["threads"] != 2:    # every BLAS and OpenMP pool, numpy's, scipy's and PyTorch's
        env.update(OPENBLAS_NUM_THREADS=str(cfg["threads"]), OMP_NUM_THREADS=str(cfg["threads"]))
    if cfg.get("unset_openblas"):
        for v in OPENBLAS_VARS:
            env.pop(v, None)
    cfg = dict(cfg, seed=seed)
    proc = subprocess.run([sys.executable, __file__, "--worker", json.dumps(cfg)], env=env,
                          capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"worker {cfg['who']} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def loadavg():
    try:
        return float(open("/proc/loadavg").read().split()[0])
    except OSError:
        return float("nan")


def fmt(x, nd=2):
    return "–" if x is None else f"{x:.{nd}f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 6,000 rows, 1 round, 1 epoch, batch 32 only")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=1, help="epochs per run (default 1)")
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 128])
    ap.add_argument("--data", choices=["auto", "fashion-mnist", "sample", "synthetic"],
                    default="auto", help="auto: Fashion-MNIST if installed, else the sample tiled")
    ap.add_argument("--n-train", type=int, default=N_TRAIN)
    ap.add_argument("--threads", type=int, default=2,
                    help="BLAS/OpenMP threads of every contender (default 2, the machine's cores; "
                         "1 gives steadier numbers when other processes load the machine)")
    ap.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    ap.add_argument("--also-unset-openblas-env", action="store_true",
                    help=f"also run handin and the floor with {' and '.join(OPENBLAS_VARS)} unset "
                         "(only if they are set)")
    ap.add_argument("--json", help="write every measurement to this file")
    ap.add_argument("--report", metavar="JSON", help="print the tables of a --json file again")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(json.loads(args.worker))
    if args.report:
        return report(args.report)
    if args.quick:
        args.rounds, args.epochs, args.n_train, args.batch_sizes = 1, 1, 6_000, [32]

    import importlib.util
    have_sklearn = importlib.util.find_spec("sklearn") is not None
    torch_installed = importlib.util.find_spec("torch") is not None
    have_torch = torch_installed and not args.no_torch
    _, _, _, _, data_desc = load_data(args.data, min(args.n_train, 1000))
    data_desc = data_desc.replace("1000 rows", f"{args.n_train} rows")
    specs = contenders(args, have_sklearn, have_torch)

    print(f"data: {data_desc}; {args.n_train} training rows, 10,000 test rows (handin's "
          "validation set = the test set)")
    env = ", ".join(f"{v}={os.environ[v]}" for v in OPENBLAS_VARS if v in os.environ)
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs; "
          + (env or f"{' and '.join(OPENBLAS_VARS)} not set"))
    print(f"peers: scikit-learn {'yes' if have_sklearn else 'not installed'}, "
          f"PyTorch {'yes' if have_torch else 'skipped (--no-torch)' if torch_installed else 'not installed (benchmarks/run.sh --torch)'}")
    print(f"{args.rounds} rounds x {len(specs)} runs, {args.epochs} epoch(s) each, "
          f"each run in its own process, {args.threads} BLAS thread(s)\n")

    results = {key: [] for key, _, _ in specs}
    loads = []
    t_start = time.perf_counter()
    for r in range(args.rounds):
        order = specs[r % len(specs):] + specs[:r % len(specs)]   # rotate: no fixed position
        loads.append(loadavg())
        for key, _, cfg in order:
            res = run_worker(cfg, seed=r)
            res["round"] = r
            results[key].append(res)
        ep = {k: statistics.median(v[-1]["epoch_s"]) for k, v in results.items() if v}
        print(f"round {r + 1}: " + ", ".join(f"{k} {t:.2f}s" for k, t in ep.items())
              + f"  (load average before: {loads[-1]:.2f})", flush=True)
    loads.append(loadavg())

    print_table(specs, results, "wall")
    if args.threads == 1:   # one thread per process: its CPU time is what a quiet machine takes
        print("\nThe same runs in CPU seconds of each process (on one thread, the wall time "
              "it would take with a core to itself):")
        print_table(specs, results, "cpu")
    print_environment(results, loads)
    print(f"total {time.perf_counter() - t_start:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(data=data_desc, args=vars(args), loadavg=loads, results=results), f,
                      indent=1)


CLOCK_KEYS = {  # what each clock reads from a worker's result
    "wall": dict(epoch="epoch_s", eval="eval_s", eval_floor="eval_floor_s", gemm="gemm_us",
                 total="total_s"),
    "cpu": dict(epoch="epoch_cpu", eval="eval_cpu", eval_floor="eval_floor_cpu",
                gemm="gemm_cpu_us", total="total_cpu"),
}


def print_table(specs, results, clock="wall"):
    K = CLOCK_KEYS[clock]

    def epoch(res):
        return statistics.median(res[K["epoch"]])

    def per_round(a_key, b_key, num=epoch, den=epoch):
        """Median over rounds of num(a) / den(b), both measured in the same round."""
        if a_key not in results or b_key not in results:
            return None
        return statistics.median(num(a) / den(b) for a, b in zip(results[a_key], results[b_key]))

    head = ["contender", "batch", "dtype", f"epoch s ({clock}, median)", "min-max", "x floor",
            "x (floor + eval floor)", "training only x floor", "test acc (median)", "peak RSS MiB",
            "above data MiB", "peer epoch / handin epoch", "notes"]
    print("\n| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for key, label, cfg in specs:
        if cfg["who"] == "sample":
            continue
        who, dtype, bs = key.split("/")
        floor_key = f"{'floor-unset' if who.endswith('unset') else 'floor'}/{dtype}/{bs}"
        runs = results[key]
        last = runs[-1]
        times = [t for res in runs for t in res[K["epoch"]]]
        x_floor = x_full = x_train = None
        notes, vs = "", []
        if cfg["who"] != "floor":
            x_floor = per_round(key, floor_key)
        if cfg["who"] == "handin":
            x_full = per_round(key, floor_key,
                               den=lambda f: f[K["epoch"]][0] + f[K["eval_floor"]])
            x_train = per_round(key, floor_key, num=lambda r: epoch(r) - r[K["eval"]])
            notes = f"of which evaluation {statistics.median(r[K['eval']] for r in runs):.2f} s"
            for peer in ("sklearn", "torch"):
                r = per_round(f"{peer}/{dtype}/{bs}", key)
                if r is not None:
                    vs.append(f"{peer} {r:.2f}x")
        elif cfg["who"] == "sklearn":
            notes = f"alpha={last['alpha']:g}, params {last['param_dtype']}"
        elif cfg["who"] == "torch":
            notes = f"torch {last['torch']}, set_num_threads({last['torch_threads']})"
        elif cfg["who"] == "floor":
            us = {g: statistics.median(r[K["gemm"]][g] for r in runs) for g in last[K["gemm"]]}
            notes = ("GEMM us/step: " + ", ".join(f"{g} {t:.0f}" for g, t in us.items())
                     + f"; x {last['steps']} steps; eval floor "
                       f"{statistics.median(r[K['eval_floor']] for r in runs):.2f} s")
        cells = [label, bs, dtype, fmt(statistics.median(times), 3),
                 f"{fmt(min(times))}-{fmt(max(times))}", fmt(x_floor), fmt(x_full),
                 fmt(x_train), fmt(statistics.median(r["acc"] for r in runs) if "acc" in last else None, 4),
                 fmt(max(r["peak"] for r in runs) if "peak" in last else None, 0),
                 fmt(max(r["peak"] - r["rss0"] for r in runs), 0) if "peak" in last else "-",
                 ", ".join(vs) or "-", notes]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    for key, label, cfg in specs:
        if cfg["who"] == "sample":
            runs = results[key]
            tot = [r[K["total"]] for r in runs]
            print(f"\n{label} ({runs[-1]['n_train']} training rows, hidden {HIDDEN}, batch "
                  f"{cfg['bs']}): fit() took {statistics.median(tot):.3f} s {clock} (median; "
                  f"min {min(tot):.3f}), validation accuracy {runs[-1]['acc']:.4f}")


def report(path):
    """The tables of a saved run (--json), printed again."""
    with open(path) as f:
        saved = json.load(f)
    args = argparse.Namespace(**saved["args"])
    results = saved["results"]
    specs = [s for s in contenders(args, True, True) if s[0] in results]
    print(f"data: {saved['data']}")
    print_table(specs, results, "wall")
    if args.threads == 1:
        print_table(specs, results, "cpu")
    print_environment(results, saved["loadavg"])


def print_environment(results, loads):
    print("\nBLAS/threads per process:")
    for key, runs in results.items():
        print(f"  {key}: {', '.join(runs[-1]['blas']) or 'threadpoolctl not installed'}")
    print(f"load average before each round and at the end: {', '.join(f'{x:.2f}' for x in loads)}"
          + ("  (other processes were running: timings are noisy)" if max(loads) > 1.0 else ""))


if __name__ == "__main__":
    main()
