"""handin.metrics (confusion matrix, confident mistakes) and the figures of chapters 3 and 4."""

import matplotlib
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from handin.metrics import confident_mistakes, confusion_matrix
from handin.plots import plot_confidence, plot_confusion, show_digits, show_weights


def n_images(fig):
    return sum(len(ax.images) for ax in fig.axes)


# --- confusion_matrix ------------------------------------------------------------------

def test_confusion_matrix_hand_computed():
    y_true = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    y_pred = np.array([0, 0, 2, 1, 0, 2, 2, 1, 2])
    # true 0: predicted 0, 0, 2 -> [2, 0, 1]; true 1: 1, 0 -> [1, 1, 0]; true 2: 2, 2, 1, 2 -> [0, 1, 3]
    expected = np.array([[2, 0, 1],
                         [1, 1, 0],
                         [0, 1, 3]])
    C = confusion_matrix(y_true, y_pred, n_classes=3)
    np.testing.assert_array_equal(C, expected)
    assert C.dtype == np.int64


def test_confusion_matrix_sums_and_trace():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    C = confusion_matrix(y_true, y_pred, 10)
    assert C.shape == (10, 10) and C.sum() == 500
    np.testing.assert_array_equal(C.sum(axis=1), np.bincount(y_true, minlength=10))
    np.testing.assert_array_equal(C.sum(axis=0), np.bincount(y_pred, minlength=10))
    assert C.trace() == np.sum(y_true == y_pred)


def test_confusion_matrix_n_classes_default_and_unseen_classes():
    assert confusion_matrix(np.array([0, 2]), np.array([1, 2])).shape == (3, 3)
    C = confusion_matrix(np.array([0, 1]), np.array([0, 1]), n_classes=5)
    assert C.shape == (5, 5) and C[2:].sum() == 0


@pytest.mark.parametrize("y_true, y_pred, n_classes, error", [
    (np.array([0, 1]), np.array([0]), None, ValueError),           # shapes differ
    (np.array([0, 3]), np.array([0, 1]), 3, ValueError),           # label 3 does not fit
    (np.array([0, -1]), np.array([0, 1]), None, ValueError),       # negative label
    (np.array([0.0, 1.0]), np.array([0, 1]), None, TypeError),     # float labels
    (np.array([0, 1]), np.array([0, 1]), 0, ValueError),           # n_classes < 1
])
def test_confusion_matrix_rejects_bad_input(y_true, y_pred, n_classes, error):
    with pytest.raises(error):
        confusion_matrix(y_true, y_pred, n_classes)


# --- confident_mistakes ----------------------------------------------------------------

def test_confident_mistakes_order_and_only_mistakes():
    P = np.array([[0.90, 0.05, 0.05],    # right (label 0)
                  [0.20, 0.70, 0.10],    # wrong: 1 with 0.70
                  [0.10, 0.30, 0.60],    # right (label 2)
                  [0.05, 0.05, 0.90],    # wrong: 2 with 0.90
                  [0.40, 0.50, 0.10],    # wrong: 1 with 0.50
                  [0.10, 0.10, 0.80]])   # wrong: 2 with 0.80
    y = np.array([0, 0, 2, 1, 2, 1])
    np.testing.assert_array_equal(confident_mistakes(P, y), [3, 5, 1, 4])
    np.testing.assert_array_equal(confident_mistakes(P, y, n=2), [3, 5])
    assert confident_mistakes(P, y, n=0).size == 0


def test_confident_mistakes_ties_keep_row_order_and_none_when_all_right():
    P = np.array([[0.2, 0.8], [0.8, 0.2], [0.2, 0.8]])
    np.testing.assert_array_equal(confident_mistakes(P, np.array([0, 1, 0])), [0, 1, 2])
    assert confident_mistakes(P, np.array([1, 0, 1])).size == 0


def test_confident_mistakes_sorted_on_random_probabilities():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(200, 10))
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    y = rng.integers(0, 10, 200)
    idx = confident_mistakes(P, y)
    pred = P.argmax(axis=1)
    assert set(idx) == set(np.flatnonzero(pred != y))
    conf = P[idx, pred[idx]]
    assert np.all(np.diff(conf) <= 0)


def test_confident_mistakes_rejects_mismatched_shapes():
    with pytest.raises(ValueError):
        confident_mistakes(np.full((3, 2), 0.5), np.array([0, 1]))
    with pytest.raises(ValueError):
        confident_mistakes(np.full((2, 2), 0.5), np.array([0, 2]))


# --- figures ----------------------------------------------------------------------------

@pytest.fixture
def digits():
    rng = np.random.default_rng(0)
    return rng.random((30, 784)).astype(np.float32), rng.integers(0, 10, 30)


def test_show_digits_grid_with_labels(digits):
    X, y = digits
    axes = show_digits(X, y, n=12, ncols=5)
    fig = axes[0].figure
    assert isinstance(fig, Figure) and list(axes) == fig.axes
    assert len(fig.axes) == 12 and n_images(fig) == 12          # 3 rows of 5, 3 empty cells removed
    assert [ax.get_title() for ax in fig.axes] == [str(k) for k in y[:12]]
    assert fig.axes[0].images[0].get_array().shape == (28, 28)


