"""The sandbox in which a student's submission runs when nbgrader autogrades it.

:class:`SandboxedKernelManager` starts the ordinary python3 ipykernel inside bubblewrap
(``bwrap``) when nbgrader autogrades, in ``nbgrader_config.py`` (or as command-line flags)::

    c.Execute.kernel_manager_class = "handin.course.sandbox.SandboxedKernelManager"
    c.SandboxedKernelManager.build_dir = "/path/to/build"   # its handin/ is `import handin`

Inside, the kernel runs as ``nobody`` (uid 65534 on the host too: bubblewrap runs as root
without a user namespace, ``setpriv`` drops to that uid and every capability). It sees, read-
only, the running Python, ``/usr``, a few files of ``/etc`` and ``build_dir/handin`` at
:data:`BUILD_MOUNT` (first on ``PYTHONPATH``: it masks an installed handin); and a tmpfs of
``scratch_bytes`` at ``/tmp`` with ``HOME`` and its cwd :data:`WORKDIR`, a copy of the
submission folder without notebooks (they hold the hidden tests) or links. Not the course
folder, ``/root``, the repository, the host's ``/tmp`` (other kernels' keys). No network: it
talks over ZeroMQ ``ipc`` sockets in a per-kernel folder (a small tmpfs). cgroups (v1 or v2,
per kernel) cap its memory and processes (rlimits, with a warning, where none can be made),
an rlimit its CPU time; ``cpus`` sets its affinity; it is interrupted by message, not signal.
``_sandbox_launch.py`` joins the cgroups, sets rlimits and affinity, and execs bubblewrap.
"""

import asyncio
import ctypes
import json
import logging
import os
import shutil
import site
import stat
import subprocess
import sys
import tempfile

from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, List, Unicode

_log = logging.getLogger(__name__)

#: The host uid (and gid) the kernel runs as: ``nobody``.
SANDBOX_UID = 65534
#: Where ``build_dir/handin`` is inside: ``BUILD_MOUNT/handin``; ``PYTHONPATH`` is this.
BUILD_MOUNT = "/opt/handin-build"
#: The scratch tmpfs, the kernel's home and its working folder (the submission's copy).
SCRATCH, HOME, WORKDIR = "/tmp", "/tmp/home", "/tmp/submission"
#: At most this many files of the submission folder are copied in.
MAX_FILES = 512
_LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_sandbox_launch.py")
_CGROUP_ROOT = "/sys/fs/cgroup"
_TOP_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC = ("ld.so.cache", "localtime", "passwd", "group", "nsswitch.conf", "alternatives", "fonts")


class SandboxUnavailable(RuntimeError):
    """No sandbox can be had here; the message says why and how to get one."""


def check_available():
    """Raise :class:`SandboxUnavailable` unless this is Linux with ``bwrap`` and ``setpriv`` on
    ``PATH``, run as root, and bubblewrap may make namespaces here (a quick trial)."""
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(f"the sandbox needs Linux (bubblewrap); this is {sys.platform}")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable("bubblewrap (bwrap) not found: apt-get install bubblewrap")
    if shutil.which("setpriv") is None:
        raise SandboxUnavailable("setpriv not found: apt-get install util-linux")
    if os.geteuid() != 0:
        raise SandboxUnavailable("the sandbox needs root (cgroups, running the kernel as "
                                 "nobody): run the grader as root")
    trial = subprocess.run([bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc",
                            "--ro-bind", "/", "/", shutil.which("true") or "/bin/true"],
                           capture_output=True, text=True, timeout=30)
    if trial.returncode != 0:
        why = (trial.stderr.strip().splitlines() or ["no message"])[-1]
        raise SandboxUnavailable(f"bubblewrap cannot make namespaces here ({why}): run the "
                                 "grader on a host or a privileged container")


def _outermost(paths):
    """The paths not inside another of them, sorted."""
    out = []
    for p in sorted(set(paths)):
        if not any(p == q or p.startswith(q.rstrip("/") + "/") for q in out):
            out.append(p)
    return out


def python_dirs():
    """The running Python's prefixes and site-packages (given and resolved paths), outermost
    only, but those under /usr (bound whole): a venv in a repository, not the repository."""
    given = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             *site.getsitepackages()}
    paths = {q for p in given for q in (os.path.abspath(p), os.path.realpath(p))
             if os.path.isdir(q)}
    return [p for p in _outermost(paths) if p not in ("/", "/usr") and not p.startswith("/usr/")]


