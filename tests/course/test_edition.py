"""handin.course.edition: the student edition is generated from the chapters and committed up to date."""

import json
import pathlib
import re

import jupytext
import pytest

from handin import cli
from handin.course import edition, selfcheck

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS, STUDENT = ROOT / "notebooks", ROOT / "student"
STALE = "student/ is out of date: run python -m handin student-edition"


def test_committed_student_edition_is_current(tmp_path):
    """Compared cell by cell, not byte by byte: a Jupytext upgrade that lays files out
    differently does not make the edition stale; a changed cell does."""
    edition.write_student_edition(NOTEBOOKS, tmp_path)
    fresh = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in STUDENT.glob("[0-9][0-9]_*")) if STUDENT.is_dir() else []
    assert committed == fresh, f"{STALE} (files differ: {sorted(set(fresh) ^ set(committed))})"
    for name in fresh:
        ours = edition.edition_cells((STUDENT / name).read_text(encoding="utf-8"))
        new = edition.edition_cells((tmp_path / name).read_text(encoding="utf-8"))
        for i, (a, b) in enumerate(zip(ours, new)):
            assert a == b, f"{STALE} ({name}, cell {i} differs)"
        assert len(ours) == len(new), f"{STALE} ({name}: {len(ours)} cells, {len(new)} expected)"


def test_the_staleness_check_ignores_layout_but_not_content():
    text = edition.strip_solutions(CELL)
    relaid = text.replace("\n\n# %%", "\n\n\n\n# %%")   # what another Jupytext might write
    assert relaid != text and edition.edition_cells(relaid) == edition.edition_cells(text)
    assert edition.edition_cells(text.replace("W1 =", "W2 =")) != edition.edition_cells(text)


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


MARKDOWN = r'''# %% [markdown]
# The gradient of $W_2$:
# <!-- BEGIN SOLUTION: show that dW2 = A1.T @ dZ2 + 2c W2 -->
# $$\frac{\partial J}{\partial W_2} = A_1^\top \texttt{dZ2} + 2cW_2$$
# <!-- END SOLUTION -->
# Its shape is that of $W_2$.
# <!--BEGIN SOLUTION-->
# Step two.
# <!-- END SOLUTION -->

# %%
html = "<!-- BEGIN SOLUTION -->"   # in a code cell: code, not a marker
'''


def test_a_markdown_region_becomes_a_prompt_and_renders_invisibly_in_the_teacher_edition():
    out = edition.strip_solutions(MARKDOWN)
    assert out.splitlines()[:14] == [
        "# %% [markdown]", "# The gradient of $W_2$:",
        "# *Derive this yourself: show that dW2 = A1.T @ dZ2 + 2c W2*", "",
        "# %% [markdown]", "# *Your derivation:*", "",
        "# %% [markdown]", "# Its shape is that of $W_2$.", "# *Derive this yourself.*", "",
        "# %% [markdown]", "# *Your derivation:*", ""]
    kinds = [kind for kind, _ in edition.edition_cells(out)]
    assert kinds == ["markdown"] * 4 + ["code"], "each prompt has an answer cell of its own"
    assert "A_1^" not in out and "Step two" not in out
    assert out.endswith('html = "<!-- BEGIN SOLUTION -->"   # in a code cell: code, not a marker\n')
    regions = edition.find_regions(MARKDOWN)
    assert [(r.begin, r.end, r.markdown) for r in regions] == [(3, 5, True), (7, 9, True)]


def test_pasting_the_solutions_back_gives_the_chapter_again():
    for text in (CELL, MARKDOWN, CELL + "\n" + MARKDOWN):
        student = edition.strip_solutions(text)
        assert student != text
        assert edition.paste_solutions(student, edition.solution_texts(text)) == text
    with pytest.raises(ValueError, match="no stub"):
        edition.paste_solutions(CELL, edition.solution_texts(MARKDOWN))


