import os

# The paired .py files (Jupytext percent format) of the chapters, of their worked solutions
# and of the student edition are notebooks, not test modules: nbval runs the .ipynb twins of
# notebooks/ and solutions/ instead. The student edition has no outputs to compare and its
# exercises raise NotImplementedError, so it is not run (tests/course/test_edition.py checks it).
collect_ignore_glob = ["notebooks/*.py", "solutions/*.py", "student/*", "handin/__main__.py"]
# The grader's nbgrader preprocessor needs nbgrader (the teacher's extra, Python 3.11+): where
# it is not installed (the unit tests on 3.10), its module has no doctests to collect.
try:
    import nbgrader  # noqa: F401
except ImportError:
    collect_ignore_glob += ["handin/course/autograde.py", "handin/course/exchange.py"]

# One OpenBLAS thread in this process and in the kernels nbval starts (they inherit the
# environment), unless the caller chose otherwise. On a shared 2-core machine two threads per
# process thrash: one `fit` of the book's default run took a median of 42 s with the default
# threads under load and 2.8 s with one thread, and the chapters train a dozen times.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


NBVAL_SANITIZE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tests",
                              "nbval_sanitize.cfg")


def pytest_configure(config):
    """nbval masks the pictures inside the figures' HTML (see tests/nbval_sanitize.cfg),
    also when run with ``-o addopts=``; a --nbval-sanitize-with given on the command line wins."""
    if (getattr(config.option, "nbval_sanitize_with", "no nbval") is None
            and os.path.isfile(NBVAL_SANITIZE)):
        config.option.nbval_sanitize_with = NBVAL_SANITIZE
