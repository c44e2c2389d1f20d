"""``python -m handin train``: the original experiment as a command.

Flags as in the exercise's script (``-lr -bs -epochs -hidden``) plus ``-c``,
``--dataset`` (a name or a folder of IDX files), ``--seed``, ``--out`` and ``--json``.

``python -m handin fetch mnist [fashion-mnist] [--dir DIR]`` downloads full data sets
once into a folder that a class can share read-only (``HANDIN_DATA=DIR``).

``python -m handin student-edition [--src notebooks/] [--out student/]`` writes the
student edition of the chapters (see :mod:`handin.course.edition`).

``python -m handin course DIR [--src FOLDER]`` writes an nbgrader course, one
assignment per chapter (see :mod:`handin.course`); ``python -m handin grade ASSIGNMENT
[--student NAME]``, run in it, grades the submissions, sandboxed, on every core
(see :mod:`handin.course.grade`).

``python -m handin similarity ASSIGNMENT [--course DIR] [--threshold X]`` flags the
near-identical submissions of an assignment for the grader (see
:mod:`handin.course.similarity`).

No mistake ends in a traceback: a bad argument prints one line and exits with status 2;
a problem met while running (a missing or damaged data set, an ``--out`` that cannot be
written, a diverged run) prints what went wrong and exits with 1; Ctrl-C exits with 130
and leaves no half-written file.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pathlib
import sys
import tempfile

from . import data, experiment
from .data import download
from . import hyperparameters as hp
from ._validation import ParameterError
from .train import TrainingDiverged

log = logging.getLogger("handin")

# the hyperparameters (handin.hyperparameters' names) -> the exercise's flags, and their help
_FLAGS = {"lr": "-lr", "batch_size": "-bs", "epochs": "-epochs", "hidden": "-hidden", "c": "-c",
          "seed": "--seed"}
_HELP = {"lr": "learning rate", "batch_size": "batch size", "epochs": "epochs",
         "hidden": "hidden units",
         "c": "weight decay: cost = mean cross-entropy + c (|W1|^2 + |W2|^2)",
         "seed": "seeds initialisation, split and shuffling"}


EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130   # 130 = 128 + SIGINT, as shells do


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit status 2
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


class _Failed(Exception):
    """A problem met while running: its message is printed, the exit status is 1."""


def _dataset(text):
    if text in data.DATASETS:
        return text
    if data.is_folder(text):
        return pathlib.Path(text)
    raise argparse.ArgumentTypeError(f"expected {', '.join(data.DATASETS)} or a folder of IDX "
                                     f"files, got {text!r}")


def _hyperparameter(name):
    """argparse type for hyperparameter ``name``: parsed, then checked against its range."""
    kind = hp.RANGES[name].kind

    def convert(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'an int' if kind is int else 'a number'}, "
                                             f"got {text!r}") from None
        try:
            return hp.check(name, value)
        except ParameterError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = name
    return convert


def build_parser():
    parser = _Parser(prog="handin", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    t = sub.add_parser("train", help="train the two-layer network and write epoch_plots.png",
                       description="Train the two-layer ReLU network by mini-batch SGD, print "
                                   "in-sample and test accuracy, write DIR/epoch_plots.png.")
    for name, flag in _FLAGS.items():
        default = getattr(hp.DEFAULTS, name)
        t.add_argument(flag, dest=name, metavar=flag.lstrip("-").upper(), default=default,
                       type=_hyperparameter(name),
                       help=f"{_HELP[name]}: {hp.RANGES[name].text} (default {default:g})")
    t.add_argument("--dataset", type=_dataset, default="sample",
                   help="sample (shipped, offline; default), mnist or fashion-mnist (downloaded "
                        "once), or a folder holding the four IDX files")
    t.add_argument("--out", type=pathlib.Path, default=pathlib.Path("results"),
                   help="folder for epoch_plots.png (default results/)")
    t.add_argument("--json", action="store_true", help="end with one JSON line of the results")
    t.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.train_parser = t
    f = sub.add_parser("fetch", help="download full data sets once, into a folder to share",
                       description="Download (or find) the four IDX files of each data set, "
                                   "check their sha256, and keep them in DIR/NAME. A class can "
                                   "then read them from a read-only DIR: HANDIN_DATA=DIR.")
    f.add_argument("names", nargs="+", metavar="NAME", choices=download.FULL_DATASETS,
                   help="mnist and/or fashion-mnist")
    f.add_argument("--dir", type=pathlib.Path, default=None,
                   help="folder of the data sets (default: $HANDIN_DATA, else the user cache)")
    f.add_argument("--no-progress", action="store_true", help="no progress bar")
    s = sub.add_parser("student-edition", help="write the chapters with their solutions cut out",
                       description="Write OUT/NN_name.py for every chapter in SRC, each "
                                   "solution region replaced by a stub: '# YOUR CODE HERE' in "
                                   "code, a 'Derive this yourself' prompt in markdown, and a "
                                   "written question's model answer and rubric by an empty "
                                   "'Your answer:' place.")
    s.add_argument("--src", type=pathlib.Path, default=pathlib.Path("notebooks"),
                   help="folder of the solution chapters (default notebooks/)")
    s.add_argument("--out", type=pathlib.Path, default=pathlib.Path("student"),
                   help="folder of the student edition (default student/)")
    s.add_argument("--ipynb", action="store_true",
                   help="also write an output-free OUT/NN_name.ipynb beside each .py")
    p = sub.add_parser("page", help="serve the explorer as a page of its own (Voila)",
                       description="Run Voila on NOTEBOOK with handin's template: the page "
                                   "asks nothing of the network. Any further argument goes "
                                   "to voila (e.g. --port=8866 --no-browser).")
    p.add_argument("notebook", nargs="?", default=None,
                   help="the notebook to serve (default: the explorer alone, "
                        "handin/explorer/explorer.ipynb; e.g. notebooks/05_explorer.ipynb for "
                        "the whole chapter)")
    p.add_argument("voila_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    k = sub.add_parser("course", help="write an nbgrader course: one assignment per chapter",
                       description="Write DIR/nbgrader_config.py and DIR/source/<chapter>/"
                                   "<chapter>.ipynb for every chapter in SRC, with nbgrader's "
                                   "cell metadata; then, in DIR: nbgrader generate_assignment "
                                   "<chapter>.")
    k.add_argument("dir", type=pathlib.Path, metavar="DIR", help="the course folder")
    k.add_argument("--src", type=pathlib.Path, default=None,
                   help="folder of the solution chapters (default: the clone's notebooks/, "
                        "else those installed with handin[teacher])")
    k.add_argument("--timeout", type=int, default=120,
                   help="seconds a cell may run when autograding (default 120)")
    g = sub.add_parser("grade", help="autograde an assignment's submissions, sandboxed, on "
                       "every core", description="Grade every submission of ASSIGNMENT (or "
                       "one student's) in the course folder: each in a sandbox, side by side on "
                       "every core, into the course's gradebook.db; then Formgrader, nbgrader "
                       "generate_feedback and nbgrader export work as usual.")
    g.add_argument("assignment", metavar="ASSIGNMENT", help="e.g. 02_forward_backward")
    g.add_argument("--student", help="grade this student's submission only")
    g.add_argument("--course", type=pathlib.Path, default=pathlib.Path("."),
                   help="the course folder (default: the current folder)")
    g.add_argument("--workers", type=int, default=None,
                   help="submissions graded side by side (default: one per core)")
    g.add_argument("--force", action="store_true",
                   help="grade again submissions graded already (after a change of tests)")
    _similarity_parser(sub)
    return parser


def _out_folder(out):
    """Create ``out`` and a temporary file in it for the figure, before any training."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise _Failed(f"--out {out} is a file, not a folder: give a folder for "
                      "epoch_plots.png") from None
    except OSError as exc:
        raise _Failed(f"--out {out}: cannot create this folder ({exc.strerror or exc})") from None
    try:
        fd, tmp = tempfile.mkstemp(dir=out, prefix=".epoch_plots-", suffix=".png")
    except OSError as exc:
        raise _Failed(f"--out {out}: cannot write in this folder ({exc.strerror or exc})") from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)   # the mode of a file written plainly, not mkstemp's 0600
    return pathlib.Path(tmp)