@pytest.mark.parametrize("src, line, words", [
    ("# %% [markdown]\n# <!-- BEGIN SOLUTION -->\n# x\n", 2, "never closed; add '<!-- END"),
    ("# %% [markdown]\n# <!-- END SOLUTION -->\n", 2, "without a '<!-- BEGIN SOLUTION -->'"),
    ("# %% [markdown]\n# <!-- begin solution -->\n", 2, "malformed marker"),
    ("# %% [markdown]\n# <!-- BEGIN SOLUTION -->\n\n# %%\nx = 1\n", 4, "is not closed"),
    ("# %%\n# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n# END SOLUTION\n", 3,
     "cannot be nested"),
    ("# %%\nx = 1\n# END SOLUTION\n", 3, "without a '# BEGIN SOLUTION'"),
    ("# %%\n# BEGIN SOLUTION\nx = 1\n", 2, "never closed"),
    ("# %%\n# BEGIN SOLUTION\nx = 1\n\n# %%\n# END SOLUTION\n", 5, "is not closed"),
    ("# %%\n    #BEGIN SOLUTION\n", 2, "malformed marker"),
    ("# %%\n# end solution\n", 2, "malformed marker"),
])
def test_unbalanced_or_misspelled_markers_in_code_or_markdown_name_the_file_and_line(
        src, line, words):
    with pytest.raises(ValueError, match=rf"^notebooks/09_x\.py, line {line}: .*{words}"):
        edition.strip_solutions(src, "notebooks/09_x.py")


QUESTION = r"""# %% [markdown]
# The loss is shift-invariant.
# <!-- BEGIN QUESTION -->
# **Question:** why does subtracting $\max_j z_j$ not change softmax?
#
# > The factor $e^{-m}$ cancels.
# >
# > **Rubric:** 1 point: it cancels; 1 point: no overflow.
# <!-- END QUESTION -->
# After the question.
# <!-- BEGIN QUESTION 3 points -->
# **Question:** and the gradient?
# > Unchanged too.
# > **Rubric:**
# > - 2 points: the loss is unchanged, so is its gradient;
# > - 1 point: to rounding.
# <!-- END QUESTION -->
"""


def test_a_question_keeps_its_question_and_leaves_an_empty_answer_place():
    out = edition.strip_solutions(QUESTION)
    assert out.splitlines() == [
        "# %% [markdown]", "# The loss is shift-invariant.",
        r"# **Question:** why does subtracting $\max_j z_j$ not change softmax?", "",
        "# %% [markdown]", "# *Your answer:*", "", "# %% [markdown]", "# After the question.",
        "# **Question:** and the gradient?", "", "# %% [markdown]", "# *Your answer:*"]
    assert "cancels" not in out and "Rubric" not in out and "Unchanged" not in out
    regions = edition.find_regions(QUESTION)
    assert [(r.begin, r.end, r.markdown, r.points) for r in regions] == [
        (3, 9, True, edition.QUESTION_POINTS), (11, 17, True, 3)]
    assert edition.paste_solutions(out, edition.solution_texts(QUESTION)) == QUESTION


TEACHER = """# %% [markdown]
# For everyone.
# <!-- BEGIN TEACHER -->
# For the teacher: the answer is 42.
# <!-- END TEACHER -->
# For everyone again.

# %% [markdown]
# <!-- BEGIN TEACHER -->
# A cell for the teacher alone.
# <!-- END TEACHER -->

# %% tags=["teacher"]
print("timings for the teacher")

# %% tags=["nbval-ignore-output"]
print("kept")

# %% tags=["nbval-ignore-output", "raises-exception"]
print("tagged")
"""


def test_teacher_notes_and_teacher_cells_leave_the_student_edition():
    out = edition.strip_solutions(TEACHER)
    assert edition.edition_cells(out) == [
        ("markdown", "For everyone.\nFor everyone again."),
        ("code", 'print("kept")'), ("code", 'print("tagged")')]
    assert edition.drop_teacher(TEACHER) == out, "no solution region: only the notes go"
    assert "nbval" not in out and '# %% tags=["raises-exception"]\n' in out
    assert "42" not in out and "alone" not in out and "timings" not in out


