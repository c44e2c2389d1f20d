# The paired .py files (Jupytext percent format) of the chapters, of their worked solutions
# and of the student edition are notebooks, not test modules: nbval runs the .ipynb twins of
# notebooks/ and solutions/ instead. The student edition has no outputs to compare and its
# exercises raise NotImplementedError, so it is not run (tests/test_edition.py checks it).
collect_ignore_glob = ["notebooks/*.py", "solutions/*.py", "student/*", "handin/__main__.py"]
