"""handin.plots.show: one output whose HTML, PNG and text carry the same words."""

import base64
import html
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from handin.plots.figure import figure_bundle, show  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_bundle_holds_the_picture_and_the_same_words_three_times():
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    bundle = figure_bundle(fig, "a line  rising\nfrom 1 to 2 & <on> \"one\" axis.")
    words = 'a line rising from 1 to 2 & <on> "one" axis.'
    assert set(bundle) == {"text/html", "image/png", "text/plain"}
    assert base64.b64decode(bundle["image/png"]).startswith(PNG)
    assert bundle["text/plain"] == "Figure: " + words
    markup = bundle["text/html"]
    alt = re.search(r'<img [^>]*alt="([^"]*)"', markup).group(1)
    assert html.unescape(alt) == words
    assert f'src="data:image/png;base64,{bundle["image/png"]}"' in markup
    caption = re.search(r"<figcaption[^>]*>(.*)</figcaption>", markup).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", caption)) == "Figure: " + words
    assert "<on>" not in markup                           # the words are escaped
    assert not plt.fignum_exists(fig.number)              # closed: not shown twice


def test_png_bytes_are_shown_as_they_are():
    bundle = figure_bundle(PNG + b"rest", "the chart.")
    assert base64.b64decode(bundle["image/png"]) == PNG + b"rest"


@pytest.mark.parametrize("caption", ["", "   \n", None, 3])
def test_a_figure_needs_its_words(caption):
    with pytest.raises(ValueError, match="caption"):
        figure_bundle(PNG, caption)


def test_fig_must_be_a_figure_or_a_png():
    with pytest.raises(ValueError, match="fig: bytes that are not a PNG"):
        figure_bundle(b"GIF89a", "words")
    with pytest.raises(TypeError, match="fig: a matplotlib Figure or PNG bytes, not str"):
        figure_bundle("plot.png", "words")


def test_show_displays_the_bundle_raw(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append((a, k)))
    show(PNG, "the chart.")
    assert shown == [((figure_bundle(PNG, "the chart."),), {"raw": True})]
