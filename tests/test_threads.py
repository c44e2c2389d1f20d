"""handin.threads: the number of BLAS threads is chosen by measurement, by the mean (a stall
counts), within a budget, kept a while, pinned by the environment, and set only while
training. Measurements are faked with counters: no test depends on this machine's speed."""

import itertools

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import handin
from handin import threads


def fake(times):
    """``measure(threads)`` returning the next of ``times[threads]``, counting the calls."""
    its = {c: itertools.cycle(t) for c, t in times.items()}
    calls = []

    def measure(c):
        calls.append(c)
        return next(its[c])
    return measure, calls


def test_the_faster_on_average_wins_and_a_stall_counts():
    measure, _ = fake({1: [1e-3], 2: [2e-4]})
    assert threads.choose(32, 784, 256, candidates=[1, 2], measure=measure, budget=1) == 2
    # two threads are faster in most calls but stall in one: the median would pick them
    measure, calls = fake({1: [1e-3], 2: [2e-4, 2e-4, 2e-4, 2e-4, 2e-4, 2e-4, 0.05]})
    assert threads.choose(32, 784, 256, candidates=[1, 2], measure=measure, budget=1,
                          rounds=7) == 1
    assert calls.count(2) == 7


def test_a_tie_goes_to_fewer_threads_and_one_candidate_needs_no_measuring():
    measure, calls = fake({1: [1e-3], 2: [1e-3]})
    assert threads.choose(8, 8, 8, candidates=[2, 1], measure=measure, budget=1) == 1
    measure, calls = fake({3: [1.0]})
    assert threads.choose(8, 8, 8, candidates=[3], measure=measure) == 3 and calls == []


def test_a_crowded_core_stops_trying_more_threads_until_it_frees():
    """One-thread chunks that get 30 % of a core (their thread's CPU time over their wall
    time): other processes want more cores than there are, and two threads are neither
    warmed up nor tried; once the chunks get their core, two threads are tried."""
    t = threads.Tuner([1, 2], crowded=0.6)

    def run(chunks, got):
        picks = []
        for _ in range(chunks):
            n = t.pick()
            picks.append(n)
            seconds = 1e-3 if n == 1 else 0.5e-3
            t.record(n, steps=10, seconds=seconds, cpu=got * seconds if n == 1 else None)
        return picks
    assert run(300, got=0.3) == [1] * 300 and t.tried[2] == 0 and t.cpu_share == pytest.approx(0.3)
    later = run(20, got=1.0)
    assert later.count(2) >= 10 and t.best() == 2, "free again: warmed up, and faster"
    assert t.crowded < t.cpu_share < 1.0, "averaged: 0.3 before, 1.0 on the latest chunks"


@pytest.mark.parametrize("two, chosen", [(0.95e-3, 1), (0.85e-3, 2)])
def test_more_threads_must_be_faster_by_the_margin(two, chosen):
    # 5 % faster is within MARGIN (1.1): one thread; 15 % faster: two
    measure, _ = fake({1: [1e-3], 2: [two]})
    assert threads.choose(8, 8, 8, candidates=[1, 2], measure=measure, budget=1) == chosen
    t = threads.Tuner([1, 2])
    drive(t, lambda n, i: 1e-3 if n == 1 else two, 40)
    assert t.best() == chosen


def test_rounds_stop_at_the_budget_or_at_a_decisive_first_round():
    measure, calls = fake({1: [0.01], 2: [0.012]})
    threads.choose(8, 8, 8, candidates=[1, 2], measure=measure, budget=0.03, rounds=7)
    assert calls == [1, 2, 1, 2], "the second round passes the budget: no third"
    measure, calls = fake({1: [1e-4], 2: [0.08]})
    assert threads.choose(8, 8, 8, candidates=[1, 2], measure=measure, budget=10) == 1
    assert calls == [1, 2], "a 5x stall in the first round decides at once"


@pytest.fixture(autouse=True)
def no_pins(monkeypatch):
    """No pin in the environment (the suite's conftest sets OPENBLAS_NUM_THREADS)."""
    for name in (threads.ENV, *threads.LIBRARY_ENV):
        monkeypatch.delenv(name, raising=False)


