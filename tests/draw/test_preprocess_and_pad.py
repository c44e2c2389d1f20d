"""handin.draw (preprocess and pad): strokes -> image -> MNIST-style digit -> probabilities, headless."""

import numpy as np
import pytest

import handin
from handin.draw import DigitPad, digit_figure, mnist_preprocess, rasterize_strokes, stamp_segment
from handin.plots import probability_bars

ONE = [[(140, 40), (140, 240)]]                                    # a vertical line
SEVEN = [[(70, 50), (210, 50), (120, 240)], [(110, 145), (190, 145)]]
FOUR = [[(180, 240), (180, 40), (60, 170), (220, 170)]]
ROWS = np.arange(28)


def prep(strokes, width=20.0):
    return mnist_preprocess(rasterize_strokes(strokes, width=width)).reshape(28, 28)


def centre_of_mass(digit):
    return (ROWS @ digit.sum(axis=1)) / digit.sum(), (ROWS @ digit.sum(axis=0)) / digit.sum()


def moved(strokes, dx=0.0, dy=0.0, scale=1.0, about=140.0):
    return [[(about + scale * (x - about) + dx, about + scale * (y - about) + dy) for x, y in s]
            for s in strokes]


# ---- rasterising ----

def test_a_thick_line_covers_its_width_with_anti_aliased_ends():
    image = rasterize_strokes(ONE, width=20)
    ink_cols = np.flatnonzero(image.any(axis=0))
    assert ink_cols.tolist() == list(range(130, 150))              # 20 px wide, centred on x=140
    assert np.all(image[40:240, 130:150] == 1.0)                   # solid along the segment
    assert 0 < image[30, 140] < 1 and image[29, 140] == 0          # the round cap's grey edge
    assert image.min() == 0 and image.max() == 1


def test_a_click_is_a_dot_and_strokes_outside_the_image_are_clipped():
    dot = rasterize_strokes([[(50, 60)]], size=100, width=10)
    rows, cols = np.nonzero(dot)
    assert dot[60, 50] == 1 and abs(rows.mean() - 59.5) < 0.5 and abs(cols.mean() - 49.5) < 0.5
    assert rasterize_strokes([[(-50, -50), (-20, -40)]], size=100).sum() == 0
    image = np.zeros((10, 10))
    assert stamp_segment(image, (5, 5), (500, 5), 2) is image and image[5, 9] == 1


@pytest.mark.parametrize("strokes, error, words", [
    ("12", TypeError, "strokes must be a list"),
    ([[]], ValueError, r"strokes\[0\] must be a non-empty sequence of \(x, y\) points"),
    ([[(1, 2)], [(1, 2, 3)]], ValueError, r"strokes\[1\]"),
    ([[(1, np.nan)]], ValueError, "non-finite"),
])
def test_bad_strokes_are_named(strokes, error, words):
    with pytest.raises(error, match=words):
        rasterize_strokes(strokes)


def test_bad_width_is_named():
    with pytest.raises(ValueError, match="width must be a float in the range"):
        rasterize_strokes(ONE, width=0)


# ---- preprocessing, the MNIST way ----

def test_a_block_is_scaled_to_20_pixels_and_centred_exactly():
    image = np.zeros((300, 100))
    image[50:250, 40:60] = 1.0                                     # 200 x 20: scaled by 0.1
    digit = mnist_preprocess(image).reshape(28, 28)
    expected = np.zeros((28, 28))
    expected[5:25, 14:16] = 1.0                                    # 20 x 2, mass centre (14.5, 14.5)
    np.testing.assert_allclose(digit, expected, rtol=0, atol=1e-12)


def test_a_drawn_one_is_a_centred_20_pixel_bar():
    digit = prep(ONE)
    rows, cols = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    assert rows.tolist() == list(range(rows[0], rows[0] + 20))     # bounding box height 20
    assert set(cols) <= {13, 14, 15} and len(cols) >= 2            # only the central columns
    r, c = centre_of_mass(digit)
    assert abs(r - 14) <= 0.5 + 1e-9 and abs(c - 14) <= 0.5 + 1e-9
    assert digit.min() == 0 and digit.max() == 1.0
    ink_per_row = digit[rows[2]:rows[-2], cols].sum(axis=1)      # away from the rounded ends
    np.testing.assert_allclose(ink_per_row, ink_per_row[0])        # a straight, even bar


@pytest.mark.parametrize("strokes", [SEVEN, FOUR], ids=["seven", "four"])
def test_mnist_box_and_centre_of_mass(strokes):
    digit = prep(strokes)
    rows, cols = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    assert max(len(rows), len(cols)) == 20 and min(len(rows), len(cols)) < 20
    r, c = centre_of_mass(digit)
    assert abs(r - 14) <= 0.5 + 1e-9 and abs(c - 14) <= 0.5 + 1e-9
    assert 0 <= digit.min() and digit.max() <= 1


def test_a_centre_of_mass_between_two_pixels_is_placed_the_same_whatever_the_round_off():
    # A symmetric bar has its centre of mass exactly between two pixels, so whole-pixel
    # centring is a tie. Round-off (a BLAS kernel's summation order) must not break it:
    # nudging the ink by 1e-13 on either side gives the same digit.
    image = np.zeros((300, 100))
    image[50:250, 40:60] = 1.0                    # bar of even width: a tie in x
    digit = mnist_preprocess(image)
    for col in (40, 59):                          # the leftmost and the rightmost column
        nudged = image.copy()
        nudged[100:200, col] -= 1e-13
        np.testing.assert_array_equal(mnist_preprocess(nudged) > 0.5, digit > 0.5)


