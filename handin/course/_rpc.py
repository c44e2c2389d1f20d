"""The wire between the trusted grader and the student's kernel: values as JSON, and the
kernel's side of a call.

The grader never runs a student's code: it sends a request (call the student's
``my_backward`` with these arrays, or read an attribute of an object the student's code
made) to the sandboxed kernel, where :func:`serve` runs it and answers with the result as
data. What comes back is untrusted: :func:`decode` accepts plain data only (numbers,
strings, lists, tuples, dicts, numeric arrays, generators' states, and references to
objects left in the kernel) within :data:`MAX_REPLY` characters, and builds nothing else.

>>> import numpy as np
>>> value = {"W": np.arange(6.0).reshape(2, 3), "n": (1, float("nan")), "s": "x"}
>>> back = decode(json.loads(json.dumps(encode(value))))
>>> back["W"].shape, back["n"][0], math.isnan(back["n"][1]), back["s"]
((2, 3), 1, True, 'x')
"""

from __future__ import annotations

import base64
import json
import math
import traceback

import numpy as np

__all__ = ["Ref", "encode", "decode", "bootstrap_source", "request_source", "serve", "MIME", "MAX_REPLY",
           "WireError"]

#: the MIME type of the kernel's answer (a display_data output)
MIME = "application/vnd.handin.reply+json"
#: the largest answer, in characters of JSON, that the grader reads
MAX_REPLY = 64 * 2 ** 20
_MAX_DEPTH = 32
_KINDS = "biuf"            # bool, int, unsigned, float arrays; never object arrays


class WireError(ValueError):
    """A value that is not plain data, or an answer that is not well formed."""


class Ref:
    """An object left in the kernel (a student's layer, say), named by its number there."""

    def __init__(self, number):
        self.number = int(number)

    def __repr__(self):
        return f"Ref({self.number})"


