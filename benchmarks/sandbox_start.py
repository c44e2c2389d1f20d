"""How much longer does a sandboxed kernel take to start than a plain one?

    PYTHONPATH=. python benchmarks/sandbox_start.py [--rounds 5]

Times ``start_kernel`` to the first ``kernel_info`` reply (the kernel is ready for a cell)
for jupyter_client's AsyncKernelManager and handin.course.sandbox.SandboxedKernelManager,
interleaved (plain, sandboxed, plain, ...), and prints the medians and their difference. The
sandboxed kernel gets a copy of handin as its build and a folder with one data file as cwd.
Needs what the sandbox needs (bubblewrap, root).
"""

import argparse
import asyncio
import pathlib
import shutil
import statistics
import tempfile
import time

from jupyter_client.manager import AsyncKernelManager

from handin.course import sandbox

ROOT = pathlib.Path(__file__).resolve().parents[1]


async def start_once(km, cwd):
    """Seconds from start_kernel to the kernel_info reply; then shut it down."""
    t0 = time.perf_counter()
    await km.start_kernel(cwd=cwd)
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=120)
    seconds = time.perf_counter() - t0
    kc.stop_channels()
    await km.shutdown_kernel()
    return seconds


async def main(rounds):
    sandbox.check_available()
    with tempfile.TemporaryDirectory() as tmp:
        build, cwd = pathlib.Path(tmp, "build"), pathlib.Path(tmp, "submission")
        shutil.copytree(ROOT / "handin", build / "handin",
                        ignore=shutil.ignore_patterns("__pycache__"))
        cwd.mkdir()
        (cwd / "data.csv").write_text("1,2\n")
        times = {"plain": [], "sandboxed": []}
        for _ in range(rounds):
            times["plain"].append(await start_once(AsyncKernelManager(kernel_name="python3"),
                                                   str(cwd)))
            km = sandbox.SandboxedKernelManager(kernel_name="python3")
            km.build_dir = str(build)
            times["sandboxed"].append(await start_once(km, str(cwd)))
    med = {k: statistics.median(v) for k, v in times.items()}
    for kind, values in times.items():
        print(f"{kind:>9}: median {med[kind]:.3f} s  ({', '.join(f'{v:.3f}' for v in values)})")
    print(f"overhead: {med['sandboxed'] - med['plain']:+.3f} s per kernel "
          f"({med['sandboxed'] / med['plain']:.2f}x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args().rounds))
