"""Every chapter and every worked solution is a Jupytext pair whose .py and .ipynb hold the same cells.

nbval runs the .ipynb files (of ``notebooks/`` and ``solutions/``); people read and diff
the .py files. If the two drift, this fails and names the notebook and the first cell
that differs.
"""

import pathlib

import jupytext
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS, SOLUTIONS = ROOT / "notebooks", ROOT / "solutions"
PATTERN = "[0-9][0-9]_*"
PY_FILES = sorted([*NOTEBOOKS.glob(PATTERN + ".py"), *SOLUTIONS.glob(PATTERN + ".py")])
IPYNB_FILES = sorted([*NOTEBOOKS.glob(PATTERN + ".ipynb"), *SOLUTIONS.glob(PATTERN + ".ipynb")])


def name(path):
    return f"{path.parent.name}/{path.stem}"


def cells(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


@pytest.mark.parametrize("folder", [NOTEBOOKS, SOLUTIONS], ids=lambda p: p.name)
def test_there_are_notebooks_and_each_has_a_twin(folder):
    py, ipynb = sorted(folder.glob(PATTERN + ".py")), sorted(folder.glob(PATTERN + ".ipynb"))
    assert py, f"no notebooks found in {folder.name}/"
    assert [p.stem for p in py] == [p.stem for p in ipynb], f"{folder.name}/: a .py or .ipynb twin is missing"


def test_every_solution_belongs_to_a_chapter():
    chapters = {p.stem for p in NOTEBOOKS.glob(PATTERN + ".py")}
    orphans = [p.name for p in SOLUTIONS.glob(PATTERN + ".py") if p.stem not in chapters]
    assert not orphans, f"solutions/ files must be named as their chapter in notebooks/: {orphans}"


@pytest.mark.parametrize("py", PY_FILES, ids=name)
def test_py_and_ipynb_hold_the_same_cells(py):
    from_py = cells(jupytext.read(py))
    from_ipynb = cells(jupytext.read(py.with_suffix(".ipynb")))
    for i, (a, b) in enumerate(zip(from_py, from_ipynb)):
        assert a == b, f"{name(py)}: cell {i} differs between .py and .ipynb; run jupytext --sync"
    assert len(from_py) == len(from_ipynb), f"{name(py)}: different number of cells"


@pytest.mark.parametrize("nb", IPYNB_FILES, ids=name)
def test_ipynb_is_committed_with_outputs_and_the_python3_kernel(nb):
    notebook = jupytext.read(nb)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert any(c.get("outputs") for c in code), f"{name(nb)} has no outputs: execute it before committing"
    assert notebook.metadata["kernelspec"]["name"] == "python3"