def test_teacher_notes_leave_the_course_too():
    from handin.course import nbgrader

    nb = nbgrader.course_notebook(TEACHER + "\n" + CELL)
    text = "\n".join(cell.source for cell in nb.cells)
    assert "For everyone again." in text and "42" not in text and "timings" not in text


def test_pasting_the_solutions_back_gives_the_chapter_without_its_teacher_notes():
    text = TEACHER + "\n" + MARKDOWN
    student = edition.strip_solutions(text)
    assert edition.paste_solutions(student, edition.solution_texts(text)) == \
        edition.drop_teacher(text) != text


@pytest.mark.parametrize("src, why", [
    ("# %% [markdown]\n# <!-- BEGIN TEACHER -->\n# note\n", "never closed"),
    ("# %% [markdown]\n# <!-- BEGIN TEACHER -->\n\n# %%\nx = 1\n", "not closed"),
    ("# %% [markdown]\n# note\n# <!-- END TEACHER -->\n", "without"),
    ("# %% [markdown]\n# <!-- BEGIN TEACHER -->\n# <!-- BEGIN TEACHER -->\n", "nested"),
    ("# %% [markdown]\n# <!--BEGIN TEACHERS-->\n", "malformed"),
    ("# %%\n# <!-- BEGIN TEACHER -->\nx = 1\n", "misplaced"),
    ("# %% [markdown]\n# <!-- BEGIN TEACHER -->\n# <!-- BEGIN SOLUTION -->\n# x\n"
     "# <!-- END SOLUTION -->\n# <!-- END TEACHER -->\n", "inside the teacher"),
])
def test_a_malformed_teacher_note_stops_the_edition_with_its_line(src, why):
    with pytest.raises(ValueError, match=f"notebooks/09_x.py, line [0-9]+: .*{why}"):
        edition.strip_solutions(src, "notebooks/09_x.py")


def test_question_parts_split_the_question_from_its_unquoted_answer_and_rubric():
    body = [line[2:] for line in QUESTION.splitlines()[11:16]]
    assert edition.question_parts(body) == (
        "**Question:** and the gradient?",
        "Unchanged too.\n**Rubric:**\n- 2 points: the loss is unchanged, so is its gradient;\n"
        "- 1 point: to rounding.")


def _question(*body, begin="# <!-- BEGIN QUESTION -->"):
    return "\n".join(["# %% [markdown]", "# Text.", begin, *body, "# <!-- END QUESTION -->", ""])


GOOD_ANSWER = ("# > Because.", "# > **Rubric:** 1 point: a; 1 point: b.")


@pytest.mark.parametrize("src, line, words", [
    (_question("# > Because.", "# > **Rubric:** 2 points: all."), 3, "has no question"),
    (_question("# Why?", *GOOD_ANSWER), 4, r"starts with '\*\*Question:\*\*'"),
    (_question("# **Question:** why?"), 3, "has no model answer"),
    (_question("# **Question:** why?", "# > Because.", "# after"), 6, "is quoted"),
    (_question("# **Question:** why?", "# > Because."), 3, r"no '\*\*Rubric:\*\*' line"),
    (_question("# **Question:** why?", *GOOD_ANSWER, begin="# <!-- BEGIN QUESTION 3 points -->"),
     6, "the rubric gives 2 points, the question 3"),
    (_question("# **Question:** why?", "# > **Rubric:** 1 point: a."), 5,
     "the rubric gives 1 points, the question 2"),
    ("# %% [markdown]\n# <!-- BEGIN QUESTION -->\n# **Question:** x\n", 2,
     "'<!-- BEGIN QUESTION -->' is never closed; add '<!-- END QUESTION -->'"),
    ("# %% [markdown]\n# <!-- BEGIN QUESTION -->\n# <!-- END SOLUTION -->\n", 3,
     "closes the question region opened at line 2; write '<!-- END QUESTION -->'"),
    ("# %% [markdown]\n# <!-- BEGIN SOLUTION -->\n# <!-- BEGIN QUESTION -->\n", 3,
     "inside the solution region opened at line 2"),
    ("# %% [markdown]\n# <!-- END QUESTION -->\n", 2, "without a '<!-- BEGIN QUESTION -->'"),
    ("# %% [markdown]\n# <!-- BEGIN QUESTION: why? -->\n", 2, "malformed marker"),
    ("# %% [markdown]\n# <!-- begin question -->\n", 2, "malformed marker"),
    ("# %% [markdown]\n# <!-- BEGIN QUESTION -->\n\n# %%\nx = 1\n", 4,
     "the question region opened at line 2 is not closed"),
])
def test_malformed_questions_name_the_file_and_line(src, line, words):
    with pytest.raises(ValueError, match=rf"^notebooks/09_x\.py, line {line}: .*{words}"):
        edition.strip_solutions(src, "notebooks/09_x.py")


