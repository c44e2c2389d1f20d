"""The teacher's chapters of the handin coursebook, as data: ``notebooks/NN_name.py``.

``python -m handin course DIR`` finds them here when handin is installed without a clone
(``pip install "handin[teacher]"``).
"""

import pathlib

__all__ = ["folder"]


def folder():
    """The folder holding the chapters ``NN_name.py`` (Jupytext percent format)."""
    return pathlib.Path(__file__).resolve().parent / "notebooks"
