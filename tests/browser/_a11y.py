"""Checks of the explorer in a real page, shared by the Voilà and JupyterLab tests.

* :func:`chart_text_problems`: every text of the chart (the SVG's and the HTML legend's)
  is drawn at 11 px or more on screen and lies inside the chart (nothing clipped);
* :func:`axe_violations`: axe-core (bundled by ``axe-playwright-python``) on the
  explorer's own elements (its widget box: sliders, buttons, alert, chart), WCAG 2.0/2.1
  A and AA;
* :func:`area_axe_violations`: the same on a whole area of the page (a notebook's cells and
  outputs in JupyterLab, Voila's page), minus the third-party parts named in ``exclude``;
* :func:`image_problems`: every ``<img>`` of an area shows its picture and has a non-empty
  ``alt``, the words of the ``Figure:`` caption of its ``<figure>`` (handin.plots.show);
* :func:`outside_requests`: the requests a page made to anything but 127.0.0.1.
"""

from __future__ import annotations

import urllib.parse

MIN_PX = 11.0

# For every visible text of the chart: its on-screen font size and whether its box lies
# inside the chart's SVG (svg text) or the chart's root (legend).
CHART_TEXT_JS = r"""
() => {
  const root = document.querySelector('.handin-chart');
  if (!root) return null;
  const svg = root.querySelector('svg');
  const box = (r) => ({l: r.left, r: r.right, t: r.top, b: r.bottom});
  const inside = (a, b) => a.l >= b.l - 1 && a.r <= b.r + 1 && a.t >= b.t - 1 && a.b <= b.b + 1;
  const out = [];
  const scale = svg.getScreenCTM().a;
  const sbox = box(svg.getBoundingClientRect());
  for (const t of svg.querySelectorAll('text')) {
    if (!t.textContent.trim()) continue;
    out.push({text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * scale,
              inside: inside(box(t.getBoundingClientRect()), sbox)});
  }
  const rbox = box(root.getBoundingClientRect());
  for (const t of root.querySelectorAll('.handin-legend-item span, .handin-status')) {
    if (!t.textContent.trim()) continue;
    out.push({text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize),
              inside: inside(box(t.getBoundingClientRect()), rbox)});
  }
  return {texts: out, width: sbox.r - sbox.l};
}
"""


def chart_text_problems(page):
    """Texts of the chart smaller than 11 px or outside it: a list of strings ([] if none)."""
    found = page.evaluate(CHART_TEXT_JS)
    assert found and found["texts"], "no chart text on the page"
    return [f"{t['text']!r}: {t['px']:.1f} px" + ("" if t["inside"] else ", clipped")
            for t in found["texts"] if t["px"] < MIN_PX - 0.01 or not t["inside"]]


def axe_violations(page):
    """axe-core's violations within the explorer's widget box, as ``id: targets`` lines."""
    from axe_playwright_python.sync_playwright import Axe

    found = page.evaluate("""() => {
        const chart = document.querySelector('.handin-chart');
        const box = chart && chart.closest('.widget-vbox');   // the explorer's own VBox
        if (box) box.setAttribute('data-handin-explorer', '');
        return !!box;
    }""")
    assert found, "no explorer (a .widget-vbox around .handin-chart) on the page"
    results = Axe().run(page, context={"include": [["[data-handin-explorer]"]]},
                        options={"runOnly": {"type": "tag", "values": [
                            "wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                            "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): " + ", ".join(str(n["target"]) for n in v["nodes"])
            for v in results.response["violations"]]


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def area_axe_violations(page, include, exclude=()):
    """axe-core's violations (WCAG 2.0/2.1 A and AA) in the elements matching the CSS
    selector ``include``, minus those matching a selector of ``exclude``; ``id: targets``
    lines."""
    from axe_playwright_python.sync_playwright import Axe

    assert page.locator(include).count(), f"nothing on the page matches {include!r}"
    context = {"include": [[include]]}
    if exclude:
        context["exclude"] = [[sel] for sel in exclude]
    results = Axe().run(page, context=context, options={
        "runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): " + ", ".join(str(n["target"]) for n in v["nodes"])
            for v in results.response["violations"]]


# Every <img> in the area: its alt, whether its picture loaded, and the words of the
# caption of the <figure> around it (figcaption's text without its "Figure:").
IMAGES_JS = r"""
(root) => [...root.querySelectorAll('img')].map(img => {
  const figure = img.closest('figure');
  const cap = figure && figure.querySelector('figcaption');
  return {alt: img.getAttribute('alt'),
          loaded: img.complete && img.naturalWidth > 0,
          src: (img.getAttribute('src') || '').slice(0, 40),
          caption: cap ? cap.textContent.replace(/\s+/g, ' ').trim() : null};
})
"""


def image_problems(locator, expected):
    """Problems of the images inside ``locator`` (a Playwright locator of one element):
    fewer than ``expected`` images, an image whose picture did not load, an empty or
    missing ``alt``, an ``alt`` that is not the words of its figure's ``Figure:`` caption.
    A list of strings ([] if none) and the images found."""
    images = locator.evaluate(IMAGES_JS)
    problems = []
    if len(images) < expected:
        problems.append(f"{len(images)} image(s) on the page, {expected} expected")
    for k, img in enumerate(images, 1):
        alt = " ".join((img["alt"] or "").split())
        where = f"image {k} ({img['src']!r}...)"
        if not img["loaded"]:
            problems.append(f"{where}: its picture is not shown")
        if not alt:
            problems.append(f"{where}: no text alternative (alt)")
        elif img["caption"] != f"Figure: {alt}":
            problems.append(f"{where}: alt {alt[:60]!r}... is not its caption "
                            f"{(img['caption'] or '(none)')[:70]!r}")
    return problems, images


def outside_requests(urls):
    """The URLs among ``urls`` whose host is not 127.0.0.1 (data: and blob: are local)."""
    out = []
    for url in urls:
        u = urllib.parse.urlsplit(url)
        if u.scheme in ("data", "blob", "about"):
            continue
        if u.hostname not in ("127.0.0.1",):
            out.append(url)
    return out