def train_command(args, parser):
    from .plots import epoch_plots

    progress = not args.no_progress and sys.stderr.isatty()
    created = not args.out.exists()
    tmp = _out_folder(args.out)
    png = None
    try:
        try:
            result = experiment.run(args.dataset, progress=progress,
                                    **{name: getattr(args, name) for name in _FLAGS})
        except (TrainingDiverged, OSError, MemoryError) as exc:
            raise _Failed(str(exc) or type(exc).__name__) from None
        except ParameterError as exc:  # valid alone but not for this data (-bs > n_train)
            if exc.param not in _FLAGS:
                raise _Failed(str(exc)) from None
            parser.error(f"argument {_FLAGS[exc.param]}: {exc}")
        except ValueError as exc:      # a damaged data file
            raise _Failed(str(exc)) from None
        result.pop("params")
        for per_batch in ("batch_cross_entropy", "batches_per_epoch"):   # the JSON line keeps
            result["history"].pop(per_batch, None)                      # per-epoch curves only
        try:
            epoch_plots(result["history"], tmp,
                        title=f"{result['dataset']}: hidden {args.hidden}, lr {args.lr:g}, "
                              f"c {args.c:g}, batch {args.batch_size}")
            os.replace(tmp, args.out / "epoch_plots.png")   # all or nothing: never a
            png = args.out / "epoch_plots.png"               # half-written epoch_plots.png
        except OSError as exc:
            raise _Failed(f"--out {args.out}: cannot write epoch_plots.png "
                          f"({exc.strerror or exc})") from None
    finally:
        tmp.unlink(missing_ok=True)
        if png is None and created:    # failed or interrupted: take back the folder we made
            try:
                args.out.rmdir()
            except OSError:
                pass
    print(f"in sample accuracy {result['train_accuracy']:.4f}")
    print(f"test sample accuracy {result['test_accuracy']:.4f}")
    print(f"outputting to file {png}")
    if args.json:
        print(json.dumps(result))
    return 0