def test_show_digits_marks_mistakes_and_shows_probabilities(digits):
    X, y = digits
    pred = y.copy()
    pred[[1, 4]] = (y[[1, 4]] + 1) % 10
    prob = np.linspace(0.5, 0.99, 30)
    names = [f"digit {k}" for k in range(10)]
    fig = show_digits(X, y, n=6, pred=pred, prob=prob, class_names=names, title="t")[0].figure
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[1] == f"digit {y[1]} → digit {pred[1]}\np = {prob[1]:.2f}"
    red = [i for i, ax in enumerate(fig.axes)
           if matplotlib.colors.same_color(ax.title.get_color(), "tab:red")]
    assert red == [1, 4]
    assert fig.get_suptitle() == "t"


def test_show_digits_takes_uint8_images_and_fewer_rows_than_n(digits):
    X = (digits[0][:3] * 255).astype(np.uint8).reshape(3, 28, 28)
    fig = show_digits(X, n=20)[0].figure
    assert n_images(fig) == 3
    assert fig.axes[0].images[0].get_clim() == (0.0, 255.0)


def test_show_digits_draws_on_a_given_subfigure(digits):
    fig = Figure()
    left, right = fig.subfigures(1, 2)
    axes = show_digits(*digits, n=4, fig=right)
    assert all(ax.figure is right for ax in axes)
    assert n_images(fig) == 4


def test_show_digits_draws_on_given_axes_and_removes_the_spare_ones(digits):
    fig = Figure()
    given = fig.subplots(2, 3)
    axes = show_digits(*digits, n=4, axes=given, title="four")
    assert list(axes) == list(given.ravel()[:4]) and fig.axes == list(axes)
    assert n_images(fig) == 4 and fig.get_suptitle() == "four"
    with pytest.raises(ValueError, match="at least n = 4 Axes, got 2"):
        show_digits(*digits, n=4, axes=Figure().subplots(1, 2))


def tile(mosaic, k, ncols, gap=2):
    """The k-th 28 x 28 image of a show_weights mosaic."""
    r, c = divmod(k, ncols)
    return mosaic[r * (28 + gap):r * (28 + gap) + 28, c * (28 + gap):c * (28 + gap) + 28]


def test_show_weights_mosaic_of_columns_with_symmetric_scale():
    W1 = np.random.default_rng(0).normal(size=(784, 40))
    ax = show_weights(W1, n=10, ncols=4, title="W1")
    fig = ax.figure
    assert isinstance(fig, Figure) and fig.axes[0] is ax
    assert len(fig.axes) == 2 and n_images(fig) == 1             # the mosaic and the colourbar
    mosaic = np.ma.filled(fig.axes[0].images[0].get_array(), np.nan)   # gaps are masked NaNs
    assert mosaic.shape == (3 * 30 - 2, 4 * 30 - 2)              # 3 rows of 4 cells, 2 px gaps
    for k in range(10):
        np.testing.assert_array_equal(tile(mosaic, k, 4), W1[:, k].reshape(28, 28))
    assert np.isnan(tile(mosaic, 10, 4)).all() and np.isnan(mosaic[28:30]).all()
    assert np.isfinite(mosaic).sum() == 10 * 784
    vmin, vmax = fig.axes[0].images[0].get_clim()
    assert vmin == -vmax == -np.abs(W1[:, :10]).max()
    assert ax.get_title() == "W1" and fig.get_suptitle() == ""   # right above the mosaic


def test_show_weights_units_vmax_no_colorbar_and_subfigure():
    W1 = np.random.default_rng(0).normal(size=(784, 40))
    fig = Figure()
    sub = fig.subfigures(1, 2)[1]
    assert show_weights(W1, units=[7, 3], vmax=2.0, colorbar=False, fig=sub).figure is sub
    assert len(fig.axes) == 1
    given = Figure().subplots()
    assert show_weights(W1, n=3, ax=given) is given and len(given.figure.axes) == 2
    image = fig.axes[0].images[0]
    assert image.get_clim() == (-2.0, 2.0)
    mosaic = image.get_array()
    assert mosaic.shape == (28, 58)
    np.testing.assert_array_equal(tile(mosaic, 0, 2), W1[:, 7].reshape(28, 28))
    np.testing.assert_array_equal(tile(mosaic, 1, 2), W1[:, 3].reshape(28, 28))
    with pytest.raises(ValueError):
        show_weights(W1[:100])


def test_plot_confusion_annotates_counts():
    C = np.array([[5, 0, 1],
                  [0, 7, 0],
                  [2, 0, 4]])
    ax = plot_confusion(C, ["a", "b", "c"])
    assert isinstance(ax, Axes)
    assert [t.get_text() for t in ax.texts] == ["5", "1", "7", "2", "4"]  # non-zero cells, by row
    assert ax.get_title() == "19 samples, accuracy 0.842"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ax.get_xlabel() == "predicted label" and ax.get_ylabel() == "true label"


def test_plot_confusion_on_given_axes_with_colorbar():
    fig = Figure()
    ax = fig.subplots()
    assert plot_confusion(np.eye(4, dtype=int), ax=ax, colorbar=True, title="x") is ax
    assert len(fig.axes) == 2 and ax.get_title() == "x"
    with pytest.raises(ValueError):
        plot_confusion(np.ones((2, 3)))


def test_plot_confidence_counts_right_and_wrong():
    P = np.array([[0.9, 0.1], [0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])
    y = np.array([0, 0, 0, 1])
    ax = plot_confidence(P, y, bins=5)
    assert isinstance(ax, Axes)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["right (3)", "wrong (1)"]
    heights = [sum(p.get_height() for p in c) for c in ax.containers]
    assert heights == [3, 1]


def test_probability_bars_label_both_axes():
    from handin.plots import probability_bars
    ax = probability_bars([0.2, 0.5, 0.3])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("class", "probability")
