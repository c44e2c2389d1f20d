"""Draw a digit with the mouse and watch the network's class probabilities change.

:class:`DigitPad` shows an ipycanvas drawing area next to what the network sees (the
28 x 28 digit of :func:`handin.draw.preprocess.mnist_preprocess`) and a bar chart of its class
probabilities, redrawn while you draw (at most every ``throttle`` seconds, and when
the mouse button is released). The pad keeps the strokes in Python and rasterises
them with numpy; the canvases only display. The live chart is drawn on a canvas (a
matplotlib redraw takes too long to follow a pen); :meth:`DigitPad.figure` is the
same picture in matplotlib. ``draw_strokes`` is the mouse's path driven from code,
which is how the book's tests and the chapter's examples use it.
"""

from __future__ import annotations

import time

import numpy as np
from matplotlib.figure import Figure

from .. import model
from . import preprocess
from .._validation import ParameterError, check_params, check_scalar
from ..plots import probability_bars

__all__ = ["DigitPad", "digit_figure"]


def digit_figure(digit, P, *, class_names=None):
    """A figure: the 28 x 28 digit the network sees, and its class probabilities.

    Parameters
    ----------
    digit : array-like of shape (784,) or (28, 28), or None (nothing drawn yet)
    P : array-like of shape (n_classes,), or None

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(6.4, 2.6), layout="constrained")
    ax_img, ax_bar = fig.subplots(1, 2, width_ratios=[1, 1.9])
    blank = digit is None or P is None
    ax_img.imshow(np.zeros((28, 28)) if blank else np.reshape(digit, (28, 28)), cmap="gray_r",
                  vmin=0, vmax=1)
    ax_img.set(xticks=[], yticks=[], title="what the network sees")
    n = 10 if P is None else len(P)
    probability_bars(np.zeros(n) if blank else P, ax_bar, class_names=class_names,
                     title="draw a digit" if blank else
                     f"prediction: {np.argmax(P)} ({np.max(P):.0%})")
    return fig


class DigitPad:
    """A drawing pad wired to a trained network.

    Parameters
    ----------
    params : dict
        Trained ``W1, b1, W2, b2`` with 784 inputs (e.g. from :func:`handin.fit`).
    size : int, default=280
        Side of the drawing area, in pixels.
    width : float, default=20.0
        Pen width, in pixels.
    throttle : float, default=0.15
        Least time between two redraws of the prediction while drawing, in seconds.

    Attributes
    ----------
    widget : ipywidgets.Widget
        Display it (last line of a cell) to draw.
    strokes : list of list of (x, y)
    image : ndarray of shape (size, size)
        The strokes rasterised, ink in [0, 1].
    digit : ndarray of shape (784,) or None
        The preprocessed digit, None while nothing is drawn.
    probabilities : ndarray of shape (n_classes,) or None
        The network's class probabilities for ``digit``.
    """

    def __init__(self, params, *, size=280, width=20.0, throttle=0.15):
        import ipycanvas
        import ipywidgets as w

        self.params = check_params(params)
        if np.shape(params["W1"])[0] != preprocess.FIELD ** 2:
            raise ParameterError('params', f"params must take 784 inputs (28 x 28 pixels), W1 has "
                             f"{np.shape(params['W1'])[0]} rows.")
        self.size = check_scalar(size, "size", int, min_val=28)
        self.width = check_scalar(width, "width", float, min_val=0.0, include_min=False)
        self.throttle = check_scalar(throttle, "throttle", float, min_val=0.0)
        self.canvas = ipycanvas.Canvas(width=self.size, height=self.size,
                                       layout=w.Layout(border="1px solid #888"))
        self.canvas.line_width = self.width
        self.canvas.line_cap = self.canvas.line_join = "round"
        self.canvas.on_mouse_down(self._down)
        self.canvas.on_mouse_move(self._move)
        self.canvas.on_mouse_up(self._up)
        self.canvas.on_mouse_out(self._up)
        self.canvas.on_client_ready(self._repaint)
        clear = w.Button(description="Clear", icon="eraser", layout=w.Layout(width="100px"))
        clear.on_click(lambda _: self.clear())
        self.preview = ipycanvas.Canvas(width=4 * preprocess.FIELD, height=4 * preprocess.FIELD,
                                        layout=w.Layout(width="224px", height="224px"))
        self.bars = ipycanvas.Canvas(width=300, height=150)
        self.status = w.HTML()
        for view in (self.preview, self.bars):
            view.on_client_ready(self._show)
        self.widget = w.HBox([w.VBox([self.canvas, clear]),
                              w.VBox([w.HTML("what the network sees:"), self.preview, self.status,
                                      self.bars], layout=w.Layout(margin="0 0 0 16px"))])
        self._drawing, self._last = False, -np.inf
        self.clear()

    def figure(self):
        """The digit the network sees and its class probabilities, as a matplotlib Figure."""
        return digit_figure(self.digit, self.probabilities)

    def clear(self):
        """Forget every stroke."""
        self.strokes, self.image = [], np.zeros((self.size, self.size))
        self._repaint()
        self._update()

    def draw_strokes(self, strokes):
        """Add strokes, each a sequence of (x, y) canvas points, as if drawn; update now."""
        for i, stroke in enumerate(strokes):
            preprocess._check_stroke(stroke, i)
        for stroke in strokes:
            self._down(*stroke[0])
            for x, y in stroke[1:]:
                self._move(x, y, update=False)
            self._drawing = False
        self._update()

    # -- mouse events: the canvas calls these with canvas coordinates --
    def _down(self, x, y):
        self._drawing = True
        self.strokes.append([(float(x), float(y))])
        preprocess.stamp_segment(self.image, (x, y), (x, y), self.width)
        self.canvas.fill_circle(x, y, self.width / 2)

    def _move(self, x, y, update=True):
        if not self._drawing:
            return
        (x0, y0) = self.strokes[-1][-1]
        self.strokes[-1].append((float(x), float(y)))
        preprocess.stamp_segment(self.image, (x0, y0), (x, y), self.width)
        self.canvas.stroke_line(x0, y0, x, y)
        if update and time.monotonic() - self._last >= self.throttle:
            self._update()

    def _up(self, x, y):
        if self._drawing:
            self._drawing = False
            self._update()

    def _repaint(self):
        """Paper, then every stroke again (also for a browser tab that connects later)."""
        import ipycanvas

        c = self.canvas
        with ipycanvas.hold_canvas():
            c.clear()
            c.fill_style, c.stroke_style = "white", "black"
            c.fill_rect(0, 0, self.size, self.size)
            c.fill_style = "black"
            for stroke in self.strokes:
                c.fill_circle(*stroke[0], self.width / 2)
                if len(stroke) > 1:
                    c.stroke_lines(stroke)

    def _update(self):
        self._last = time.monotonic()
        if self.image.any():
            self.digit = preprocess.mnist_preprocess(self.image)
            self.probabilities = model.predict_proba(self.digit[None, :], self.params)[0]
        else:
            self.digit = self.probabilities = None
        self._show()

    def _show(self):
        """Draw the preview (28 x 28, each pixel 4 x 4) and the bar chart on their canvases."""
        import ipycanvas

        P = self.probabilities
        gray = np.zeros(preprocess.FIELD ** 2) if self.digit is None else self.digit
        pixels = np.kron(gray.reshape(preprocess.FIELD, preprocess.FIELD), np.ones((4, 4)))
        self.status.value = ("<b>draw a digit</b>" if P is None else
                             f"<b>prediction: {np.argmax(P)}</b> ({np.max(P):.0%})")
        b, n = self.bars, 10 if P is None else len(P)
        base, step = b.height - 18, b.width / n
        with ipycanvas.hold_canvas():
            ink = (255 * (1 - pixels)).astype(np.uint8)        # dark ink on white, as drawn
            self.preview.put_image_data(np.repeat(ink[..., None], 3, 2))
            b.clear()
            b.text_align, b.font = "center", "13px sans-serif"
            for i, p in enumerate(np.zeros(n) if P is None else P):
                b.fill_style = "#ff7f0e" if P is not None and i == np.argmax(P) else "#1f77b4"
                b.fill_rect(i * step + 3, base - p * (base - 4), step - 6, p * (base - 4))
                b.fill_style = "black"
                b.fill_text(str(i), (i + 0.5) * step, b.height - 4)
