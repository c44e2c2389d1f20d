"""handin.course.selfcheck: each hint fires on an implementation with that bug, and only there."""

import types

import numpy as np
import pytest

import handin
from handin import model
from handin.course import selfcheck, selfcheck_metrics, selfcheck_training
from handin.model import log_softmax, one_hot, relu, softmax
from handin.course import check_backward, check_cost, check_forward
from handin.course.remote import Remote, local_channel
from handin.course.selfcheck import StubLeft


# ---- implementations with one bug each (bug=None is the reference written out) ----

def make_forward(bug=None):
    def my_forward(X, params):
        W1, b1, W2, b2 = (params[k] for k in model.PARAM_NAMES)
        Z1 = X @ W1 + (0 if bug == "no b1" else b1)
        A1 = Z1 if bug == "no relu" else relu(Z1)
        Z2 = (Z1 if bug == "Z2 from Z1" else A1) @ W2 + (0 if bug == "no b2" else b2)
        if bug == "unstable":
            E = np.exp(Z2)
            P = E / E.sum(axis=1, keepdims=True)
        elif bug == "axis 0":
            P = np.exp(Z2) / np.exp(Z2).sum(axis=0, keepdims=True)
        else:
            P = softmax(Z2)
        out = {"X": X, "Z1": Z1, "A1": A1, "Z2": Z2, "P": P}
        return {k: v.T for k, v in out.items()} if bug == "transposed" else out
    return my_forward


def make_cost(bug=None):
    def my_cost(X, y, params, c):
        Z2 = model.forward(X, params)["Z2"]
        if bug == "log of P":
            logp = np.log(softmax(Z2))[np.arange(len(y)), y]
        else:
            logp = log_softmax(Z2)[np.arange(len(y)), y]
        data = {"sum": -logp.sum(), "sign": logp.mean(), "per sample": -logp}.get(bug, -logp.mean())
        W = np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2)
        b = np.sum(params["b1"] ** 2) + np.sum(params["b2"] ** 2)
        decay = {"no decay": 0.0, "decay biases": c * (W + b), "2c": 2 * c * W}.get(bug, c * W)
        return data + decay
    return my_cost


def make_backward(bug=None):
    def my_backward(cache, y, params, c):
        X, Z1, A1, P = cache["X"], cache["Z1"], cache["A1"], cache["P"]
        W1, W2 = params["W1"], params["W2"]
        n, k = P.shape
        dZ2 = (P - one_hot(y, k)) / (1 if bug == "no 1/n" else n)
        f = {"cW": 1, "4cW": 4, "no decay": 0}.get(bug, 2)
        dW2 = A1.T @ dZ2 + f * c * W2
        db2 = {"b2 axis 1": lambda: dZ2.sum(axis=1), "b2 keepdims": lambda: dZ2.sum(0, keepdims=True),
               "b2 mean": lambda: dZ2.mean(axis=0)}.get(bug, lambda: dZ2.sum(axis=0))()
        dA1 = dZ2 @ W2.T
        mask = {"mask dA1": dA1 > 0, "no mask": 1.0, "mask A1": A1}.get(bug, Z1 > 0)
        dZ1 = dA1 * (X > 0) if bug == "mask X" else dA1 * mask
        dW1 = dZ1.T @ X if bug == "dW1 transposed" else X.T @ dZ1 + f * c * W1
        db1 = dZ1.sum(axis=1) if bug == "b1 axis 1" else dZ1.sum(axis=0)
        if bug == "decay biases":
            db1, db2 = db1 + 2 * c * params["b1"], db2 + 2 * c * params["b2"]
        return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    return my_backward


# ---- the reference passes ----

@pytest.mark.parametrize("check, fn", [(check_forward, make_forward()), (check_cost, make_cost()),
                                       (check_backward, make_backward())])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_the_reference_passes(check, fn, seed):
    result = check(fn, seed=seed)
    assert result.ok, str(result)
    assert str(result).startswith("✓ ") and repr(result) == str(result)
    assert result.assert_passes() is result


def test_a_failed_check_raises_its_report_when_graded():
    result = check_backward(make_backward("cW"))
    with pytest.raises(selfcheck.CheckFailed, match="the decay term of dW1 is c W1: that is not"):
        result.assert_passes()
    assert issubclass(selfcheck.CheckFailed, AssertionError)


# ---- hard-coded answers and handin's own functions fail ----