def test_a_well_formed_question_passes_and_a_question_marker_in_code_is_code():
    assert len(edition.find_regions(_question("# **Question:** why?", *GOOD_ANSWER))) == 1
    code = '# %%\nhtml = "<!-- BEGIN QUESTION -->"\n'
    assert edition.strip_solutions(code) == code


def test_markers_quoted_in_prose_are_text():
    src = "# %% [markdown]\n# Mark a derivation with `<!-- BEGIN SOLUTION -->` and ...\n"
    assert edition.strip_solutions(src) == src and edition.find_regions(src) == []


def test_text_without_regions_is_copied_unchanged():
    assert edition.strip_solutions(CELL.split("# %%\n")[0]) == CELL.split("# %%\n")[0]


def test_the_notebook_has_no_outputs_a_kernel_and_stable_ids():
    text = edition.student_notebook(edition.strip_solutions(CELL))
    assert text == edition.student_notebook(edition.strip_solutions(CELL))
    nb = json.loads(text)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert [c["cell_type"] for c in nb["cells"]] == ["markdown", "code"]


# ---- the command ----

def test_cli_writes_the_edition_and_reports_bad_markers(tmp_path, capsys):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "01_a.py").write_text(CELL)
    (out).mkdir()
    (out / "07_old.py").write_text("stale")           # a chapter that no longer exists
    assert cli.main(["student-edition", "--src", str(src), "--out", str(out), "--ipynb"]) == 0
    assert "01_a.py + .ipynb: 1 solution region replaced" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["01_a.ipynb", "01_a.py"]
    assert jupytext.read(out / "01_a.ipynb").cells[1].source.count("NotImplementedError") == 1
    assert cli.main(["student-edition", "--src", str(src), "--out", str(out)]) == 0
    assert "01_a.py: 1 solution region replaced" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["01_a.py"]   # the .py twins only
    (src / "02_b.py").write_text("# %%\n# BEGIN SOLUTION\n")
    assert cli.main(["student-edition", "--src", str(src), "--out", str(out)]) == 1
    assert "02_b.py, line 2: '# BEGIN SOLUTION' is never closed" in capsys.readouterr().err


# ---- the committed chapters 1 and 2 ----

# Lines of each derivation the student must write; the teacher's chapter has them all.
DERIVATIONS = {
    "01_softmax_cross_entropy": [r"-z_y + \log \sum", r"e^{z_j}\, \delta_{i,j}",
                                 r"\mathrm{diag}(p) - p\,p^\top", r"-\frac{1}{p_y}\, p_y",
                                 "dZ[s, i] = (np.exp(Z[s, i] - m) / total - (i == y[s])) / n"],
    "02_forward_backward": [r"(A_1^\top \, \texttt{dZ2})_{u,i}", r"\sum_{s=1}^{n} (\texttt{dZ2})_{s,i}",
                            r"(\texttt{dZ2} \; W_2^\top)_{s,u}", r"\odot 1[Z_1 > 0]",
                            r"X^\top \, \texttt{dZ1} + 2c\,W_1", "dW2 = A1.T @ dZ2 + 2 * c * W2",
                            "dZ2 = (P - one_hot(y, k)) / n"],
    "04_what_it_learned": [r"W_1[f, :] \leftarrow (1 - 2\,\eta\,c)\, W_1[f, :]",
                           "return (1 - 2 * lr * c) ** steps"],
}


