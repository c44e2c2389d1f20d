"""The live hyperparameter explorer of chapter 5: ``Explorer()``, sliders and a live chart.

The modules, one job each: ``app`` (:class:`Explorer`, wiring the rest), ``runs`` (the run
controller: one run at a time, in chunks; no widgets), ``schedule`` (debounce, cancel,
latest wins, on the kernel's asyncio loop), ``view`` (the widgets), ``chart`` (+ ``chart.js``,
the chart drawn in the browser), ``figure`` (the same chart in matplotlib, for ``ex.png()``).
``voila_share/`` holds the Voila page template (``python -m handin page``).
"""

from .app import DEFAULTS, Explorer, Outcome, RunRecord, run_label

__all__ = ["Explorer", "RunRecord", "Outcome", "DEFAULTS", "run_label"]