def fetch_command(args):
    folder = download.cache_dir(args.dir)
    progress = not args.no_progress and sys.stderr.isatty()
    for name in dict.fromkeys(args.names):
        try:
            paths = download.fetch(name, data_home=folder, progress=progress)
        except OSError as exc:
            raise _Failed(str(exc)) from None
        where = {p.parent for p in paths.values()}.pop()
        note = "" if folder in (where, where.parent) else " (read from there on this machine)"
        print(f"{name}: the four IDX files, sha256 checked, in {where}{note}")
    print(f"To share them read-only with a class: export HANDIN_DATA={folder}")
    return 0


def edition_command(args):
    from .course import write_student_edition

    try:
        regions = write_student_edition(args.src, args.out, ipynb=args.ipynb)
    except ValueError as exc:  # a chapter with unbalanced markers, or no chapters
        print(f"handin student-edition: {exc}", file=sys.stderr)
        return 1
    for stem, n in regions.items():
        twin = " + .ipynb" if args.ipynb else ""
        print(f"{args.out / stem}.py{twin}: {n} solution region{'s' * (n != 1)} replaced")
    return 0


def page_command(args):
    """Voila with handin's template (handin/explorer/voila_share on JUPYTER_PATH); its exit status."""
    import importlib.util
    import subprocess

    if importlib.util.find_spec("voila") is None:
        print("handin page: Voila is not installed: pip install 'handin[voila]'", file=sys.stderr)
        return EXIT_ERROR
    here = pathlib.Path(__file__).with_name("explorer")
    share = here / "voila_share"

    def first(name, path):   # ours, before the user's own
        return os.pathsep.join([str(path), *filter(None, [os.environ.get(name)])])

    env = {**os.environ, "JUPYTER_PATH": first("JUPYTER_PATH", share),
           "JUPYTER_CONFIG_PATH": first("JUPYTER_CONFIG_PATH", share / "config")}
    notebook = args.notebook or str(here / "explorer.ipynb")
    cmd = [sys.executable, "-m", "voila", notebook, "--template=handin", *args.voila_args]
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def course_command(args):
    from .course import write_course

    if args.timeout < 1:
        raise _Failed(f"--timeout must be at least 1 second, got {args.timeout}")
    try:
        from .course.nbgrader import chapters_folder

        points = write_course(args.src or chapters_folder(), args.dir, timeout=args.timeout)
    except (ValueError, OSError) as exc:   # no chapters, bad markers, a folder not writable
        raise _Failed(str(exc)) from None
    for stem, total in points.items():
        print(f"{args.dir / 'source' / stem / stem}.ipynb: {total:g} points")
    print(f"Next, in {args.dir}: nbgrader generate_assignment <chapter>")
    return 0