def _derivation_lines(text):
    """Markdown lines with math, and lines of code that assign a gradient ``dQ = ...``."""
    count = 0
    for kind, cell in edition.edition_cells(text):
        for line in cell.splitlines():
            math = kind == "markdown" and "$" in line
            code = kind == "code" and line.lstrip().startswith("d") and " = " in line
            count += math or code
    return count


@pytest.mark.parametrize("stem", sorted(DERIVATIONS))
def test_the_student_edition_hides_the_derivations(stem):
    teacher = (NOTEBOOKS / f"{stem}.py").read_text(encoding="utf-8")
    student = edition.strip_solutions(teacher)
    assert _derivation_lines(student) < _derivation_lines(teacher)
    for line in DERIVATIONS[stem]:
        assert line in teacher, f"{stem}: the chapter no longer has {line!r}; update DERIVATIONS"
        assert line not in student, f"{stem}: the student edition still shows {line!r}"
    assert "Derive this yourself" in student
    assert any("## Exercises" in src for _, src in edition.edition_cells(student)), \
        "the exercises' statements stay"


def test_every_chapter_asks_written_questions_whose_answers_students_do_not_see():
    for py in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py")):
        teacher = py.read_text(encoding="utf-8")
        questions = [r for r in edition.find_regions(teacher, str(py)) if r.question]
        assert len(questions) >= 1, py.name
        student = edition.strip_solutions(teacher)
        assert student.count("# *Your answer:*") == len(questions), py.name
        assert student.count("**Question:**") == teacher.count("**Question:**"), py.name
        assert "**Rubric:**" not in student and "Model answer" not in student, py.name


def _run_until_the_last_check(text):
    """Execute the code cells up to the last self-check; return the self-checks' results."""
    import matplotlib
    matplotlib.use("Agg")
    cells = [src for kind, src in edition.edition_cells(text) if kind == "code"]
    def is_check(src):          # a self-check call, check_forward(my_forward), not check_big = ...
        return re.match(r"check_\w+\(", src) is not None

    last = max(i for i, src in enumerate(cells) if is_check(src))
    namespace, results, stubbed = {"__name__": "__chapter__"}, [], False
    for src in cells[:last + 1]:
        try:
            if is_check(src):
                results.append(eval(src, namespace))  # noqa: S307 - a self-check cell
            else:
                exec(src, namespace)  # noqa: S102 - a chapter cell
        except selfcheck.StubLeft as stub:  # a self-check of an unwritten function
            results.append(selfcheck.CheckResult(src, False, str(stub)))
        except NotImplementedError:
            stubbed = True             # a student cell that calls an unwritten function
        except NameError:
            if not stubbed:            # a name an unwritten function's cell did not define
                raise
    return results


@pytest.mark.parametrize("stem", sorted(DERIVATIONS))
def test_the_student_edition_passes_its_self_checks_when_the_solutions_are_pasted_back(stem):
    teacher = (NOTEBOOKS / f"{stem}.py").read_text(encoding="utf-8")
    student = edition.strip_solutions(teacher)
    before = _run_until_the_last_check(student)
    assert before and not any(r.ok for r in before), [str(r) for r in before]
    pasted = edition.paste_solutions(student, edition.solution_texts(teacher))
    after = _run_until_the_last_check(pasted)
    assert len(after) == len(before) and all(r.ok for r in after), [str(r) for r in after]


def test_chapter_2_has_three_exercises_whose_stubs_the_self_checks_name():
    text = (NOTEBOOKS / "02_forward_backward.py").read_text()
    assert len([r for r in edition.find_regions(text) if not r.markdown]) == 3
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
        with pytest.raises(selfcheck.StubLeft, match=rf"^write the body of {name}\("):
            check(fn)