def submission_files(folder):
    """The submission folder's subfolders and files to copy in, relative: no notebook, no
    ``.ipynb_checkpoints``, no symbolic link (it could point into the course folder)."""
    dirs, files = [], []
    for root, dnames, fnames in os.walk(folder):
        rel = os.path.relpath(root, folder)
        dnames[:] = sorted(d for d in dnames if d != ".ipynb_checkpoints"
                           and not os.path.islink(os.path.join(root, d)))
        dirs += [os.path.normpath(os.path.join(rel, d)) for d in dnames]
        files += [os.path.normpath(os.path.join(rel, f)) for f in sorted(fnames)
                  if not f.lower().endswith(".ipynb")
                  and stat.S_ISREG(os.lstat(os.path.join(root, f)).st_mode)]
    if len(files) > MAX_FILES:
        raise ValueError(f"cwd: {folder!r} holds {len(files)} files; at most {MAX_FILES} "
                         "are copied into the sandbox")
    return dirs, files


def _write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def _mount_tmpfs(path, size=2**20):
    """Mount a small tmpfs on ``path`` (the one host folder the kernel may write to, so it
    cannot fill the host's disk); False, with a warning, where that cannot be done."""
    libc = ctypes.CDLL(None, use_errno=True)
    flags = 2 | 4 | 8   # MS_NOSUID | MS_NODEV | MS_NOEXEC
    if libc.mount(b"tmpfs", os.fsencode(path), b"tmpfs", flags,
                  f"size={size},nr_inodes=64,mode=0700".encode()) == 0:
        return True
    _log.warning("cannot mount a tmpfs on %s (%s): the kernel's socket folder is on the host's "
                 "disk", path, os.strerror(ctypes.get_errno()))
    return False


def make_cgroups(name, memory_bytes, pids_max, root=None):
    """Make the cgroups ``name`` with the memory and pids limits; return (folders, missing).

    cgroup v2 where ``root`` is the unified hierarchy (the controllers enabled in the root's
    ``cgroup.subtree_control``), else v1 (``root/memory``, ``root/pids``). ``missing`` names
    the controllers ("memory", "pids") that could not be had.
    """
    root = root or _CGROUP_ROOT
    if os.path.exists(os.path.join(root, "cgroup.controllers")):
        path = os.path.join(root, name)
        try:
            with open(os.path.join(root, "cgroup.controllers")) as f:
                available = f.read().split()
            have = [c for c in ("memory", "pids") if c in available]
            if have:
                _write(os.path.join(root, "cgroup.subtree_control"),
                       " ".join("+" + c for c in have))
            os.mkdir(path)
            if "memory" in have:
                _write(os.path.join(path, "memory.max"), memory_bytes)
                if os.path.exists(os.path.join(path, "memory.swap.max")):
                    _write(os.path.join(path, "memory.swap.max"), 0)
            if "pids" in have:
                _write(os.path.join(path, "pids.max"), pids_max)
        except OSError as e:
            _log.warning("cannot make cgroup %s: %s", path, e)
            _remove_cgroup(path)
            return [], {"memory", "pids"}
        return [path], {"memory", "pids"} - set(have)
    folders, missing = [], set()
    limits = {"memory": [("memory.limit_in_bytes", memory_bytes),
                         ("memory.memsw.limit_in_bytes", memory_bytes)],
              "pids": [("pids.max", pids_max)]}
    for ctrl, files in limits.items():
        path = os.path.join(root, ctrl, name)
        if not os.path.exists(os.path.join(root, ctrl, "cgroup.procs")):
            missing.add(ctrl)
            continue
        try:
            os.mkdir(path)
            for i, (fname, value) in enumerate(files):
                if i == 0 or os.path.exists(os.path.join(path, fname)):
                    _write(os.path.join(path, fname), value)
            folders.append(path)
        except OSError as e:
            _log.warning("cannot make cgroup %s: %s", path, e)
            _remove_cgroup(path)
            missing.add(ctrl)
    return folders, missing


