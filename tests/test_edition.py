"""handin.edition: the student edition is generated from the chapters and committed up to date."""

import json
import pathlib

import jupytext
import pytest

from handin import cli, edition, selfcheck

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS, STUDENT = ROOT / "notebooks", ROOT / "student"
STALE = "student/ is out of date: run python -m handin student-edition"


def test_committed_student_edition_is_current(tmp_path):
    edition.write_student_edition(NOTEBOOKS, tmp_path)
    fresh = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in STUDENT.glob("[0-9][0-9]_*")) if STUDENT.is_dir() else []
    assert committed == fresh, f"{STALE} (files differ: {sorted(set(fresh) ^ set(committed))})"
    for name in fresh:
        assert (STUDENT / name).read_bytes() == (tmp_path / name).read_bytes(), \
            f"{STALE} ({name} differs)"


# ---- the transform ----

CELL = '''# %% [markdown]
# Text with a marker as prose:
# BEGIN SOLUTION

# %%
def my_forward(X, params):
    """Doc."""
    W1 = params["W1"]
    # BEGIN SOLUTION
    Z1 = X @ W1
    if Z1 is not None:
        return Z1
    # END SOLUTION
    return None
'''


def test_a_region_becomes_a_stub_at_its_indentation():
    out = edition.strip_solutions(CELL)
    assert out == CELL.replace('''    # BEGIN SOLUTION
    Z1 = X @ W1
    if Z1 is not None:
        return Z1
    # END SOLUTION
''', '''    # YOUR CODE HERE
    raise NotImplementedError("write the body of my_forward(X, params)")
''')
    assert "# BEGIN SOLUTION" in out  # the markdown cell's prose is left alone


def test_the_stub_raises_not_implemented_error_naming_the_function():
    namespace = {}
    exec(edition.strip_solutions(CELL), namespace)  # noqa: S102 - the transformed test cell
    with pytest.raises(NotImplementedError, match=r"^write the body of my_forward\(X, params\)$"):
        namespace["my_forward"](None, {"W1": None})


def test_nested_code_and_a_custom_message():
    src = ("# %%\nclass A:\n    def f(self):\n        for i in range(2):\n"
           "            # BEGIN SOLUTION: loop over the rows\n            pass\n"
           "            # END SOLUTION\n")
    out = edition.strip_solutions(src)
    assert '            raise NotImplementedError("f: loop over the rows")\n' in out
    assert "            # YOUR CODE HERE\n" in out
    top = edition.strip_solutions("# %%\n# BEGIN SOLUTION\nx = 1\n# END SOLUTION\nprint(x)\n")
    assert top == '# %%\n# YOUR CODE HERE\nraise NotImplementedError("write this code")\nprint(x)\n'


def test_text_without_regions_is_copied_unchanged():
    assert edition.strip_solutions(CELL.split("# %%\n")[0]) == CELL.split("# %%\n")[0]


@pytest.mark.parametrize("src, line, words", [
    ("# %%\n# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n# END SOLUTION\n", 3,
     "cannot be nested"),
    ("# %%\nx = 1\n# END SOLUTION\n", 3, "without a '# BEGIN SOLUTION'"),
    ("# %%\n# BEGIN SOLUTION\nx = 1\n", 2, "never closed"),
    ("# %%\n# BEGIN SOLUTION\nx = 1\n\n# %%\n# END SOLUTION\n", 5, "is not closed"),
    ("# %%\n    #BEGIN SOLUTION\n", 2, "malformed marker"),
    ("# %%\n# end solution\n", 2, "malformed marker"),
])
def test_unbalanced_or_misspelled_markers_name_the_file_and_line(src, line, words):
    with pytest.raises(ValueError, match=rf"^notebooks/09_x\.py, line {line}: .*{words}"):
        edition.strip_solutions(src, "notebooks/09_x.py")


def test_the_notebook_has_no_outputs_a_kernel_and_stable_ids():
    text = edition.student_notebook(edition.strip_solutions(CELL))
    assert text == edition.student_notebook(edition.strip_solutions(CELL))
    nb = json.loads(text)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert [c["cell_type"] for c in nb["cells"]] == ["markdown", "code"]


# ---- the command and the committed chapter 2 ----

def test_cli_writes_the_edition_and_reports_bad_markers(tmp_path, capsys):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "01_a.py").write_text(CELL)
    (out).mkdir()
    (out / "07_old.py").write_text("stale")           # a chapter that no longer exists
    assert cli.main(["student-edition", "--src", str(src), "--out", str(out)]) == 0
    assert "01_a.py + .ipynb: 1 solution region replaced" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["01_a.ipynb", "01_a.py"]
    assert jupytext.read(out / "01_a.ipynb").cells[1].source.count("NotImplementedError") == 1
    (src / "02_b.py").write_text("# %%\n# BEGIN SOLUTION\n")
    assert cli.main(["student-edition", "--src", str(src), "--out", str(out)]) == 1
    assert "02_b.py, line 2: '# BEGIN SOLUTION' is never closed" in capsys.readouterr().err


def test_chapter_2_has_three_exercises_whose_stubs_the_self_checks_name():
    text = (NOTEBOOKS / "02_forward_backward.py").read_text()
    assert len(edition.find_regions(text)) == 3
    student = jupytext.read(STUDENT / "02_forward_backward.py")
    namespace = {}
    exec("import numpy as np\nimport handin\n"  # noqa: S102 - the chapter's imports
         "from handin.model import PARAM_NAMES, log_softmax, one_hot, relu", namespace)
    for cell in student.cells:
        if cell.cell_type == "code" and cell.source.startswith("def my_"):
            exec(cell.source, namespace)  # noqa: S102 - the student edition's exercise cells
    for check, name in [(selfcheck.check_forward, "my_forward"), (selfcheck.check_cost, "my_cost"),
                        (selfcheck.check_backward, "my_backward")]:
        fn = namespace[check.__name__.replace("check_", "my_")]
        result = check(fn)
        assert not result.ok
        assert str(result).startswith(f"✗ {fn.__name__}: write {name} first"), str(result)
