"""``python -m handin train``: the original experiment as a command.

Flags as in the exercise's script (``-lr -bs -epochs -hidden``) plus ``-c``,
``--dataset``, ``--seed``, ``--out`` and ``--json``.

``python -m handin student-edition [--src notebooks/] [--out student/]`` writes the
student edition of the chapters (see :mod:`handin.edition`).
"""

from __future__ import annotations

import argparse
import json
import logging
import pathlib
import sys

from . import data, experiment
from ._validation import check_scalar
from .train import TrainingDiverged

log = logging.getLogger("handin")

# fit()'s parameter names -> the flags that set them
_FLAGS = {"lr": "-lr", "batch_size": "-bs", "epochs": "-epochs", "hidden": "-hidden", "c": "-c",
          "seed": "--seed"}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit status 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def _scalar(name, kind, **bounds):
    def convert(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'an int' if kind is int else 'a number'}, "
                                             f"got {text!r}") from None
        try:
            return check_scalar(value, name, kind, **bounds)
        except (TypeError, ValueError) as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = name
    return convert


def build_parser():
    parser = _Parser(prog="handin", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    t = sub.add_parser("train", help="train the two-layer network and write epoch_plots.png",
                       description="Train the two-layer ReLU network by mini-batch SGD, print "
                                   "in-sample and test accuracy, write DIR/epoch_plots.png.")
    t.add_argument("-lr", type=_scalar("lr", float, min_val=0.0, include_min=False), default=0.1,
                   help="learning rate, > 0 (default 0.1)")
    t.add_argument("-bs", type=_scalar("batch_size", int, min_val=1), default=32,
                   help="batch size, >= 1 (default 32)")
    t.add_argument("-epochs", type=_scalar("epochs", int, min_val=1, max_val=100_000), default=10,
                   help="epochs, >= 1 (default 10)")
    t.add_argument("-hidden", type=_scalar("hidden", int, min_val=1, max_val=65536), default=256,
                   help="hidden units (default 256)")
    t.add_argument("-c", type=_scalar("c", float, min_val=0.0), default=1e-4,
                   help="weight decay, >= 0 (default 1e-4)")
    t.add_argument("--dataset", choices=data.DATASETS, default="sample",
                   help="sample (shipped, offline; default), mnist or fashion-mnist (downloaded once)")
    t.add_argument("--seed", type=_scalar("seed", int, min_val=0), default=0,
                   help="seed of initialisation, split and shuffling (default 0)")
    t.add_argument("--out", type=pathlib.Path, default=pathlib.Path("results"),
                   help="folder for epoch_plots.png (default results/)")
    t.add_argument("--json", action="store_true", help="end with one JSON line of the results")
    t.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.train_parser = t
    s = sub.add_parser("student-edition", help="write the chapters with their solutions cut out",
                       description="Write OUT/NN_name.py for every chapter in SRC, each "
                                   "solution region replaced by a stub: '# YOUR CODE HERE' in "
                                   "code, a 'Derive this yourself' prompt in markdown.")
    s.add_argument("--src", type=pathlib.Path, default=pathlib.Path("notebooks"),
                   help="folder of the solution chapters (default notebooks/)")
    s.add_argument("--out", type=pathlib.Path, default=pathlib.Path("student"),
                   help="folder of the student edition (default student/)")
    s.add_argument("--ipynb", action="store_true",
                   help="also write an output-free OUT/NN_name.ipynb beside each .py")
    return parser


def train_command(args, parser):
    from .plotting import epoch_plots

    progress = not args.no_progress and sys.stderr.isatty()
    try:
        result = experiment.run(args.dataset, hidden=args.hidden, lr=args.lr, c=args.c,
                                batch_size=args.bs, epochs=args.epochs, seed=args.seed,
                                progress=progress)
    except TrainingDiverged as exc:
        print(f"handin train: {exc}", file=sys.stderr)
        return 1
    except data.DatasetNotAvailable as exc:
        print(f"handin train: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a value valid alone but not for this data, e.g. -bs > n_train
        name = str(exc).split()[0]
        flag = _FLAGS.get(name)
        if flag is None:
            raise
        parser.error(f"argument {flag}: {exc}")
    result.pop("params")
    args.out.mkdir(parents=True, exist_ok=True)
    png = args.out / "epoch_plots.png"
    epoch_plots(result["history"], png,
                title=f"{args.dataset}: hidden {args.hidden}, lr {args.lr:g}, c {args.c:g}, "
                      f"batch {args.bs}")
    print(f"in sample accuracy {result['train_accuracy']:.4f}")
    print(f"test sample accuracy {result['test_accuracy']:.4f}")
    print(f"outputting to file {png}")
    if args.json:
        print(json.dumps(result))
    return 0


def edition_command(args):
    from .edition import write_student_edition

    try:
        regions = write_student_edition(args.src, args.out, ipynb=args.ipynb)
    except ValueError as exc:  # a chapter with unbalanced markers, or no chapters
        print(f"handin student-edition: {exc}", file=sys.stderr)
        return 1
    for stem, n in regions.items():
        twin = " + .ipynb" if args.ipynb else ""
        print(f"{args.out / stem}.py{twin}: {n} solution region{'s' * (n != 1)} replaced")
    return 0


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "train":
        return train_command(args, parser.train_parser)
    if args.command == "student-edition":
        return edition_command(args)
    return 2  # pragma: no cover - argparse enforces the choice


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
