"""A figure with its caption, written once: ``show(fig, "what the figure shows")``.

The words are both the caption a reader sees under the picture and the picture's text
alternative (``alt``), which a screen reader reads out. :func:`show` displays one output
with three forms, and each front end takes the richest it can:

* ``text/html``: ``<figure>`` with the picture as an ``<img alt="words">`` (a ``data:`` URL)
  and ``<figcaption>Figure: words</figcaption>``; JupyterLab, Notebook 7 and Voila show
  this one. The caption is hidden from screen readers (``aria-hidden``), which have just
  read the same words as the picture's ``alt``;
* ``image/png``: the picture alone, for a front end without HTML;
* ``text/plain``: ``Figure: words``, for a terminal, and for nbval, which compares it.

A matplotlib Figure is closed once shown, so that the inline backend does not show it a
second time at the end of the cell.
"""

from __future__ import annotations

import base64
import html

PREFIX = "Figure: "


def _png(fig):
    """The PNG bytes of ``fig``: a matplotlib Figure, or PNG bytes already."""
    if isinstance(fig, (bytes, bytearray)):
        if not bytes(fig[:8]) == b"\x89PNG\r\n\x1a\n":
            raise ValueError("fig: bytes that are not a PNG image")
        return bytes(fig)
    if not hasattr(fig, "savefig"):
        raise TypeError(f"fig: a matplotlib Figure or PNG bytes, not {type(fig).__name__}")
    from IPython.core.pylabtools import print_figure    # what the inline backend draws

    png = print_figure(fig, "png", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return png


def figure_bundle(fig, caption):
    """The mimebundle :func:`show` displays: {mime type: data}."""
    if not isinstance(caption, str) or not " ".join(caption.split()):
        raise ValueError(f"caption: the words that say what the figure shows, got {caption!r}")
    words = " ".join(caption.split())
    data = base64.b64encode(_png(fig)).decode("ascii")
    text = html.escape(words, quote=True)
    markup = (f'<figure class="handin-figure" style="margin: 0">'
              f'<img src="data:image/png;base64,{data}" alt="{text}">'
              f'<figcaption aria-hidden="true"><em>Figure:</em> {text}</figcaption></figure>')
    return {"text/html": markup, "image/png": data, "text/plain": PREFIX + words}


def show(fig, caption):
    """Show ``fig`` (a matplotlib Figure, or PNG bytes) with ``caption`` under it: the words
    that say what it shows, also read out by a screen reader in place of the picture."""
    from IPython.display import display

    display(figure_bundle(fig, caption), raw=True)