def encode(value, *, depth=0):
    """``value`` as JSON-ready data; :class:`WireError` for anything but plain data."""
    if depth > _MAX_DEPTH:
        raise WireError("nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int) and not isinstance(value, np.integer):
        return value
    if isinstance(value, float) and not isinstance(value, np.floating):
        return value if math.isfinite(value) else {"__f__": repr(value)}
    if isinstance(value, Ref):
        return {"__r__": value.number}
    if isinstance(value, (np.ndarray, np.generic)):
        a = np.ascontiguousarray(value)
        if a.dtype.kind not in _KINDS:
            raise WireError(f"an array of dtype {a.dtype}")
        return {"__a__": [a.dtype.str, list(a.shape), base64.b64encode(a.tobytes()).decode()]}
    if isinstance(value, np.random.Generator):
        return {"__g__": encode(value.bit_generator.state, depth=depth + 1)}
    if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
        items = [encode(v, depth=depth + 1) for v in value]
        return items if isinstance(value, list) else {"__t__": items}
    if isinstance(value, dict) and type(value) is dict:
        return {"__d__": [[encode(k, depth=depth + 1), encode(v, depth=depth + 1)]
                          for k, v in value.items()]}
    raise WireError(f"a {type(value).__name__}")


def decode(data, *, depth=0, refs=None):
    """The value that :func:`encode` made ``data`` from; :class:`WireError` for anything else.

    ``refs(number)`` turns a reference into an object (default: a :class:`Ref`).
    """
    if depth > _MAX_DEPTH:
        raise WireError("nested too deeply")
    if data is None or isinstance(data, (bool, str, int, float)):
        return data
    if isinstance(data, list):
        return [decode(v, depth=depth + 1, refs=refs) for v in data]
    if not isinstance(data, dict) or len(data) != 1:
        raise WireError(f"unexpected {type(data).__name__}")
    (tag, body), = data.items()
    if tag == "__f__" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "__r__" and isinstance(body, int):
        return refs(body) if refs else Ref(body)
    if tag == "__t__" and isinstance(body, list):
        return tuple(decode(v, depth=depth + 1, refs=refs) for v in body)
    if tag == "__d__" and isinstance(body, list):
        out = {}
        for pair in body:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise WireError("a malformed dict")
            key = decode(pair[0], depth=depth + 1, refs=refs)
            try:
                out[key] = decode(pair[1], depth=depth + 1, refs=refs)
            except TypeError:
                raise WireError("an unhashable dict key") from None
        return out
    if tag == "__a__":
        return _array(body)
    if tag == "__g__":
        state = decode(body, depth=depth + 1)
        name = state.get("bit_generator") if isinstance(state, dict) else None
        if name not in ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937"):
            raise WireError("an unknown generator")
        rng = np.random.Generator(getattr(np.random, name)())
        try:
            rng.bit_generator.state = state
        except (TypeError, ValueError, KeyError) as exc:
            raise WireError(f"a malformed generator state ({exc})") from None
        return rng
    raise WireError(f"an unknown tag {tag!r}")


def _array(body):
    if not (isinstance(body, list) and len(body) == 3 and isinstance(body[0], str)
            and isinstance(body[1], list) and isinstance(body[2], str)
            and all(isinstance(s, int) and 0 <= s for s in body[1])):
        raise WireError("a malformed array")
    try:
        dtype = np.dtype(body[0])
    except TypeError:
        raise WireError(f"an array of dtype {body[0]!r}") from None
    if dtype.kind not in _KINDS or dtype.itemsize > 16:
        raise WireError(f"an array of dtype {dtype}")
    raw = base64.b64decode(body[2].encode(), validate=True)
    if len(raw) != math.prod(body[1]) * dtype.itemsize:
        raise WireError("an array whose data does not fill its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(body[1]).copy()


def bootstrap_source(name):
    """The code that readies a kernel, before any student code runs there, to answer
    requests through the global ``name`` (so that a submission that replaces modules in
    ``sys.modules`` or patches numpy does not break the answers of its own functions)."""
    return (f"import handin.course._rpc\n{name} = handin.course._rpc.serve\n"
            "del handin.course._rpc")


def request_source(request, name):
    """The code a kernel readied by :func:`bootstrap_source` runs to answer ``request``."""
    text = base64.b64encode(json.dumps(request).encode()).decode()
    return f"{name}({text!r})"


# ---- the kernel's side -------------------------------------------------------------------

_OBJECTS = {}


def _target(spec, namespace):
    if "ref" in spec:
        return _OBJECTS[spec["ref"]]
    return namespace[spec["name"]]


def _reply_value(value):
    try:
        return encode(value)
    except WireError:
        _OBJECTS[len(_OBJECTS) + 1] = value
        return {"__r__": len(_OBJECTS)}


def answer(request, namespace):
    """The answer to ``request`` as a dict (the kernel's side, with no display).

    ``request``: ``{"op": "call" | "getattr", "target": {"name": str} | {"ref": int},
    "attr": str or None, "args": [...], "kwargs": {...}}``. The answer is
    ``{"ok": value}``, ``{"callable": True}`` (an attribute that is a method),
    ``{"error": {"type", "message", "where"}}``, or ``{"reached": [names]}`` when the code
    called one of handin's functions that the graded build switched off.
    """
    try:
        from handin import _unavailable
    except ImportError:      # not in a graded build: nothing is switched off
        _unavailable = None
    reached = _unavailable.REACHED if _unavailable else []
    del reached[:]
    state = _global_rng()
    out = {}
    try:
        target = _target(request["target"], namespace)
        if request["op"] == "getattr":
            value = getattr(target, request["attr"])
            out = {"callable": True} if callable(value) and not isinstance(
                value, (np.ndarray, dict, list, tuple)) else {"ok": _reply_value(value)}
        else:
            fn = getattr(target, request["attr"]) if request.get("attr") else target
            args = decode(request.get("args", []), refs=_OBJECTS.__getitem__)
            kwargs = decode(request.get("kwargs", {"__d__": []}), refs=_OBJECTS.__getitem__)
            out = {"ok": _reply_value(fn(*args, **kwargs))}
    except BaseException as exc:  # noqa: BLE001 - the student's error is the answer
        if isinstance(exc, (SystemExit, KeyboardInterrupt)) and not reached:
            raise
        frames = traceback.extract_tb(exc.__traceback__)
        out = {"error": {"type": type(exc).__name__, "message": str(exc)[:2000],
                         "where": frames[-1].name if frames else ""}}
    if reached:
        out = {"reached": sorted(set(reached))}
    out["moved_global_rng"] = _global_rng() != state
    return out


def _global_rng():
    """A fingerprint of numpy's global generator, to tell whether a call drew from it."""
    _, key, pos, has_gauss, gauss = np.random.get_state()
    return key.tobytes(), pos, has_gauss, gauss


def serve(text):
    """Answer the request ``text`` (base64 JSON) in a kernel, as one display_data output."""
    from IPython import get_ipython
    from IPython.display import display

    request = json.loads(base64.b64decode(text))
    display({MIME: answer(request, get_ipython().user_ns)}, raw=True)