def test_answers_hard_coded_for_the_visible_problems_fail_on_other_seeds():
    X, y, params = selfcheck.problem()
    answer = model.backward(model.forward(X, params), y, params, 0.1)

    def my_backward(cache, y, params, c):      # right for the visible problem only
        return answer

    assert not check_backward(my_backward, seed=0).ok    # (wrong for n = 1 already)
    X1, _, p1 = selfcheck.problem(1, seed=0)
    seen = {k: model.forward(X1, p1)[k] for k in ("Z1", "A1", "Z2", "P")}
    assert not check_forward(lambda X, params: {"X": X, **seen}, seed=5).ok


@pytest.mark.parametrize("check, fn, called", [
    (check_forward, model.forward, "handin.forward"),
    (check_forward, lambda X, p: handin.forward(X, p), "handin.forward"),
    (check_cost, model.cost, "handin.cost"),
    (check_cost, lambda X, y, p, c: handin.cost_grad(X, y, p, c)[0], "handin.cost_grad"),
    (check_cost, lambda X, y, p, c: model.cross_entropy(model.forward(X, p)["Z2"], y)
     + c * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2)), "handin.model.cross_entropy"),
    (check_backward, model.backward, "handin.backward"),
    (check_backward, lambda cache, y, p, c: model.backward(cache, y, p, c), "handin.backward"),
    (selfcheck.check_softmax_loss, lambda Z, y: (model.cross_entropy(Z, y), 0 * Z),
     "handin.model.cross_entropy"),
])
def test_a_call_into_handins_own_version_fails_the_check(check, fn, called):
    result = check(fn)
    assert not result.ok
    assert f"calls {called}: write it yourself" in str(result), str(result)


def test_the_tripwire_sees_imported_names_and_swallowed_errors_and_restores_everything():
    # as in a notebook: `from handin import backward` puts the name in the student's globals,
    # and the call is wrapped in a try that swallows any error
    namespace = {}
    exec("from handin import backward\n"
         "def my_backward(cache, y, params, c):\n"
         "    try:\n        return backward(cache, y, params, c)\n"
         "    except BaseException:\n        return None\n", namespace)
    before = (handin.backward, model.backward, model.cost_grad)
    result = check_backward(namespace["my_backward"])
    assert "my_backward calls handin.backward: write it yourself" in str(result)
    assert (handin.backward, model.backward, model.cost_grad) == before
    assert namespace["backward"] is model.backward
    assert check_backward(make_backward()).ok     # the check's own reference calls are free


def test_the_problems_make_the_bugs_visible():
    X, y, params = selfcheck.problem()
    cache = model.forward(X, params)
    dA1 = (cache["P"] - one_hot(y, 3)) / len(X) @ params["W2"].T
    assert (cache["Z1"] > 0).any() and (cache["Z1"] < 0).any()        # Z1 has both signs
    assert ((dA1 > 0) != (cache["Z1"] > 0)).any()                      # the two masks differ
    assert np.all(params["b1"] != 0) and np.all(params["b2"] != 0)     # biases not zero
    assert len(set(X.shape) | {params["W1"].shape[1], params["W2"].shape[1]}) == 4
    Xl, _, pl = selfcheck.problem(logit_scale=1000.0)
    assert np.abs(model.forward(Xl, pl)["Z2"]).max() > 710             # exp overflows


# ---- every hint fires on its bug ----

FORWARD_BUGS = {
    "no b1": "Z1 is missing the bias b1",
    "no relu": "the ReLU is missing",
    "no b2": "Z2 is missing the bias b2",
    "Z2 from Z1": "use the activations A1",
    "axis 0": "softmax over the wrong axis",
    "unstable": "the softmax is not stabilised",
    "transposed": "it is transposed",
}

COST_BUGS = {
    "sum": "summed over the samples, not averaged",
    "sign": "wrong sign",
    "per sample": "must return one number, got an array of shape (5,)",
    "no decay": "no weight decay term",
    "decay biases": "the biases are decayed too",
    "2c": "the decay term is 2 times the decay term of J",
    "log of P": "log-sum-exp",
}