def _remove_cgroup(path):
    """Kill what is left in cgroup ``path`` and remove it; True when it is gone."""
    try:
        if os.path.exists(os.path.join(path, "cgroup.kill")):
            _write(os.path.join(path, "cgroup.kill"), 1)
        elif os.path.exists(os.path.join(path, "cgroup.procs")):
            with open(os.path.join(path, "cgroup.procs")) as f:
                for pid in f.read().split():
                    try:
                        os.kill(int(pid), 9)
                    except ProcessLookupError:
                        pass
        os.rmdir(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def rlimits(cpu_seconds, memory_bytes, pids_max, missing):
    """The launcher's [name, soft, hard] rlimits: CPU, no core, stand-ins of cgroups missing."""
    out = [["RLIMIT_CPU", cpu_seconds, cpu_seconds + 5], ["RLIMIT_CORE", 0, 0]]
    if "memory" in missing:
        out.append(["RLIMIT_AS", memory_bytes, memory_bytes])
    if "pids" in missing:   # per uid: counts every process of nobody on the host
        out.append(["RLIMIT_NPROC", pids_max, pids_max])
    return out


def mount_args(pythons, handin_dir, ipc_dir, connection_file, dirs, files, scratch_bytes):
    """bubblewrap's file-system arguments. The launcher's ``@fd0@`` is the connection file
    (copied in read-only), ``@fdN@`` the N-th of ``files`` (copied into :data:`WORKDIR`)."""
    args = ["--ro-bind", "/usr", "/usr", "--perms", "0755", "--dir", "/etc"]
    made = {"/", "/usr", "/etc", "/proc", "/dev", SCRATCH}
    for path in _TOP_LINKS + tuple("/etc/" + name for name in _ETC):
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.exists(path):
            args += ["--ro-bind", path, path]
        made.add(path)
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(scratch_bytes), "--tmpfs", SCRATCH]

    def parents(path):   # made 0755: bubblewrap would copy the host's modes (/root: 0700)
        parts = path.strip("/").split("/")[:-1]
        for i in range(len(parts)):
            folder = "/" + "/".join(parts[:i + 1])
            if folder not in made:
                args.extend(["--perms", "0755", "--dir", folder])
                made.add(folder)

    for path, dest in [(p, p) for p in pythons] + [(handin_dir, BUILD_MOUNT + "/handin")]:
        parents(dest)
        args += ["--ro-bind", path, dest]
    parents(ipc_dir)
    args += ["--bind", ipc_dir, ipc_dir]
    parents(connection_file)
    args += ["--perms", "0444", "--ro-bind-data", "@fd0@", connection_file]
    for folder in [HOME, WORKDIR] + [os.path.join(WORKDIR, d) for d in dirs]:
        args += ["--perms", "0777", "--dir", folder]
    for i, rel in enumerate(files, 1):
        args += ["--perms", "0666", "--file", f"@fd{i}@", os.path.join(WORKDIR, rel)]
    return args


def sandbox_env():
    """The kernel's whole environment."""
    return {"PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin", "HOME": HOME,
            "TMPDIR": SCRATCH, "LANG": "C.UTF-8", "MPLCONFIGDIR": HOME + "/.matplotlib",
            "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "PYTHONPATH": BUILD_MOUNT, "PYTHONNOUSERSITE": "1",
            "JPY_PARENT_PID": "1"}   # its parent is bubblewrap's pid 1; a host pid: it exits