@pytest.mark.parametrize("strokes", [ONE, SEVEN, FOUR], ids=["one", "seven", "four"])
def test_invariant_to_where_and_how_big_the_digit_is_drawn(strokes):
    digit = prep(strokes)
    np.testing.assert_allclose(prep(moved(strokes, 37, -21)), digit, atol=1e-9)   # whole pixels
    assert np.abs(prep(moved(strokes, scale=0.6), width=12.0) - digit).max() < 0.05
    # a shift by a fraction of a pixel moves the edges across the 28 x 28 grid: a few grey
    # levels change (MNIST also centres by whole pixels), the digit as a whole does not
    for dx, dy in [(10.3, 7.7), (0.5, 0.5), (-3.25, 11.6)]:
        assert np.abs(prep(moved(strokes, dx, dy)) - digit).mean() < 0.02
    assert np.abs(prep(SEVEN if strokes is FOUR else FOUR) - digit).mean() > 0.1  # not vacuous


def test_an_empty_drawing_is_a_clear_message():
    with pytest.raises(ValueError, match=r"^image is empty \(no ink\): draw a digit first\.$"):
        mnist_preprocess(rasterize_strokes([]))


@pytest.mark.parametrize("image, words", [(np.ones(5), "2-D"),
                                          (np.full((4, 4), 255.0), "divide by 255"),
                                          (np.full((4, 4), -0.5), r"in \[0, 1\]")])
def test_bad_images_are_named(image, words):
    with pytest.raises(ValueError, match=words):
        mnist_preprocess(image)


# ---- the pad, driven from code and by simulated mouse events ----

@pytest.fixture
def params():
    return handin.init_params(784, 16, 10, seed=0)


def test_the_pad_starts_empty_and_says_so(params):
    pad = DigitPad(params)
    assert pad.strokes == [] and pad.probabilities is None and pad.digit is None
    assert "draw a digit" in pad.status.value


def test_draw_strokes_updates_the_probabilities(params):
    pad = DigitPad(params)
    pad.draw_strokes(SEVEN)
    P = pad.probabilities
    assert P.shape == (10,) and P.sum() == pytest.approx(1.0) and np.all(P >= 0)
    np.testing.assert_array_equal(pad.image, rasterize_strokes(SEVEN))   # incremental == batch
    np.testing.assert_array_equal(pad.digit, mnist_preprocess(rasterize_strokes(SEVEN)))
    np.testing.assert_allclose(P, handin.predict_proba(pad.digit[None], params)[0])
    assert f"prediction: {np.argmax(P)}" in pad.status.value
    pad.clear()
    assert pad.strokes == [] and pad.probabilities is None and not pad.image.any()


def test_mouse_events_draw_the_same_digit(params):
    pad = DigitPad(params, throttle=0.0)
    event = pad.canvas._handle_frontend_event        # what the browser's messages call
    event(None, {"event": "mouse_move", "x": 5, "y": 5}, [])        # no button: no ink
    assert pad.strokes == [] and pad.probabilities is None
    for stroke in FOUR:
        event(None, {"event": "mouse_down", "x": stroke[0][0], "y": stroke[0][1]}, [])
        for x, y in stroke[1:]:
            event(None, {"event": "mouse_move", "x": x, "y": y}, [])
        event(None, {"event": "mouse_up", "x": x, "y": y}, [])
    np.testing.assert_array_equal(pad.image, rasterize_strokes(FOUR))
    assert pad.probabilities.shape == (10,)


def test_updates_are_throttled_while_drawing(params):
    pad = DigitPad(params, throttle=3600.0)
    pad._down(140, 40)
    pad._move(140, 240)
    assert pad.probabilities is None                 # too soon after the last update
    pad._up(140, 240)
    assert pad.probabilities is not None             # releasing the button always updates
    pad = DigitPad(params, throttle=0.0)
    pad._down(140, 40)
    pad._move(140, 240)
    assert pad.probabilities is not None


def test_pad_rejects_a_network_that_is_not_for_28_by_28(params):
    with pytest.raises(ValueError, match="784 inputs"):
        DigitPad(handin.init_params(10, 4, 3, seed=0))
    with pytest.raises(ValueError, match="throttle must be"):
        DigitPad(params, throttle=-1.0)


def test_the_figure_shows_the_digit_and_one_bar_per_class(params):
    pad = DigitPad(params)
    pad.draw_strokes(ONE)
    fig = pad.figure()
    ax_img, ax_bar = fig.axes
    np.testing.assert_array_equal(ax_img.images[0].get_array(), pad.digit.reshape(28, 28))
    heights = [bar.get_height() for bar in ax_bar.patches]
    np.testing.assert_allclose(heights, pad.probabilities)
    assert digit_figure(None, None).axes[1].get_title() == "draw a digit"


def test_probability_bars_highlights_the_most_likely_class():
    ax = probability_bars([0.1, 0.7, 0.2], class_names=["a", "b", "c"])
    bars = ax.patches
    assert [b.get_height() for b in bars] == [0.1, 0.7, 0.2]
    assert bars[1].get_facecolor() != bars[0].get_facecolor() == bars[2].get_facecolor()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="P must be a 1-D array"):
        probability_bars(np.ones((2, 2)))
    with pytest.raises(ValueError, match="class_names must have 3 names"):
        probability_bars([0.5, 0.25, 0.25], class_names=["a"])
