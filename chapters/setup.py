"""Copies the repository's chapters (``../notebooks/NN_name.py``) into the package before
any build; from an sdist, which holds them already, there is nothing to copy."""

import pathlib
import shutil

from setuptools import setup

HERE = pathlib.Path(__file__).resolve().parent
SOURCE, TARGET = HERE.parent / "notebooks", HERE / "handin_chapters" / "notebooks"

if SOURCE.is_dir():
    TARGET.mkdir(exist_ok=True)
    for old in TARGET.glob("*.py"):
        old.unlink()
    for chapter in sorted(SOURCE.glob("[0-9][0-9]_*.py")):
        shutil.copyfile(chapter, TARGET / chapter.name)

setup()
