"""How long the student edition takes to read, chapter by chapter.

Counts the words of the prose (markdown cells, math counted as words) and the lines of
code of ``student/NN_name.py``, and prints the minutes to read them at a steady pace for
technical text: 120 words a minute for prose and 6 lines of code a minute (reading and
running a cell, not writing it). The time to write the graded functions and answers comes
on top; the student time in docs/teachers.md (and the README's table) adds it per chapter.

    python scripts/reading_time.py [--wpm 120] [--lpm 6]
"""

import argparse
import pathlib
import re

import jupytext

ROOT = pathlib.Path(__file__).resolve().parents[1]


def counts(path):
    """``(words of prose, lines of code, solution stubs, answer places)`` of a percent file."""
    nb = jupytext.read(path)
    words = code = stubs = answers = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            words += len(re.findall(r"[\w\\]+", cell.source))
            answers += cell.source.strip() in ("*Your answer:*", "*Your derivation:*")
        else:
            lines = [x for x in cell.source.splitlines() if x.strip() and not x.strip().startswith("#")]
            code += len(lines)
            stubs += cell.source.count("raise NotImplementedError(")
    return words, code, stubs, answers


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wpm", type=float, default=120.0, help="words of prose a minute")
    parser.add_argument("--lpm", type=float, default=6.0, help="lines of code a minute")
    args = parser.parse_args(argv)
    print(f"{'chapter':<28} {'words':>6} {'code':>5} {'stubs':>5} {'answers':>7} {'reading':>8}")
    for path in sorted((ROOT / "student").glob("[0-9][0-9]_*.py")):
        words, code, stubs, answers = counts(path)
        minutes = words / args.wpm + code / args.lpm
        print(f"{path.stem:<28} {words:>6} {code:>5} {stubs:>5} {answers:>7} {minutes:>6.0f} min")


if __name__ == "__main__":
    main()