BACKWARD_BUGS = {
    "no 1/n": "every gradient is n = 5 times too big: the 1/n is missing",
    "b2 mean": "db2 is n = 5 times too small",
    "cW": "the decay term of dW1 is c W1: that is not the derivative of c ||W1||²",
    "4cW": "the decay term of dW1 is 4 c W1: that is not the derivative of c ||W1||²",
    "no decay": "dW1 has no decay term",
    "decay biases": "the bias is decayed: db1 changes by 2 c b1",
    "dW1 transposed": "dW1 has shape (4, 6) but must have the shape of W1 = (6, 4): it is transposed",
    "b2 axis 1": "db2 has shape (5,) but must have the shape of b2 = (3,): summed over the wrong axis",
    "b2 keepdims": "db2 has shape (1, 3) but must have the shape of b2 = (3,): kept 2-D",
    "b1 axis 1": "db1 has shape (5,) but must have the shape of b1 = (4,): summed over the wrong axis",
    "mask dA1": "the ReLU mask is taken from dA1, not from the forward pass: dW1 is exactly",
    "no mask": "the ReLU mask is missing: dW1 is exactly what dA1 without a mask gives",
    "mask A1": "dA1 is multiplied by A1, the ReLU's output, not by its derivative: dW1 is",
    "mask X": "operands could not be broadcast",
}


CASES = [(check_forward, make_forward, FORWARD_BUGS), (check_cost, make_cost, COST_BUGS),
         (check_backward, make_backward, BACKWARD_BUGS)]


