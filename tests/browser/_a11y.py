"""Checks of the explorer in a real page, shared by the Voilà and JupyterLab tests.

* :func:`chart_text_problems`: every text of the chart (the SVG's and the HTML legend's)
  is drawn at 11 px or more on screen and lies inside the chart (nothing clipped);
* :func:`axe_violations`: axe-core (bundled by ``axe-playwright-python``) on the
  explorer's own elements (its widget box: sliders, buttons, alert, chart), WCAG 2.0/2.1
  A and AA;
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
