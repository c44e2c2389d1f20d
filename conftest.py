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


def _start_kernel_again_once_or_twice():
    """nbval starts a kernel per notebook; kernels started side by side (two xdist workers,
    the browser and hub tests) now and then draw the same free TCP port, and the second
    never answers ("Kernel didn't respond in 60 seconds": seen once in a CI run). nbval
    shuts the failed kernel down; this starts it again, at most twice more."""
    try:
        from nbval import kernel
    except ImportError:
        return
    start = kernel.start_new_kernel
    if getattr(start, "retried", False):
        return

    def start_new_kernel(*args, **kwargs):
        for attempt in range(3):
            try:
                return start(*args, **kwargs)
            except RuntimeError:
                if attempt == 2:
                    raise

    start_new_kernel.retried = True
    kernel.start_new_kernel = start_new_kernel


_start_kernel_again_once_or_twice()
