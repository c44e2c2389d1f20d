"""Start a sandboxed kernel: join its cgroups, set its limits, open its files, exec bubblewrap.

Run by :class:`handin.course.sandbox.SandboxedKernelManager` as
``python -I -S _sandbox_launch.py CONFIG -- bwrap ...``, as root on the host, before anything
of the student's runs. CONFIG is JSON with

- ``procs``: cgroup ``cgroup.procs`` files this process writes its pid to (so bubblewrap and
  everything it starts are counted against the cgroups' memory and pids limits);
- ``rlimits``: ``[name, soft, hard]`` triples for :func:`resource.setrlimit`;
- ``cpus``: the CPU affinity (empty: leave it);
- ``open``: files opened read-only, never through a symbolic link; the command's argument
  ``@fdN@`` becomes the number of the N-th one (bubblewrap's ``--file FD DEST`` copies it in).

Only the standard library: it runs with ``-S`` (no site-packages), and is not imported.
"""

import json
import os
import resource
import stat
import sys


def _open_regular(path):
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        raise OSError(f"not a regular file: {path}")
    os.set_inheritable(fd, True)
    return fd


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        sys.exit("usage: _sandbox_launch.py CONFIG -- COMMAND...")
    config = json.loads(argv[1])
    for procs in config["procs"]:
        with open(procs, "w") as f:
            f.write(str(os.getpid()))
    for name, soft, hard in config["rlimits"]:
        resource.setrlimit(getattr(resource, name), (soft, hard))
    if config["cpus"]:
        os.sched_setaffinity(0, config["cpus"])
    fds = [_open_regular(path) for path in config["open"]]
    cmd = argv[3:]
    for i, fd in enumerate(fds):
        cmd = [str(fd) if arg == f"@fd{i}@" else arg for arg in cmd]
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv)
