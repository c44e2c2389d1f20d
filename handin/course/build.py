"""The graded build: a copy of handin in which the code that computes a chapter's answers
is switched off, for the sandbox that runs a submission.

A tripwire that notices calls by name can be dodged (a default argument bound to
``handin.backward``, a closure, ``types.FunctionType(handin.backward.__code__, ...)``). In
the graded build the reference is not there to be reached: each function named in
:data:`handin.course._tripwire.FORBID` for the chapter's checks has its body replaced by a
call to ``handin._unavailable.unavailable(name)``, which notes the name and raises. Every
route to it, whatever it is called by, ends there; the sandbox holds no other copy of
handin (:mod:`handin.course.sandbox`), and the kernel's answer then says which function was
reached (:func:`handin.course._rpc.answer`).

>>> import pathlib, tempfile
>>> out = write_build(["model.backward", "layers.Linear.backward"], tempfile.mkdtemp())
>>> text = (pathlib.Path(out) / "handin" / "model.py").read_text()
>>> "unavailable('handin.backward')" in text and "def cost_grad" in text
True
"""

from __future__ import annotations

import ast
import os
import pathlib
import shutil
import tempfile

from . import _tripwire

__all__ = ["write_build", "graded_build", "forbidden", "source_digest", "UNAVAILABLE_MODULE"]

UNAVAILABLE_MODULE = '''\
"""Handin's reference code is switched off in this copy: the course is being graded."""

REACHED = []


class ReferenceUnavailable(RuntimeError):
    """Raised by a function of handin's that computes a graded answer."""


def unavailable(name):
    REACHED.append(name)
    raise ReferenceUnavailable(
        f"{name} is switched off while this chapter is graded: it computes a graded answer.")
'''


def forbidden(checks):
    """The names switched off for a chapter whose graded checks are ``checks``."""
    names = set()
    for check in checks:
        if check not in _tripwire.FORBID:
            raise ValueError(f"checks: no self-check named {check!r}; the graded checks are "
                             f"{', '.join(sorted(_tripwire.FORBID))}.")
        names.update(_tripwire.FORBID[check])
    return sorted(names)


def _targets(names, package):
    """``{module file: set of qualified names, or None for every function}``."""
    targets = {}
    for name in names:
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            path = package.joinpath(*parts[:cut]).with_suffix(".py")
            if path.is_file():
                break
        else:
            raise ValueError(f"names: {name!r} is in no module of handin.")
        qual = ".".join(parts[cut:])
        if qual:
            if targets.get(path, set()) is not None:
                targets.setdefault(path, set()).add(qual)
        else:
            targets[path] = None
    return targets


class _Stub(ast.NodeTransformer):
    def __init__(self, module, quals):
        self.module, self.quals, self.stack, self.done = module, quals, [], set()

    def visit_ClassDef(self, node):
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()
        return node

    def visit_FunctionDef(self, node):
        qual = ".".join([*self.stack, node.name])
        if self.quals is None or qual in self.quals:
            name = _tripwire.public_name(f"{self.module}.{qual}")
            call = f"__import__('handin._unavailable', fromlist=['x']).unavailable({name!r})"
            node.body = [ast.parse(call).body[0]]
            self.done.add(qual)
            return node
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()
        return node

    visit_AsyncFunctionDef = visit_FunctionDef


def write_build(names, out):
    """Write ``out/handin``: handin with the functions ``names`` switched off; returns ``out``.

    Parameters
    ----------
    names : iterable of str
        ``"model.backward"``, ``"layers.Linear.backward"`` or a whole module, ``"autodiff"``.
    out : str or os.PathLike
        An existing folder.
    """
    import handin

    source = pathlib.Path(handin.__file__).parent
    package = pathlib.Path(out) / "handin"
    shutil.copytree(source, package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for path, quals in _targets(names, package).items():
        module = ".".join(path.relative_to(package).with_suffix("").parts)
        stub = _Stub(module, quals)
        tree = stub.visit(ast.parse(path.read_text(encoding="utf-8")))
        missing = (quals or set()) - stub.done
        if missing:
            raise ValueError(f"names: handin.{module} has no {', '.join(sorted(missing))}.")
        path.write_text(ast.unparse(ast.fix_missing_locations(tree)) + "\n", encoding="utf-8")
    (package / "_unavailable.py").write_text(UNAVAILABLE_MODULE, encoding="utf-8")
    for folder, dirs, files in os.walk(out):     # readable by the sandbox's unprivileged user
        os.chmod(folder, 0o755)
        for f in files:
            os.chmod(os.path.join(folder, f), 0o644)
    return str(out)


def source_digest():
    """A digest of handin's source files: a cache of verdicts is only as good as the code."""
    import hashlib

    import handin

    h = hashlib.sha256()
    for path in sorted(pathlib.Path(handin.__file__).parent.rglob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()


_BUILDS = {}


def graded_build(checks):
    """A folder holding the graded build for ``checks`` (made once per process, then reused)."""
    names = tuple(forbidden(checks))
    if names not in _BUILDS or not os.path.isdir(_BUILDS[names]):
        folder = tempfile.mkdtemp(prefix="handin-build-")
        _BUILDS[names] = write_build(names, folder)
        import atexit
        atexit.register(shutil.rmtree, folder, True)
    return _BUILDS[names]