@pytest.mark.parametrize("check, make, bugs, bug",
                         [(c, m, bugs, b) for c, m, bugs in CASES for b in bugs],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_each_bug_fails_with_its_hint_and_no_other(check, make, bugs, bug):
    result = check(make(bug))
    assert not result.ok
    report = str(result)
    assert report.startswith("✗ my_") and bugs[bug] in report, report
    assert not [hint for b, hint in bugs.items() if b != bug and hint in report], report


def test_missing_1_over_n_says_it_hides_at_n_equal_1():
    assert "With a single sample it is right" in str(check_backward(make_backward("no 1/n")))


def test_a_stub_says_which_function_to_write():
    def my_backward(cache, y, params, c):
        raise NotImplementedError("write the body of my_backward(cache, y, params, c)")

    def my_cost(X, y, params, c):
        return my_forward(X, params)["P"].sum()

    def my_forward(X, params):
        raise NotImplementedError("write the body of my_forward(X, params)")

    # in the student's notebook the check stops Run All with the stub's own message ...
    with pytest.raises(StubLeft, match=r"^write the body of my_backward\(cache, y, params, c\)$"):
        check_backward(my_backward)
    # ... my_cost calls a stub: the message is the stub's, not my_cost's
    with pytest.raises(StubLeft, match=r"^write the body of my_forward\(X, params\)$") as stop:
        check_cost(my_cost)
    # ... shown alone, without the frames of the check that found it
    assert stop.value._render_traceback_()[0] == \
        "NotImplementedError: write the body of my_forward(X, params)"
    # graded, through the wire, the stub is a failed part with its report
    ns = {"my_backward": my_backward, "my_cost": my_cost, "my_forward": my_forward}
    result = check_backward(Remote(local_channel(ns), "my_backward"))
    assert not result.ok
    assert str(result) == ("✗ my_backward: write my_backward first: "
                           "it still raises NotImplementedError.")
    assert str(check_cost(Remote(local_channel(ns), "my_cost"))).startswith(
        "✗ my_cost: write my_forward first")


def test_a_crash_is_reported_in_one_line_with_a_shape_hint():
    def my_forward(X, params):
        return {"Z1": params["W1"] @ X}

    result = check_forward(my_forward)
    assert not result.ok and "my_forward raised ValueError: matmul" in str(result)
    assert "Check the shapes" in str(result) and "Traceback" not in str(result)


def test_missing_keys_and_non_functions():
    assert "keys W1, b1, W2, b2" in str(check_backward(lambda cache, y, p, c: {"dW1": 0}))
    with pytest.raises(TypeError, match="fn must be a function"):
        check_cost(3.0)


def test_no_warnings_escape(recwarn):
    check_forward(make_forward("unstable"))
    check_cost(make_cost("log of P"))
    assert len(recwarn) == 0


# ---- chapter 1: the softmax cross-entropy, loops then vectorised ----

def make_softmax_loss(bug=None):
    def softmax_loss(Z, y):
        n, k = Z.shape
        if bug == "unstable":
            P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
            loss = -np.log(P[np.arange(n), y]).mean()
        elif bug == "axis 0":
            P = np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(axis=0, keepdims=True)
            loss = -np.log(P[np.arange(n), y]).mean()
        else:     # written out: the check does not allow handin's log_softmax here
            S = Z - Z.max(axis=1, keepdims=True)
            log_P = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
            P, loss = np.exp(log_P), -log_P[np.arange(n), y].mean()
        loss = {"sum": n * loss, "sign": -loss}.get(bug, loss)
        dZ = {"no 1/n": P - one_hot(y, k), "no Y": P / n, "Y - P": (one_hot(y, k) - P) / n,
              "transposed": ((P - one_hot(y, k)) / n).T}.get(bug, (P - one_hot(y, k)) / n)
        return loss, dZ
    return softmax_loss


SOFTMAX_BUGS = {"sum": "n times too large: a sum", "sign": "the loss has the wrong sign",
                "axis 0": "normalises the columns", "no 1/n": "1/n of the mean is missing",
                "no Y": "the -1 at each sample's label is missing",
                "Y - P": "dZ has the wrong sign", "transposed": "it is transposed",
                "unstable": "not stabilised"}


@pytest.mark.parametrize("bug", sorted(SOFTMAX_BUGS))
def test_each_softmax_loss_bug_fails_with_its_hint_and_no_other(bug):
    assert selfcheck.check_softmax_loss(make_softmax_loss()).ok
    result = selfcheck.check_softmax_loss(make_softmax_loss(bug))
    assert not result.ok
    text = str(result)
    assert SOFTMAX_BUGS[bug] in text, text
    assert not [w for b, w in SOFTMAX_BUGS.items() if b != bug and w in text], text


def test_the_softmax_loss_check_wants_a_pair():
    result = selfcheck.check_softmax_loss(lambda Z, y: float(Z.sum()))
    assert not result.ok and "must return a pair (loss, dZ)" in str(result)


# ---- chapter 4: the confusion matrix and the most confident mistakes ----

def make_confusion_matrix(bug=None):
    def my_confusion_matrix(y_true, y_pred, n_classes):
        k = int(max(y_true.max(), y_pred.max())) + 1 if bug == "labels seen" else n_classes
        C = np.zeros((k, k), dtype=int)
        rows, cols = (y_pred, y_true) if bug == "transposed" else (y_true, y_pred)
        if bug == "no repeats":
            C[rows, cols] = 1           # fancy assignment adds each pair once only
        else:
            np.add.at(C, (rows, cols), 1)
        return C
    return my_confusion_matrix


def make_confident_mistakes(bug=None):
    def my_confident_mistakes(P, y, n=None):
        pred = P.argmax(axis=1)
        wrong = np.arange(len(y)) if bug == "all samples" else np.flatnonzero(pred != y)
        conf = P[wrong, y[wrong]] if bug == "true class" else P[wrong, pred[wrong]]
        order = np.argsort(conf if bug == "ascending" else -conf, kind="stable")
        return wrong[order] if bug == "n ignored" else wrong[order][:n]
    return my_confident_mistakes


METRICS_BUGS = [
    (selfcheck_metrics.check_confusion_matrix, make_confusion_matrix, {
        "transposed": "C is transposed", "labels seen": "Size it by n_classes",
        "no repeats": "samples in all"}),
    (selfcheck_metrics.check_confident_mistakes, make_confident_mistakes, {
        "all samples": "samples the network got right", "true class": "probability of the true class",
        "ascending": "least confident mistakes come first", "n ignored": "with n = 3 it returns"}),
]


@pytest.mark.parametrize("check, make, bug, words", [
    (check, make, bug, words) for check, make, bugs in METRICS_BUGS for bug, words in bugs.items()])
@pytest.mark.parametrize("seed", [0, 11])
def test_each_metrics_bug_fails_with_its_hint(check, make, bug, words, seed):
    assert check(make(), seed=seed).ok
    result = check(make(bug), seed=seed)
    assert not result.ok and words in str(result), str(result)


def test_the_metrics_checks_refuse_handins_own():
    from handin import metrics

    result = selfcheck_metrics.check_confusion_matrix(
        lambda y_true, y_pred, k: metrics.confusion_matrix(y_true, y_pred, k))
    assert "calls handin.metrics.confusion_matrix: write it yourself" in str(result)
    result = selfcheck_metrics.check_confident_mistakes(metrics.confident_mistakes)
    assert "calls handin.metrics.confident_mistakes: write it yourself" in str(result)


# ---- chapter 3: one epoch of mini-batch SGD ----

def my_gradient(X, y, params, c):
    """The chapter's my_gradient, as check_epoch finds it beside my_epoch (these globals)."""
    return model.cost_grad(X, y, params, c)[1]


def with_gradient(fn, grad):
    """``fn`` whose global ``my_gradient`` is ``grad`` (as if its notebook defined that)."""
    return types.FunctionType(fn.__code__, {**fn.__globals__, "my_gradient": grad},
                              fn.__name__, fn.__defaults__, fn.__closure__)


def make_epoch(bug=None):
    def my_epoch(params, X, y, lr, c, batch_size, rng):
        perm = np.arange(len(X)) if bug == "no shuffle" else rng.permutation(len(X))
        stop = len(X) - len(X) % batch_size if bug == "drop last" else len(X)
        for start in range(0, stop, batch_size):
            idx = perm if bug == "full batch" else perm[start:start + batch_size]
            grads = my_gradient(X[idx], y[idx], params, 0.0 if bug == "no decay" else c)
            step = -lr if bug == "uphill" else lr
            if bug != "unchanged":
                params = {k: params[k] - step * grads[k] for k in params}
        return params
    return my_epoch


EPOCH_BUGS = {"no shuffle": "not shuffled", "drop last": "short last batch is dropped",
              "uphill": "goes uphill", "no decay": "weight decay is missing",
              "full batch": "whole training set", "unchanged": "parameters unchanged"}


# pieces of a correct my_epoch: a hint names the mistake and the section, it does not print them
EPOCH_CODE = ("params[k]", "grads[k]", "rng.permutation", "range(", "perm[", "X[idx]",
              "cost_grad(", "- lr")


@pytest.mark.parametrize("bug", sorted(EPOCH_BUGS))
@pytest.mark.parametrize("seed", [0, 11])
def test_each_epoch_bug_fails_with_its_hint_and_no_other(bug, seed):
    assert selfcheck_training.check_epoch(make_epoch(), seed=seed).ok
    text = str(selfcheck_training.check_epoch(make_epoch(bug), seed=seed))
    assert text.startswith("✗") and EPOCH_BUGS[bug] in text, text
    assert not [w for b, w in EPOCH_BUGS.items() if b != bug and w in text], text
    assert "Chapter 3, section 2" in text and not [c for c in EPOCH_CODE if c in text], text


@pytest.mark.parametrize("seed", [0, 11])
def test_the_epochs_reference_along_handins_gradient_is_one_epoch_of_fit(seed):
    params, X, y = selfcheck_training.epoch_problem(seed=seed)
    perm = np.random.default_rng(seed).permutation(len(X))
    mine = selfcheck_training._epoch(params, X, y, 0.5, 0.01, 5, perm, my_gradient)
    fit, _ = handin.fit(X, y, X, y, hidden=params["b1"].size, lr=0.5, c=0.01, batch_size=5,
                        epochs=1, seed=seed, dtype=np.float64, init=params)
    assert all(np.allclose(mine[k], fit[k], rtol=1e-12, atol=1e-12) for k in fit)


def _gradient_without_decay(X, y, params, c):
    return my_gradient(X, y, params, 0.0)


def test_the_epoch_is_graded_on_the_students_gradient_and_notes_a_wrong_one():
    right = str(selfcheck_training.check_epoch(make_epoch()))
    assert right.startswith("✓") and "Note" not in right, right
    text = str(selfcheck_training.check_epoch(with_gradient(make_epoch(), _gradient_without_decay)))
    assert text.startswith("✓") and "my_gradient is not the gradient of J" in text, text


def test_an_epoch_that_ignores_the_students_gradient_fails():
    def my_epoch(params, X, y, lr, c, batch_size, rng):
        return make_epoch()(params, X, y, lr, c, batch_size, rng)   # handin's gradient, always

    text = str(selfcheck_training.check_epoch(with_gradient(my_epoch, _gradient_without_decay)))
    assert text.startswith("✗") and "handin's gradient, not your my_gradient" in text, text


def test_an_epoch_without_my_gradient_is_told_to_define_it():
    fn = types.FunctionType(make_epoch().__code__, {"np": np}, "my_epoch", None,
                            make_epoch().__closure__)
    text = str(selfcheck_training.check_epoch(fn))
    assert text.startswith("✗") and "no function my_gradient(X, y, params, c)" in text, text


def test_a_stub_in_the_students_gradient_is_named():
    def stubbed(X, y, params, c):
        raise NotImplementedError("paste the body of your my_forward from Chapter 2")

    with pytest.raises(selfcheck.StubLeft, match="paste the body of your my_forward"):
        selfcheck_training.check_epoch(with_gradient(make_epoch(), stubbed))


def test_a_gradient_that_returns_the_cost_too_is_named():
    text = str(selfcheck_training.check_epoch(with_gradient(make_epoch(), model.cost_grad)))
    assert text.startswith("✗") and "my_gradient returns a pair" in text, text


def test_an_epoch_with_an_unnamed_mistake_gets_the_section_not_the_code():
    def my_epoch(params, X, y, lr, c, batch_size, rng):
        return {k: v * 1.01 for k, v in make_epoch()(params, X, y, lr, c, batch_size, rng).items()}

    text = str(selfcheck_training.check_epoch(my_epoch))
    assert "differ from one epoch of SGD along my_gradient" in text and "Chapter 3, section 2" in text
    assert not [c for c in EPOCH_CODE if c in text], text


def test_the_epoch_check_refuses_handins_fit():
    def my_epoch(params, X, y, lr, c, batch_size, rng):
        return handin.fit(X, y, X, y, hidden=4, lr=lr, c=c, batch_size=batch_size, epochs=1,
                          init=params, dtype=np.float64)[0]

    assert "my_epoch calls handin.fit: write it yourself" in str(
        selfcheck_training.check_epoch(my_epoch))


# ---- chapter 7: the linear classifier's cost and gradient ----

def make_linear(bug=None):
    def my_linear_cost_grad(X, y, params, c):
        W, b = params["W"], params["b"]
        n, k = len(X), W.shape[1]
        Z = X @ W + b
        J = -log_softmax(Z)[np.arange(n), y].mean() + c * np.sum(W ** 2)
        J = J + (c * np.sum(b ** 2) if bug == "decay in J" else 0)
        dZ = (softmax(Z) - one_hot(y, k)) / (1 if bug == "no 1/n" else n)
        dW = X.T @ dZ + {"cW": 1, "no decay": 0}.get(bug, 2) * c * W
        db = dZ.sum(axis=1) if bug == "b axis 1" else dZ.sum(axis=0)
        db = db + 2 * c * b if bug == "decay b" else db
        return J, {"W": dW.T if bug == "transposed" else dW, "b": db}
    return my_linear_cost_grad


LINEAR_BUGS = {"no 1/n": "the 1/n is missing", "cW": "the decay term of dW is c W: that is not",
               "no decay": "dW has no decay term", "decay b": "the bias is decayed",
               "b axis 1": "summed over the wrong axis", "transposed": "it is transposed",
               "decay in J": "the cost's decay term is wrong"}


@pytest.mark.parametrize("bug", sorted(LINEAR_BUGS))
def test_each_linear_gradient_bug_fails_with_its_hint(bug):
    assert selfcheck.check_linear_cost_grad(make_linear(), seed=11).ok
    text = str(selfcheck.check_linear_cost_grad(make_linear(bug)))
    assert text.startswith("✗") and LINEAR_BUGS[bug] in text, text
    assert not [w for b, w in LINEAR_BUGS.items() if b != bug and w in text], text


def test_the_linear_check_refuses_handins_own():
    text = str(selfcheck.check_linear_cost_grad(handin.linear.cost_grad))
    assert "calls handin.linear.cost_grad: write it yourself" in text


def test_every_self_check_and_every_graded_one_is_exported_by_handin_course():
    """Chapters and the course's test cells import the checks from handin.course alone."""
    import importlib
    import pkgutil

    import handin.course
    from handin.course import nbgrader

    modules = [importlib.import_module(f"handin.course.{m.name}")
               for m in pkgutil.iter_modules(handin.course.__path__)
               if m.name.startswith("selfcheck")]
    assert len(modules) >= 5      # selfcheck, _training, _metrics, _init, _layers
    checks = {name for m in modules for name in m.__all__ if name.startswith("check_")}
    assert checks and checks <= set(handin.course.__all__)
    assert set(nbgrader.POINTS) <= checks
    assert nbgrader._check_module("check_epoch") == "handin.course"
    with pytest.raises(ValueError, match="no self-check named 'epoch_problem'"):
        nbgrader._check_module("epoch_problem")