def sandbox_argv(kernel_cmd, mounts, env, bwrap="bwrap", setpriv="setpriv"):
    """bubblewrap's command line for ``kernel_cmd``, run as :data:`SANDBOX_UID`."""
    namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                  "--unshare-cgroup-try", "--hostname", "sandbox", "--die-with-parent",
                  "--new-session"]
    caps = ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
            "--cap-add", "CAP_SETPCAP"]   # what setpriv needs to drop to nobody (and all)
    env_args = ["--clearenv"]
    for key, value in env.items():
        env_args += ["--setenv", key, value]
    drop = [setpriv, f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return [bwrap, *namespaces, *caps, *mounts, *env_args, "--chdir", WORKDIR, "--",
            *drop, *kernel_cmd]


def check_build(build_dir):
    """``build_dir/handin``, resolved; ValueError unless it is a package readable by all."""
    if not build_dir:
        raise ValueError("build_dir: required, a folder holding the package folder handin/")
    handin_dir = os.path.realpath(os.path.join(build_dir, "handin"))
    if not os.path.isfile(os.path.join(handin_dir, "__init__.py")):
        raise ValueError(f"build_dir: {build_dir!r} holds no package folder handin/ "
                         "(with an __init__.py)")
    for root, dnames, fnames in os.walk(handin_dir):
        for path, need in [(root, 0o005)] + [(os.path.join(root, f), 0o004) for f in fnames]:
            if os.stat(path).st_mode & need != need:
                raise ValueError(f"build_dir: {path!r} is not readable by everyone (the "
                                 "kernel runs as nobody): chmod -R a+rX it")
    return handin_dir


def _check_limits(km):   # ValueError naming the trait out of range
    lows = {"memory_bytes": 2**24, "pids_max": 8, "cpu_seconds": 1, "scratch_bytes": 2**20}
    for name in [name for name, low in lows.items() if getattr(km, name) < low]:
        raise ValueError(f"{name}: {getattr(km, name)}; at least {lows[name]}")
    if not set(km.cpus) <= os.sched_getaffinity(0):
        raise ValueError(f"cpus: {km.cpus}; among {sorted(os.sched_getaffinity(0))}")


class SandboxedKernelManager(AsyncKernelManager):
    """The python3 ipykernel in bubblewrap, with limits (see the module's docstring)."""

    build_dir = Unicode("", config=True,
                        help="Required: a folder holding the package folder handin/, which is "
                             "what `import handin` gives inside the sandbox.")
    memory_bytes = Integer(2 * 2**30, config=True, help="Memory of the whole sandbox (bytes).")
    pids_max = Integer(64, config=True, help="Processes and threads in the sandbox, at most.")
    cpu_seconds = Integer(600, config=True, help="CPU seconds per process (a backstop).")
    scratch_bytes = Integer(256 * 2**20, config=True,
                            help="Size of the writable tmpfs (bytes): /tmp, HOME, the cwd.")
    cpus = List(Integer(), default_value=[], config=True,
                help="The kernel's CPU affinity; [] leaves it as the grader's.")

    _sandbox_dir, _mounted = None, False
    _cgroups, _missing = (), frozenset()

    @property
    def kernel_spec(self):
        """The kernel spec, interrupted by message: a SIGINT would reach bubblewrap."""
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec

    @property
    def cgroups(self):   # the running kernel's cgroup folders (none where none could be made)
        return list(self._cgroups)

    @property
    def sandbox_dir(self):   # the host folder of the connection file and the ipc sockets
        return self._sandbox_dir

    async def _async_pre_start_kernel(self, **kw):
        check_available()
        check_build(self.build_dir)
        _check_limits(self)
        if self._sandbox_dir is None:
            self._sandbox_dir = tempfile.mkdtemp(prefix="handin-sandbox-")
            self._mounted = _mount_tmpfs(self._sandbox_dir)
            ipc = os.path.join(self._sandbox_dir, "ipc")
            os.mkdir(ipc, 0o700)
            os.chown(ipc, SANDBOX_UID, SANDBOX_UID)
        self.transport, self.cache_ports = "ipc", False
        self.ip = os.path.join(self._sandbox_dir, "ipc", "kernel")
        self.connection_file = os.path.join(self._sandbox_dir, "kernel.json")
        try:
            self._cgroups, self._missing = make_cgroups(
                os.path.basename(self._sandbox_dir), self.memory_bytes, self.pids_max)
            if self._missing:
                _log.warning("no %s cgroup here: the sandbox falls back to per-process "
                             "limits (prlimit)", " and ".join(sorted(self._missing)))
            return await super()._async_pre_start_kernel(**kw)
        except BaseException:
            await self._remove_sandbox(restart=False)
            raise

    def format_kernel_cmd(self, extra_arguments=None):
        """The kernel's command, run by the launcher inside bubblewrap."""
        cmd = super().format_kernel_cmd(extra_arguments)
        pythons = python_dirs()
        if not any(cmd[0].startswith(p + "/") for p in pythons + ["/usr"]):
            raise ValueError(f"kernel_name: {self.kernel_name!r} runs {cmd[0]!r}, which is not "
                             f"in the sandbox (only {pythons} and /usr are)")
        cwd = os.path.abspath((self._launch_args or {}).get("cwd") or os.getcwd())
        dirs, files = submission_files(cwd)
        connection_file = os.path.realpath(self.connection_file)
        mounts = mount_args(pythons, check_build(self.build_dir), os.path.dirname(self.ip),
                            connection_file, dirs, files, self.scratch_bytes)
        config = {"procs": [os.path.join(c, "cgroup.procs") for c in self._cgroups],
                  "rlimits": rlimits(self.cpu_seconds, self.memory_bytes, self.pids_max,
                                     self._missing),
                  "cpus": list(self.cpus),
                  "open": [connection_file] + [os.path.join(cwd, f) for f in files]}
        argv = sandbox_argv(cmd, mounts, sandbox_env(), shutil.which("bwrap"),
                            shutil.which("setpriv"))
        return [sys.executable, "-I", "-S", _LAUNCHER, json.dumps(config), "--", *argv]

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        await self._remove_sandbox(restart)

    async def _remove_sandbox(self, restart):
        """Remove the cgroups (waiting up to 5 s for their processes to go) and, unless
        restarting, the per-kernel folder."""
        left = list(self._cgroups)
        for _ in range(250):
            left = [c for c in left if not _remove_cgroup(c)]
            if not left:
                break
            await asyncio.sleep(0.02)
        if left:
            _log.warning("cannot remove the sandbox's cgroups %s", left)
        self._cgroups = ()
        if not restart and self._sandbox_dir is not None:
            if self._mounted:
                ctypes.CDLL(None, use_errno=True).umount2(os.fsencode(self._sandbox_dir), 2)
            shutil.rmtree(self._sandbox_dir, ignore_errors=True)   # MNT_DETACH ^
            self._sandbox_dir, self._mounted = None, False
