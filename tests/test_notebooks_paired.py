"""Every chapter is a Jupytext pair whose .py and .ipynb hold the same cells.

nbval runs the .ipynb files; people read and diff the .py files. If the two drift,
this fails and names the chapter and the first cell that differs.
"""

import pathlib

import jupytext
import pytest

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
PY_FILES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
IPYNB_FILES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def cells(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def test_there_are_chapters_and_each_has_a_twin():
    assert PY_FILES, "no chapters found in notebooks/"
    assert [p.stem for p in PY_FILES] == [p.stem for p in IPYNB_FILES]


@pytest.mark.parametrize("py", PY_FILES, ids=lambda p: p.stem)
def test_py_and_ipynb_hold_the_same_cells(py):
    from_py = cells(jupytext.read(py))
    from_ipynb = cells(jupytext.read(py.with_suffix(".ipynb")))
    for i, (a, b) in enumerate(zip(from_py, from_ipynb)):
        assert a == b, f"{py.stem}: cell {i} differs between .py and .ipynb; run jupytext --sync"
    assert len(from_py) == len(from_ipynb), f"{py.stem}: different number of cells"


@pytest.mark.parametrize("nb", IPYNB_FILES, ids=lambda p: p.stem)
def test_ipynb_is_committed_with_outputs_and_the_python3_kernel(nb):
    notebook = jupytext.read(nb)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert any(c.get("outputs") for c in code), f"{nb.name} has no outputs: execute it before committing"
    assert notebook.metadata["kernelspec"]["name"] == "python3"
