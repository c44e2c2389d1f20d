"""The explorer's chart drawn with matplotlib, from :meth:`LiveChart.state`.

Same panels and conventions as the browser chart (``explorer_chart.js``): validation solid,
train dashed; the current run dark with markers, earlier runs faded in their own colours
and labelled; a red cross where a diverged run stopped. Used for ``Explorer.png()``, for
pictures in exports, and wherever no browser draws.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

__all__ = ["draw", "png"]

_PANELS = (("cost", "Cost per epoch (cross-entropy + decay)", ("train_cost", "val_cost")),
           ("acc", "Accuracy per epoch", ("train_acc", "val_acc")))


def draw(state, figsize=(11.5, 3.4), dpi=90):
    """A new Figure showing ``state`` (a dict like :meth:`LiveChart.state`)."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=figsize, dpi=dpi)
    fig.subplots_adjust(left=0.06, right=0.70, bottom=0.15, top=0.8, wspace=0.25)
    axes = fig.subplots(1, 2)
    current = state["current"] if state["current"].get("points") else None
    runs = list(state["faded"]) + ([current] if current else [])
    limits = state["limits"]
    for ax, (key, title, curves) in zip(axes, _PANELS):
        ax.set_title(title, fontsize="medium")
        ax.set_xlabel("epoch")
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
                        alpha=1.0 if is_current else 0.55,
                        linestyle="--" if curve.startswith("train") else "-",
                        marker="o" if is_current else "", markersize=4,
                        markerfacecolor="white" if curve.startswith("train") else run["color"])
                if run.get("outcome") == "diverged" and curve.startswith("val"):
                    ax.plot(x[-1], y[-1], marker="x", color="#b91c1c", markersize=9, mew=2.5)
        if key == "cost" and current and current.get("outcome") == "diverged":
            ax.text(0.03, 0.92, current.get("note") or "diverged", transform=ax.transAxes,
                    color="#b91c1c", fontsize="small", fontweight="bold")
    handles = [Line2D([], [], color="#374151", label="validation"),
               Line2D([], [], color="#374151", linestyle="--", label="train")]

    def label(run):
        return run["label"] + (" (diverged)" if run.get("outcome") == "diverged" else "")

    if current:
        handles.append(Line2D([], [], color=current["color"], linewidth=2.2,
                              label=label(current)))
    for run in reversed(state["faded"]):
        handles.append(Line2D([], [], color=run["color"], alpha=0.6, label=label(run)))
    axes[1].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.04, 1.0),
                   borderaxespad=0.0, fontsize="x-small", frameon=False)
    if state.get("status"):
        fig.suptitle(state["status"], fontsize="small", y=0.98)
    return fig


def png(state, dpi=90):
    """``draw(state)`` rendered to PNG bytes with Agg."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = draw(state, dpi=dpi)
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
