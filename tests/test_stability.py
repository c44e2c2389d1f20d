"""largest_surviving_rate: the rate it returns trains, the one just above diverges."""

import numpy as np
import pytest

from handin import TrainingDiverged, fit
from handin.stability import batch_traces, largest_surviving_rate


def test_the_bracket_trains_below_and_diverges_above(data):
    X, y, Xv, yv = data
    kw = dict(hidden=8, batch_size=10, seed=0)
    edge = largest_surviving_rate(X, y, Xv, yv, lo=0.1, hi=100.0, ratio=1.1, epochs=2, **kw)
    assert 0.1 <= edge.trains < edge.diverges <= 1.1 * edge.trains
    assert edge.runs == 2 + int(np.ceil(np.log2(np.log(1000) / np.log(1.1))))
    _, h = fit(X, y, Xv, yv, lr=edge.trains, epochs=2, **kw)       # trains
    assert len(h) == 2
    with pytest.raises(TrainingDiverged) as e:                      # a bit above: diverges
        fit(X, y, Xv, yv, lr=edge.diverges, epochs=2, **kw)
    assert (e.value.epoch, e.value.batch) == edge.diverged_at


def test_the_ends_are_checked(data):
    X, y, Xv, yv = data
    with pytest.raises(ValueError, match="lo=50 must train"):
        largest_surviving_rate(X, y, Xv, yv, lo=50.0, hi=100.0, hidden=8)
    with pytest.raises(ValueError, match="hi=0.02 must diverge"):
        largest_surviving_rate(X, y, Xv, yv, lo=0.01, hi=0.02, hidden=8)
    with pytest.raises(ValueError, match=r"ratio must be a float in the range \(1.0, inf\)"):
        largest_surviving_rate(X, y, Xv, yv, ratio=1.0)
    with pytest.raises(TypeError, match="sets lr itself"):
        largest_surviving_rate(X, y, Xv, yv, lr=0.1)


def test_batch_traces_keep_the_runs_that_diverge_up_to_their_last_batch(data):
    X, y, Xv, yv = data
    kw = dict(hidden=8, batch_size=10, seed=0)
    traces, diverged = batch_traces(X, y, Xv, yv, [0.1, 100.0], **kw)
    low, high = traces
    assert low == "lr = 0.1" and high.startswith("lr = 100, diverged in batch ")
    assert diverged == {high}
    _, h = fit(X, y, Xv, yv, lr=0.1, epochs=1, **kw)
    assert traces[low] == list(h.batch_cross_entropy)             # the same run as fit's
    with pytest.raises(TrainingDiverged) as e:
        fit(X, y, Xv, yv, lr=100.0, epochs=1, **kw)
    assert high.endswith(f"batch {e.value.batch}") and len(traces[high]) == e.value.batch
