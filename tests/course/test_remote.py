"""The grader's view of a student's function (handin.course.remote, handin.course._rpc):
every self-check gives the same verdict, word for word, on a function reached through the
JSON wire as on the function itself; the wire carries plain data only."""

import functools
import json
import math
import sys
import pathlib

import numpy as np
import pytest

from handin import course
from handin.course import _rpc, remote
from handin.course.nbgrader import HIDDEN_SEED_POOL
from handin.course.remote import Remote, local_channel

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))   # tests/test_layers.py

import test_layers  # noqa: E402
import test_selfcheck as ts  # noqa: E402
import test_selfcheck_draw as tsd  # noqa: E402
import test_selfcheck_backprop as tsb  # noqa: E402
import test_selfcheck_init as tsi  # noqa: E402


def named(fn, name):
    """``fn`` under the name a student would give it."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    wrapper.__name__ = name
    return wrapper


def _cases():
    for check, make, bugs in ts.CASES:
        for bug in (None, *bugs):
            yield check.__name__, make(bug), bug
    for bug in (None, *ts.SOFTMAX_BUGS):
        yield "check_softmax_loss", ts.make_softmax_loss(bug), bug
    for check, make, bugs in ts.METRICS_BUGS:
        for bug in (None, *bugs):
            yield check.__name__, make(bug), bug
    for bug in (None, *ts.EPOCH_BUGS):
        yield "check_epoch", ts.make_epoch(bug), bug
    for bug in (None, *ts.LINEAR_BUGS):
        yield "check_linear_cost_grad", ts.make_linear(bug), bug
    for bug in (None, *tsi.HE_BUGS):
        yield "check_he_init", named(functools.partial(tsi.he_init, bug=bug), "my_he_init"), bug
    for bug in (None, *tsi.DEAD_BUGS):
        yield "check_dead_units", named(functools.partial(tsi.dead_units, bug=bug),
                                        "my_dead_units"), bug
    for bug in (None, *tsd.BUGS):
        yield "check_centring_shift", tsd.make_centring_shift(bug), bug
    for name, (_, make, bugs) in tsb.MAKERS.items():     # chapter 8: one right, two mistakes
        for bug in (None, *list(bugs)[:2]):
            yield name, make(bug), bug


CASES = list(_cases())


@pytest.mark.parametrize("check, fn, bug", CASES,
                         ids=[f"{c}-{b}" for c, _, b in CASES])
@pytest.mark.parametrize("seed", [0, 11])
def test_every_check_says_the_same_of_a_function_in_the_kernel_as_of_the_function(
        check, fn, bug, seed):
    name = fn.__name__
    here = getattr(course, check)(fn, seed=seed)
    kernel = {name: fn, "my_gradient": ts.my_gradient}   # check_epoch's my_epoch steps along it
    there = getattr(course, check)(Remote(local_channel(kernel), name), seed=seed)
    assert (there.ok, str(there)) == (here.ok, str(here))
    assert here.ok == (bug is None)


def test_a_stub_an_exception_and_an_object_come_back_as_the_students():
    def my_cost(X, y, params, c):
        raise NotImplementedError("write the body of my_cost")

    def my_forward(X, params):
        raise ValueError("shapes (5,6) and (4,4) not aligned")
    ns = {"my_cost": my_cost, "my_forward": my_forward}
    report = str(course.check_cost(Remote(local_channel(ns), "my_cost")))
    assert "write my_cost first" in report
    report = str(course.check_forward(Remote(local_channel(ns), "my_forward")))
    assert "my_forward raised ValueError: shapes (5,6) and (4,4) not aligned" in report
    layer = Remote(local_channel({"Linear": test_layers.linear_with()}), "Linear")(
        np.eye(2), np.zeros(2), 0.5)
    assert isinstance(layer, Remote) and layer.c == 0.5
    assert np.array_equal(layer.forward(np.ones((1, 2))), [[1.0, 1.0]])
    assert layer.backward.__name__ == "Linear.backward"


def test_a_generator_goes_over_in_its_state_and_a_draw_from_the_global_one_is_mirrored():
    def draws(rng):
        return rng.normal(size=3)

    def global_draw():
        return float(np.random.random())
    g = Remote(local_channel({"draws": draws}), "draws")
    assert np.array_equal(g(np.random.default_rng(5)), np.random.default_rng(5).normal(size=3))
    before = _rpc._global_rng()
    f = Remote(lambda request: {"ok": 0.5, "moved_global_rng": True}, "global_draw")
    assert f() == 0.5 and _rpc._global_rng() != before     # the kernel drew: so does the grader
    before = _rpc._global_rng()
    Remote(lambda request: {"ok": 0.5, "moved_global_rng": False}, "g")()
    assert _rpc._global_rng() == before
    answer = _rpc.answer({"op": "call", "target": {"name": "global_draw"}},
                         {"global_draw": global_draw})
    assert answer["moved_global_rng"] is True and isinstance(answer["ok"], float)


@pytest.mark.parametrize("data, words", [
    ({"__a__": ["|O", [1], "AAAAAAAAAAA="]}, "dtype"),
    ({"__a__": ["<f8", [3], "AAAAAAAAAAA="]}, "does not fill"),
    ({"__x__": 1}, "unknown tag"),
    ({"a": 1, "b": 2}, "unexpected dict"),
    ({"__g__": {"__d__": [["bit_generator", "Evil"]]}}, "unknown generator"),
    ({"__d__": [[[1], 2]]}, "unhashable"),
])
def test_the_wire_refuses_anything_but_plain_data(data, words):
    with pytest.raises(_rpc.WireError, match=words):
        _rpc.decode(data)
    deep = 1
    for _ in range(40):
        deep = [deep]
    with pytest.raises(_rpc.WireError, match="deeply"):
        _rpc.decode(deep)


def test_values_that_are_not_data_stay_in_the_kernel_and_a_bad_answer_is_no_answer():
    class Thing:
        pass
    got = Remote(local_channel({"make": Thing}), "make")()
    assert isinstance(got, Remote)
    with pytest.raises(_rpc.WireError):
        _rpc.encode(object())
    bad = Remote(lambda request: {"ok": {"__a__": ["|O", [1], ""]}}, "my_forward")
    with pytest.raises(remote.NoAnswer, match="returned an array of dtype object"):
        bad(1)
    report = str(course.check_forward(bad))
    assert report.startswith("✗ my_forward: my_forward raised NoAnswer: my_forward returned "
                             "an array of dtype object, not data."), report
    nan = _rpc.decode(json.loads(json.dumps(_rpc.encode((float("nan"), -math.inf)))))
    assert math.isnan(nan[0]) and nan[1] == -math.inf


def test_the_kernel_says_which_switched_off_function_was_reached():
    answer = {"reached": ["handin.backward"], "moved_global_rng": False}
    report = str(course.check_backward(Remote(lambda request: answer, "my_backward")))
    assert report.startswith("✗ my_backward: my_backward calls handin.backward: write it yourself.")


@pytest.mark.parametrize("check, fn", [(c, f) for c, f, bug in CASES if bug is None],
                         ids=[c for c, _, bug in CASES if bug is None])
def test_right_code_passes_on_every_seed_a_course_may_draw_for_its_hidden_problems(check, fn):
    failed = {seed: str(result) for seed in HIDDEN_SEED_POOL
              for result in [getattr(course, check)(fn, seed=seed)] if not result.ok}
    assert failed == {}
