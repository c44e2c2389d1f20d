"""The explorer's chart drawn with matplotlib, from :meth:`LiveChart.state`.

Same panels and conventions as the browser chart (``chart.js``): validation solid,
train dashed; each run its colour and marker shape, the current run thicker, the legend
below the panels; a red cross where a diverged run stopped. Text is at least 9 pt, 11 px
at the default 90 dpi. Used for ``Explorer.png()``, for pictures in exports, and wherever
no browser draws.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

__all__ = ["draw", "png"]

_PANELS = (("cost", "Cost per epoch (cross-entropy + decay)", ("train_cost", "val_cost")),
           ("acc", "Accuracy per epoch", ("train_acc", "val_acc")))


SMALLEST_PT = 9        # the smallest text: 11.25 px at 90 dpi


def draw(state, width=10.0, dpi=90):
    """A new Figure showing ``state`` (a dict like :meth:`LiveChart.state`)."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    current = state["current"] if state["current"].get("points") else None
    runs = list(state["faded"]) + ([current] if current else [])
    legend_rows = -(-(2 + len(runs)) // 2)
    fig = Figure(figsize=(width, 3.3 + 0.22 * legend_rows), dpi=dpi, layout="constrained")
    axes = fig.subplots(1, 2)
    limits = state["limits"]
    for ax, (key, title, curves) in zip(axes, _PANELS):
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("epoch", fontsize=10)
        ax.tick_params(labelsize=SMALLEST_PT + 1)
        ax.grid(True, alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(*limits["x"])
        ax.set_ylim(*limits[key])
        for run in runs:
            is_current = run is current
            for curve in curves:
                pts = run["points"][curve]
                if not pts:
                    continue
                x, y = zip(*pts)
                ax.plot(x, y, color=run["color"], linewidth=2.2 if is_current else 1.3,
                        linestyle="--" if curve.startswith("train") else "-",
                        marker=run.get("marker", "o"), markersize=5 if is_current else 4,
                        markerfacecolor="white" if curve.startswith("train") else run["color"])
                if run.get("outcome") == "diverged" and curve.startswith("val"):
                    ax.plot(x[-1], y[-1], marker="x", color="#b91c1c", markersize=9, mew=2.5)
        if key == "cost" and current and current.get("outcome") == "diverged":
            ax.text(0.03, 0.92, current.get("note") or "diverged", transform=ax.transAxes,
                    color="#b91c1c", fontsize=10, fontweight="bold")
    handles = [Line2D([], [], color="#374151", label="validation"),
               Line2D([], [], color="#374151", linestyle="--", label="train")]

    def label(run):
        marked = run.get("outcome") in ("diverged", "stopped")
        return run["label"] + (f" ({run.get('note') or run['outcome']})" if marked else "")

    for run in ([current] if current else []) + list(reversed(state["faded"])):
        handles.append(Line2D([], [], color=run["color"], linewidth=2.2 if run is current else 1.3,
                              marker=run.get("marker", "o"), label=label(run)))
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=SMALLEST_PT + 1,
               frameon=False)
    if state.get("status"):
        fig.suptitle(state["status"], fontsize=10)
    return fig


def png(state, dpi=90):
    """``draw(state)`` rendered to PNG bytes with Agg."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = draw(state, dpi=dpi)
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