def grade_command(args):
    from .course import grade, sandbox

    if args.workers is not None and args.workers < 1:
        raise _Failed(f"--workers must be at least 1, got {args.workers}")
    try:
        students = grade.submissions(args.course, args.assignment, args.student)
        if not grade.unsafe(args.course):
            sandbox.check_available()
        if not students:
            raise _Failed(f"no submission of {args.assignment} in {args.course / 'submitted'}")
        done = grade.grade(args.course, args.assignment, student=args.student,
                           workers=args.workers, force=args.force)
    except (grade.GradingError, sandbox.SandboxUnavailable) as exc:
        raise _Failed(str(exc)) from None
    print(f"Graded {done['students']} submission(s) of {args.assignment}, {done['workers']} "
          f"side by side, into {args.course / 'gradebook.db'}.")
    if done["returncode"]:
        failed = [line for line in done["log"].splitlines() if "There was an error" in line]
        raise _Failed("nbgrader autograde failed for some submissions:\n" + "\n".join(failed))
    return 0


# --- python -m handin similarity ASSIGNMENT [--course DIR] [--threshold X] ---------------

def _similarity_parser(sub):
    from .course import similarity

    m = sub.add_parser("similarity", help="flag near-identical submissions for the grader",
                       description="Compare the submissions of ASSIGNMENT in an nbgrader "
                                   "course with each other and with handin's own source; "
                                   "write DIR/similarity/ASSIGNMENT.csv and .html, the pairs "
                                   "whose graded functions are near-identical once names, "
                                   "comments and whitespace are set aside. It flags; it "
                                   "changes no grade.")
    m.add_argument("assignment", metavar="ASSIGNMENT", help="e.g. 02_forward_backward")
    m.add_argument("--course", type=pathlib.Path, default=pathlib.Path("."), metavar="DIR",
                   help="the course folder (default: the current folder)")
    m.add_argument("--threshold", type=float, default=similarity.THRESHOLD, metavar="X",
                   help="flag a function when this fraction of its code, in (0, 1], is found "
                        f"in the other's (default {similarity.THRESHOLD:g})")


def similarity_command(args):
    try:
        from .course.similarity import similarity_report

        found = similarity_report(args.course, args.assignment, threshold=args.threshold)
    except ImportError as exc:
        raise _Failed(f"{exc.name or exc} is not installed: pip install 'handin[teacher]'") \
            from None
    except (ValueError, OSError) as exc:
        raise _Failed(str(exc)) from None
    pairs = len({(m.student, m.other) for m in found})
    out = args.course / "similarity" / args.assignment
    print(f"{args.assignment}: {pairs} pair{'s' * (pairs != 1)} flagged: {out}.csv, {out}.html")
    return 0


def main(argv=None):
    """Run the command line; returns the exit status (0, 1 error, 2 usage, 130 interrupted)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "page":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:               # options for voila before or without a notebook
        args.voila_args = [*extra, *args.voila_args]
    try:
        if args.command == "train":
            return train_command(args, parser.train_parser)
        if args.command == "fetch":
            return fetch_command(args)
        if args.command == "student-edition":
            return edition_command(args)
        if args.command == "page":
            return page_command(args)
        if args.command == "course":
            return course_command(args)
        if args.command == "grade":
            return grade_command(args)
        if args.command == "similarity":
            return similarity_command(args)
    except _Failed as exc:
        print(f"handin {args.command}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"handin {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_USAGE  # pragma: no cover - argparse enforces the choice


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
