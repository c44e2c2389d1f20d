"""The student's functions seen from the trusted grader: proxies that run them in the kernel.

A :class:`Remote` stands for a name in the student's kernel (``my_backward``, a class
``MyLinear``) or an object made there. Calling it sends the arguments, as data, down a
*channel* (a function from a request dict to the kernel's answer dict, see
:mod:`handin.course._rpc`) and returns the answer decoded: arrays, dicts, tuples, numbers,
or another :class:`Remote` for an object that is not data. The self-checks of
:mod:`handin.course` take a :class:`Remote` where they take a function, so the verdict is
computed here, with the reference here, and only the student's function runs there.

>>> import numpy as np
>>> def my_double(x):
...     return 2 * x
>>> f = Remote(local_channel({"my_double": my_double}), "my_double")
>>> f(np.arange(3.0))
array([0., 2., 4.])
"""

from __future__ import annotations

import json
import keyword

import numpy as np

from . import _rpc
from ._hints import Failed

__all__ = ["Remote", "RemoteError", "NoAnswer", "local_channel"]


class RemoteError(Exception):
    """An exception raised by the student's code in the kernel (subclassed by its name)."""


class NoAnswer(RuntimeError):
    """The kernel gave no usable answer: it timed out, died, or answered with other than data."""


_ERRORS = {}


def _error_class(name):
    """An exception class named as the student's (``ValueError``, ``MyError``), for reports."""
    if name in ("NotImplementedError",):
        return NotImplementedError
    if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)
            and len(name) <= 100):
        name = "RemoteError"
    if name not in _ERRORS:
        _ERRORS[name] = type(name, (RemoteError,), {"__module__": "builtins"})
    return _ERRORS[name]


class Remote:
    """A function, class or object in the student's kernel, reached through ``channel``.

    Parameters
    ----------
    channel : callable
        ``channel(request) -> answer``, both dicts (:func:`handin.course._rpc.answer`).
    target : str or int
        A global name in the student's namespace, or the number of an object made there.
    label : str, optional
        How reports name it (default: the name, or ``"object"``).
    attr : str, optional
        A method of ``target`` (the proxy is then that bound method).
    """

    def __init__(self, channel, target, label=None, *, attr=None):
        self._channel, self._attr = channel, attr
        self._target = {"ref": target} if isinstance(target, int) else {"name": str(target)}
        self.__name__ = label or (str(target) if not isinstance(target, int) else "object")

    def __repr__(self):
        return f"<Remote {self.__name__}>"

    def _ask(self, request):
        answer = self._channel({"target": self._target, "attr": self._attr, **request})
        if not isinstance(answer, dict):
            raise NoAnswer(f"{self.__name__}: the kernel's answer is not a dict.")
        if answer.get("moved_global_rng") is True:
            np.random.random()        # mirror the call's draw from numpy's global generator
        if "reached" in answer:
            names = [n for n in answer["reached"] if isinstance(n, str)] or ["handin"]
            raise Failed(f"{self.__name__} calls {names[0]}: write it yourself.",
                         f"{names[0]} is switched off while your work is graded: the grade "
                         "is for code you wrote.")
        if "error" in answer:
            error = answer["error"] if isinstance(answer["error"], dict) else {}
            exc = _error_class(error.get("type"))(str(error.get("message", ""))[:2000])
            exc.where = str(error.get("where", ""))
            raise exc
        return answer

    def _value(self, data):
        label = self.__name__     # an object that MyLinear(...) made reports as MyLinear
        try:
            return _rpc.decode(data, refs=lambda n: Remote(self._channel, n, label))
        except _rpc.WireError as exc:
            raise NoAnswer(f"{self.__name__} returned {exc}, not data.") from None

    def __call__(self, *args, **kwargs):
        answer = self._ask({"op": "call", "args": _rpc.encode(list(args)),
                            "kwargs": _rpc.encode(dict(kwargs))})
        if "ok" not in answer:
            raise NoAnswer(f"{self.__name__}: the kernel's answer holds no result.")
        return self._value(answer["ok"])

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        target = self._target.get("ref", self._target.get("name"))
        if self._attr is not None:
            raise AttributeError(f"{self.__name__}.{self._attr}.{name}: one level only")
        answer = Remote(self._channel, target, self.__name__, attr=name)._ask({"op": "getattr"})
        if answer.get("callable") is True:
            return Remote(self._channel, target, f"{self.__name__}.{name}", attr=name)
        if "ok" not in answer:
            raise NoAnswer(f"{self.__name__}.{name}: the kernel's answer holds no value.")
        return self._value(answer["ok"])


def local_channel(namespace):
    """A channel to ``namespace`` in this process, through JSON as to a kernel (for tests)."""
    def send(request):
        request = json.loads(json.dumps(request))
        return json.loads(json.dumps(_rpc.answer(request, namespace)))
    return send
