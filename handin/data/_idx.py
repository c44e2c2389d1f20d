"""The IDX file format of MNIST and Fashion-MNIST, plain or gzip-compressed.

An IDX file is a 4-byte magic number, one big-endian uint32 per dimension, then
the data in row-major order. The magic number is two zero bytes, a data type
byte (``0x08``: unsigned byte, the only type these data sets use) and the
number of dimensions: ``0x00000801`` for a vector of labels, ``0x00000803``
for a stack of images.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib

import numpy as np

__all__ = ["read_idx", "parse_idx"]

GZIP_MAGIC = b"\x1f\x8b"
MAGICS = {0x00000801: 1, 0x00000803: 3}  # magic number -> number of dimensions
_ALLOWED = "0x00000801 (labels) or 0x00000803 (images)"


def parse_idx(raw, source="<bytes>"):
    """Parse the bytes of an IDX file (gzip-compressed or not) into a read-only array.

    Parameters
    ----------
    raw : bytes
        The file's content. It is decompressed first if it starts with the
        gzip magic bytes ``1f 8b`` (whatever the file is called).
    source : str
        How to name the file in error messages.

    Returns
    -------
    data : ndarray of dtype uint8 and shape (n,) or (n, rows, cols)
        A read-only view of ``raw`` (or of its decompressed copy).

    Raises
    ------
    ValueError
        If the gzip stream is broken or cut short, the magic number is not one
        of the two above, or the byte count differs from what the header says.
    """
    raw = bytes(raw)
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{source} is not a valid gzip file ({exc}); it may be truncated "
                             "or corrupt: delete it and get it again.") from None
    if len(raw) < 4:
        raise ValueError(f"{source} is too short to be an IDX file ({len(raw)} bytes).")
    magic = int.from_bytes(raw[:4], "big")
    if magic not in MAGICS:
        if raw[:2] == b"\0\0" and raw[2] != 0x08:
            what = f"data type byte 0x{raw[2]:02x}, but only 0x08 (unsigned byte) is supported"
        else:
            what = f"magic number 0x{magic:08x}"
        raise ValueError(f"{source} is not an IDX file of MNIST type: {what}; expected the magic "
                         f"number {_ALLOWED}.")
    ndim = MAGICS[magic]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{source} is truncated: {len(raw)} bytes, shorter than its "
                         f"{header}-byte header.")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(raw) != expected:
        problem = "is truncated" if len(raw) < expected else "has extra bytes after the data"
        raise ValueError(f"{source} {problem}: its header announces shape {shape}, i.e. "
                         f"{expected} bytes, but it holds {len(raw)} bytes.")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def read_idx(path_or_file):
    """Read an IDX file (gzip-compressed or not) into a numpy array.

    Compression is detected from the content (the gzip magic bytes ``1f 8b``),
    not from the file name.

    Parameters
    ----------
    path_or_file : str, os.PathLike or binary file object
        The file to read.

    Returns
    -------
    data : ndarray of dtype uint8 and shape (n,) or (n, rows, cols)
        Labels (magic number ``0x00000801``) or images (``0x00000803``), e.g.
        shape (60000, 28, 28) for MNIST's training images. A new, writable array.

    Raises
    ------
    ValueError
        If the file is not a valid IDX file of unsigned bytes (wrong magic
        number, wrong data type byte, truncated, extra bytes, broken gzip
        stream); the message names the file.
    TypeError
        If ``path_or_file`` is neither a path nor a binary file object.

    Examples
    --------
    >>> import io
    >>> read_idx(io.BytesIO(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1])))
    array([7, 2, 1], dtype=uint8)
    """
    if isinstance(path_or_file, (str, os.PathLike)):
        source = os.fspath(path_or_file)
        with open(source, "rb") as f:
            raw = f.read()
    elif hasattr(path_or_file, "read"):
        source = str(getattr(path_or_file, "name", "<file object>"))
        raw = path_or_file.read()
        if not isinstance(raw, (bytes, bytearray)):
            raise TypeError(f"path_or_file must be opened in binary mode ('rb'), got {source} "
                            f"returning {type(raw).__name__}.")
    else:
        raise TypeError("path_or_file must be a path (str or os.PathLike) or a binary file "
                        f"object, got {type(path_or_file).__name__}.")
    return parse_idx(raw, source).copy()
