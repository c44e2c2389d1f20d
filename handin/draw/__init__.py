"""Chapter 6: draw a digit with the mouse and see what the network makes of it.

``preprocess`` turns mouse strokes into an image and the image into an MNIST-style
28 x 28 digit (numpy only, testable without a browser); ``pad`` is the drawing widget
(:class:`DigitPad`, ipycanvas) and :func:`digit_figure`, its picture in matplotlib.
"""

from .pad import DigitPad, digit_figure
from .preprocess import BOX, FIELD, mnist_preprocess, rasterize_strokes, stamp_segment

__all__ = ["DigitPad", "digit_figure", "mnist_preprocess", "rasterize_strokes", "stamp_segment",
           "BOX", "FIELD"]