def test_a_library_variable_is_the_environments_choice(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    assert threads.resolve("auto", (32, 784, 256), measure=lambda c: 1 / 0) is None
    monkeypatch.setenv(threads.ENV, "2")
    assert threads.resolve("auto", (32, 784, 256)) == 2, "handin's own pin comes first"


def test_resolve_keeps_a_choice_for_ttl_seconds(monkeypatch):
    monkeypatch.setattr(threads, "_cache", {})
    clock = [100.0]
    measure, calls = fake({1: [1e-3], 2: [1e-4]})
    kw = dict(candidates=[1, 2], measure=measure, budget=1, rounds=1, now=lambda: clock[0])
    assert threads.resolve("auto", (32, 784, 256), **kw) == 2 and len(calls) == 2
    clock[0] += threads.TTL / 2
    assert threads.resolve("auto", (32, 784, 256), **kw) == 2 and len(calls) == 2
    assert threads.resolve("auto", (16, 784, 256), **kw) == 2 and len(calls) == 4, "new sizes"
    clock[0] += threads.TTL
    threads.resolve("auto", (32, 784, 256), **kw)
    assert len(calls) == 6, "measured again once the choice is older than TTL"


def test_the_environment_pins_the_number_without_measuring(monkeypatch):
    measure, calls = fake({1: [1.0], 2: [1.0]})
    monkeypatch.setenv(threads.ENV, "3")
    assert threads.resolve("auto", (32, 784, 256), measure=measure) == 3 and calls == []
    monkeypatch.setenv(threads.ENV, "two")
    with pytest.raises(ValueError, match="HANDIN_BLAS_THREADS must be an integer >= 1"):
        threads.resolve("auto", (32, 784, 256))


@pytest.mark.parametrize("bad", [0, -1, 1.5, "fast", True])
def test_a_bad_number_of_threads_is_named(bad):
    with pytest.raises(ValueError, match="threads must be 'auto', None or an integer >= 1"):
        threads.resolve(bad, (32, 784, 256))


def test_sizes_the_caller_rejects_are_not_measured():
    assert threads.resolve("auto", (32, -1, 256), measure=lambda c: 1 / 0) is None


def _blas_threads():
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_limit_holds_only_inside_its_block():
    before = _blas_threads()
    with threads.limit(1):
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == before
    with threads.limit(None):
        assert _blas_threads() == before


def test_fit_trains_on_the_threads_asked_and_names_a_bad_value(monkeypatch):
    seen = []
    monkeypatch.setattr(threads, "limit", lambda n: _record(seen, n))
    rng = np.random.default_rng(0)
    X, y = rng.random((40, 6)), rng.integers(0, 3, 40)
    handin.fit(X, y, X, y, hidden=4, epochs=1, threads=1)
    monkeypatch.setenv(threads.ENV, "2")
    handin.fit(X, y, X, y, hidden=4, epochs=1)
    assert seen == [1, 2]
    with pytest.raises(ValueError, match="threads must be"):
        handin.fit(X, y, X, y, hidden=4, epochs=1, threads=0)


_real_limit = threads.limit


def _record(seen, n):
    seen.append(n)
    return _real_limit(n)


# ------------------------------------------------------------ the Tuner (chunk by chunk)
def drive(tuner, per_step, chunks):
    """Pick and record ``chunks`` chunks of 10 steps taking ``per_step(threads, i)`` s each;
    the picks in order."""
    picks = []
    for i in range(chunks):
        n = tuner.pick()
        picks.append(n)
        tuner.record(n, steps=10, seconds=10 * per_step(n, i))
    return picks


def test_the_tuner_tries_each_candidate_in_turn_then_keeps_the_fastest():
    t = threads.Tuner([1, 2], warmup=2, explore_every=8)
    picks = drive(t, lambda n, i: 3e-4 if n == 1 else 3.5e-4, 20)
    assert picks[:4] == [1, 2, 1, 2], "warm-up: each candidate twice, in turn"
    assert t.best() == 1 and picks[4:].count(1) > picks[4:].count(2) >= 1


def test_the_tuner_waits_twice_as_long_after_each_losing_try_up_to_max_every():
    t = threads.Tuner([1, 2], explore_every=8)
    picks = drive(t, lambda n, i: 1e-4 if n == 2 else 1.2e-4, 68)[4:]
    tries = [i + 5 for i, n in enumerate(picks) if n == 1]     # pick numbers
    assert tries == [12, 29, 62], "after waits of 8, 16 and 32 chunks"
    assert t.wait == {1: 64, 2: 8}
    capped = threads.Tuner([1, 2], explore_every=8, max_every=32)
    picks = drive(capped, lambda n, i: 1e-4 if n == 2 else 1.2e-4, 300)[4:]
    tries = [i for i, n in enumerate(picks) if n == 1]
    assert max(b - a for a, b in zip(tries, tries[1:])) == 33 and capped.wait[1] == 32


def test_a_new_fastest_starts_the_waits_over():
    # one thread wins until chunk 100 (the other tried ever more rarely), then the
    # machine is quiet and two threads are twice as fast: found at the next try
    t = threads.Tuner([1, 2], explore_every=8, max_every=64)
    picks = drive(t, lambda n, i: (1e-4 if n == 1 else 2e-4) if i < 100 else
                  (1e-4 if n == 1 else 0.5e-4), 200)
    switched = next(i for i in range(100, 200) if picks[i:i + 5] == [2] * 5)
    assert switched <= 100 + 65 and t.best() == 2
    assert t.wait[2] == 8 and t.wait[1] >= 16, "one thread, now the slower, backs off in turn"


def test_the_tuner_follows_a_change_of_load():
    # two threads are faster until chunk 30; then the machine fills and they stall
    t = threads.Tuner([1, 2], explore_every=4)
    picks = drive(t, lambda n, i: (1e-4 if n == 2 else 3e-4) if i < 30 else
                  (1.2e-3 if n == 2 else 3e-4), 120)
    assert picks[25:30].count(2) == 5 and picks[-20:].count(1) >= 19


def test_the_tuner_ignores_empty_chunks_and_unknown_threads_and_names_bad_candidates():
    t = threads.Tuner([1, 2])
    t.record(1, steps=0, seconds=1.0)
    t.record(3, steps=5, seconds=1.0)
    assert t.tried == {1: 0, 2: 0} and t.best() == 1
    with pytest.raises(ValueError, match="candidates must be numbers of threads >= 1"):
        threads.Tuner([0, 2])


def test_pinned_says_what_is_left_to_measure(monkeypatch):
    assert threads.pinned("auto") == (True, None)
    assert threads.pinned(1) == (False, 1) and threads.pinned(None) == (False, None)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert threads.pinned("auto") == (False, None)
    monkeypatch.setenv(threads.ENV, "2")
    assert threads.pinned("auto") == (False, 2)
    with pytest.raises(ValueError, match="threads must be"):
        threads.pinned("many")


def test_the_gradient_check_runs_on_the_measured_threads(monkeypatch):
    """Chapter 2's large check (8 rows of 784 inputs, 256 hidden units) in float64: its many
    small products ran twenty times slower on two threads on a busy machine."""
    seen, shapes = [], []
    monkeypatch.setattr(threads, "limit", lambda n: _record(seen, n))
    real = threads.resolve
    monkeypatch.setattr(threads, "resolve",
                        lambda t, shape, **kw: shapes.append((t, shape, kw)) or real(t, shape, **kw))
    monkeypatch.setenv(threads.ENV, "1")
    rng = np.random.default_rng(0)
    X, y = rng.random((8, 30)), rng.integers(0, 3, 8)
    assert handin.gradient_check(X, y, handin.init_params(30, 5, 3, seed=0)).passed(1e-7)
    assert seen == [1] and shapes == [("auto", (8, 30, 5), {"dtype": np.float64})]


def test_nothing_the_book_runs_writes_the_environment():
    """handin and the chapters read the environment (HANDIN_BLAS_THREADS) but never set a
    variable behind the student's back: no os.environ[...] =, .setdefault, .update, .pop,
    os.putenv."""
    import ast
    import pathlib
    root = pathlib.Path(handin.__file__).parents[1]
    files = [*(root / "handin").rglob("*.py"),
             *(p for folder in ("notebooks", "solutions", "student")
               for p in (root / folder).glob("[0-9][0-9]_*.py"))]
    writes = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = ast.unparse(node) if isinstance(node, (ast.Assign, ast.Call, ast.Delete)) else ""
            if (isinstance(node, (ast.Assign, ast.Delete)) and "environ[" in text) or (
                    isinstance(node, ast.Call) and any(f"{name}(" in text.split("\n")[0] for name in (
                        "environ.setdefault", "environ.update", "environ.pop", "os.putenv"))):
                writes.append(f"{path.relative_to(root)}:{node.lineno}: {text[:80]}")
    assert len(files) > 40 and not writes, "\n".join(writes)


def test_fit_tunes_its_threads_on_its_own_chunks(monkeypatch, counting_tuner):
    """threads="auto", no pin: fit trains in chunks of TUNE_SECONDS of steps (here 0: a
    step each), each on the Tuner's pick, records the chunks without an evaluation, and
    calls back once an epoch; the trained numbers are those of a run on one thread."""
    picked = counting_tuner.picked
    monkeypatch.setattr(handin.train, "TUNE_SECONDS", 0.0)
    rng = np.random.default_rng(0)
    X, y = rng.random((200, 12)).astype(np.float32), rng.integers(0, 3, 200)
    calls = []
    params, h = handin.fit(X, y, X, y, hidden=8, batch_size=4, epochs=2,
                           callback=lambda p: calls.append(p.epoch_end))
    assert len(picked) == 2 * 50 + 1 and set(picked) == {1, 2}     # 50 batches an epoch
    assert [steps for _, steps in counting_tuner.recorded] == [1] * (2 * 49), (
        "every chunk but the epochs' last ones")
    assert calls == [True, True]
    assert len(counting_tuner.cpu) == 2 * 49 and all(0 <= c < 60 for c in counting_tuner.cpu), (
        "each chunk's CPU time of the training thread")
    one, h1 = handin.fit(X, y, X, y, hidden=8, batch_size=4, epochs=2, threads=1)
    assert len(picked) == 2 * 50 + 1, "a number of threads is not tuned"
    for k in params:
        np.testing.assert_allclose(params[k], one[k], rtol=1e-6, atol=1e-7)


def test_a_tuned_chunk_lasts_its_time_not_a_number_of_steps(monkeypatch, counting_tuner):
    monkeypatch.setattr(handin.train, "TUNE_SECONDS", 3600.0)
    rng = np.random.default_rng(0)
    X, y = rng.random((200, 12)).astype(np.float32), rng.integers(0, 3, 200)
    handin.fit(X, y, X, y, hidden=8, batch_size=4, epochs=2)
    assert counting_tuner.recorded == [], (
        "an hour's budget: each chunk runs to its epoch's end (not recorded)")
    assert len(counting_tuner.picked) == 2 + 1, "a chunk an epoch, and the end"


# ------------------------------------------------- share(): the student's own products
def blas_threads():
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


@pytest.fixture
def shell():
    """A real IPython shell, whose run_cell fires pre_run_cell like a kernel's; share() off
    and the threads put back after the test."""
    from IPython.core.interactiveshell import InteractiveShell

    before = blas_threads()
    ip = InteractiveShell.instance()
    yield ip
    threads.share(False)
    InteractiveShell.clear_instance()
    assert blas_threads() == before


def test_share_applies_the_measured_choice_before_every_cell(monkeypatch, shell):
    choices = iter([1, 1, 2, 1])
    asked = []

    def resolve(t, shape, *, dtype):
        asked.append((t, shape, np.dtype(dtype).name))
        return next(choices)
    monkeypatch.setattr(threads, "resolve", resolve)
    before = blas_threads()
    threads.share(shell=shell)
    assert blas_threads() == {1} and asked == [("auto", (32, 784, 256), "float64")]
    shell.run_cell("x = 1")
    assert blas_threads() == {1}
    shell.run_cell("x = 2")
    assert blas_threads() == {2}, "measured again before the cell"
    with threads.limit(1):                           # fit and the explorer nest inside it
        assert blas_threads() == {1}
    assert blas_threads() == {2}
    threads.share(False)
    shell.run_cell("x = 3")
    assert len(asked) == 3 and blas_threads() == before, "off: no hook, the number put back"


def test_share_twice_keeps_one_hook(monkeypatch, shell):
    calls = []
    monkeypatch.setattr(threads, "resolve", lambda *a, **k: calls.append(1) or 1)
    threads.share(shell=shell)
    threads.share(shell=shell)
    shell.run_cell("x = 1")
    assert len(calls) == 3, "one measurement per share() and one per cell"


def test_share_follows_the_pin_and_leaves_a_library_variable_alone(monkeypatch, shell):
    monkeypatch.setattr(threads, "choose", lambda *a, **k: pytest.fail("measured"))
    monkeypatch.setenv(threads.ENV, "1")
    threads.share(shell=shell)
    assert blas_threads() == {1}
    threads.share(False)
    monkeypatch.delenv(threads.ENV)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    before = blas_threads()
    with threads.limit(1):
        threads.share(shell=shell)                   # the environment chose: not touched
        assert blas_threads() == {1}
        threads.share(False)
    assert blas_threads() == before
