"""The distributions, built offline from a copy of the repository: handin (what every student
installs) holds no chapter; handin-chapters (the teacher's extra) holds all eight, from its
sdist too; and with the two wheels alone a teacher builds the course outside any clone."""

import os
import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.py"))

# handin[test] has build and setuptools; the unit tests' lighter environment (handin[unit],
# on the oldest and newest Python) does not, and skips this module. (Asked of the tool
# itself: a build/ folder in the working directory imports as a namespace package.)
if subprocess.run([sys.executable, "-m", "build", "--version"], capture_output=True).returncode:
    pytest.skip("builds need the test extra's build tool (handin[test])", allow_module_level=True)


def _run(*args, cwd, env=None):
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """``{"handin": wheel, "handin_chapters": wheel, "sdist": chapters' sdist}``, built with
    ``python -m build --no-isolation`` (the test environment's setuptools, no network) from a
    copy of the repository's sources; the chapters' wheel is built from their sdist."""
    tmp = tmp_path_factory.mktemp("dist")
    src, out = tmp / "repo", tmp / "dist"
    junk = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "dist", "*.ipynb")
    for folder in ("handin", "chapters", "notebooks"):
        shutil.copytree(ROOT / folder, src / folder, ignore=junk)
    shutil.rmtree(src / "chapters" / "handin_chapters" / "notebooks", ignore_errors=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    _run("-m", "build", "--no-isolation", "--wheel", "--outdir", str(out), str(src), cwd=tmp)
    _run("-m", "build", "--no-isolation", "--outdir", str(out), str(src / "chapters"), cwd=tmp)
    found = {p.name.split("-")[0]: p for p in out.glob("*.whl")}
    found["sdist"] = next(out.glob("handin_chapters-*.tar.gz"))
    return found


def test_the_students_wheel_holds_no_chapter(wheels):
    names = zipfile.ZipFile(wheels["handin"]).namelist()
    assert "handin/course/nbgrader.py" in names and "handin/data/sample/mnist_sample.npz" in names
    leaked = [n for n in names if pathlib.PurePath(n).name in CHAPTERS or "notebooks/" in n]
    assert not leaked


def test_the_teachers_wheel_holds_every_chapter_from_its_sdist(wheels):
    import tarfile

    in_sdist = {pathlib.PurePath(n).name for n in tarfile.open(wheels["sdist"]).getnames()}
    assert set(CHAPTERS) <= in_sdist
    names = zipfile.ZipFile(wheels["handin_chapters"]).namelist()
    assert sorted(n.split("/")[-1] for n in names if n.startswith("handin_chapters/notebooks/")) \
        == CHAPTERS
    ours = zipfile.ZipFile(wheels["handin_chapters"]).read(
        f"handin_chapters/notebooks/{CHAPTERS[1]}").decode()
    assert ours == (ROOT / "notebooks" / CHAPTERS[1]).read_text(encoding="utf-8")


def test_a_teacher_builds_the_course_from_the_wheels_alone(wheels, tmp_path):
    """``pip install`` of the two wheels (no clone, no index), then ``python -m handin course``
    in a folder far from the repository: the chapters come from handin-chapters."""
    target = tmp_path / "site"
    _run("-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(target),
         str(wheels["handin"]), str(wheels["handin_chapters"]), cwd=tmp_path)
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = _run("-c", "import handin, handin_chapters; print(handin.__file__)",
                 cwd=tmp_path, env=env)
    assert where.startswith(str(target)), where
    out = _run("-m", "handin", "course", "mycourse", cwd=tmp_path, env=env)
    made = sorted(p.name for p in (tmp_path / "mycourse" / "source").iterdir())
    assert made == [c[:-3] for c in CHAPTERS], out
    assert "02_forward_backward.ipynb: " in out and (tmp_path / "mycourse" /
                                                     "nbgrader_config.py").is_file()


def test_without_the_chapters_the_course_command_says_what_to_install(wheels, tmp_path):
    target = tmp_path / "site"
    _run("-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(target),
         str(wheels["handin"]), cwd=tmp_path)
    done = subprocess.run([sys.executable, "-m", "handin", "course", "mycourse"], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(target)}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "pip install 'handin[teacher]'" in done.stderr, done.stderr
