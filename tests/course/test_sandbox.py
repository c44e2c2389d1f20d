"""The sandbox of autograding (handin.course.sandbox): real kernels in bubblewrap, probed
from inside.

A kernel starts as nbclient starts it (build_dir set, cwd the submission's autograded folder
inside a course folder) and runs code that tries what a submission should not manage: read
the notebook with the hidden tests, the gradebook or another student's work, write or delete
the course folder, reach the network, exhaust memory, processes or the scratch space. The
tests that need a sandbox skip when none can be had here (no bwrap, not root), with the
reason; HANDIN_REQUIRE_SANDBOX=1 (.ci/run) makes that a failure.
"""

import asyncio
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import textwrap

import pytest

pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")

import course_cases as cc  # noqa: E402
from handin.course import sandbox as sb  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
CANARY = "canary: the grader's eyes only\n"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A build (a copy of handin) and a course folder with canaries around alice's submission."""
    base = tmp_path_factory.mktemp("sandbox")
    shutil.copytree(ROOT / "handin", base / "build" / "handin",
                    ignore=shutil.ignore_patterns("__pycache__"))
    course = base / "course"
    sub = course / "autograded" / "alice" / "02_x"
    (course / "submitted" / "bob" / "02_x").mkdir(parents=True)
    sub.mkdir(parents=True)
    (sub / "data").mkdir()
    (sub / ".ipynb_checkpoints").mkdir()
    canaries = [course / "gradebook.db", course / "submitted" / "bob" / "02_x" / "02_x.ipynb",
                sub / "02_x.ipynb", sub / ".ipynb_checkpoints" / "02_x-checkpoint.ipynb"]
    for path in canaries:
        path.write_text(CANARY)
    (sub / "data.csv").write_text("1,2\n3,4\n")
    (sub / "data" / "more.txt").write_text("more\n")
    (sub / "gradebook_link.db").symlink_to(course / "gradebook.db")
    fd, other_key = tempfile.mkstemp(prefix="kernel-other-", suffix=".json")
    os.write(fd, CANARY.encode())
    os.close(fd)
    yield dict(build=base / "build", course=course, sub=sub, canaries=canaries,
               other_key=other_key)
    os.remove(other_key)


class Kernel:
    """A SandboxedKernelManager's kernel and an async client on one event loop."""

    def __init__(self, course, **traits):
        self.loop = asyncio.new_event_loop()
        self.km = sb.SandboxedKernelManager(kernel_name="python3")
        self.km.build_dir = str(course["build"])
        for name, value in traits.items():
            setattr(self.km, name, value)
        self.run(self.km.start_kernel(cwd=str(course["sub"])))
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.run(self.kc.wait_for_ready(timeout=120))
        except BaseException:
            self.close()
            raise

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def reply(self, msg_id, patience=120):
        """The execute reply to msg_id, or None when the kernel died first."""
        for _ in range(patience):
            try:
                msg = self.run(self.kc.get_shell_msg(timeout=1))
            except Exception:   # queue.Empty: nothing yet
                if not self.run(self.km.is_alive()):
                    return None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]
        raise AssertionError(f"no reply in {patience} s and the kernel is alive")

    def execute(self, code):
        """(reply content or None if the kernel died, what the code printed)."""
        msg_id = self.kc.execute(textwrap.dedent(code))
        content, out = self.reply(msg_id), []
        while content is not None:   # what it printed, up to its idle status
            msg = self.run(self.kc.get_iopub_msg(timeout=60))
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        return content, "".join(out)

    def ok(self, code):
        content, out = self.execute(code)
        assert content is not None and content["status"] == "ok", (content, out)
        return out

    def close(self):
        self.kc.stop_channels()
        self.run(self.km.shutdown_kernel())
        self.loop.close()


def _fresh(course, **traits):
    cc.need_sandbox()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HANDIN_HOST_CANARY", "host")
        return Kernel(course, **traits)


@pytest.fixture(scope="module")
def kernel(course):
    k = _fresh(course)
    yield k
    k.close()


# -- inside a sandboxed kernel ---------------------------------------------------------------

def test_handin_comes_from_the_build_and_numpy_matplotlib_import(kernel):
    out = kernel.ok("""
        import handin, numpy, matplotlib, matplotlib.pyplot as plt
        plt.plot([0, 1]); plt.savefig("plot.png")
        print(handin.__file__, matplotlib.get_backend())
    """)
    path, backend = out.split()
    assert path == sb.BUILD_MOUNT + "/handin/__init__.py"
    assert backend.lower() == "agg"


def test_the_cwd_is_a_copy_without_notebooks_or_links(kernel, course):
    out = kernel.ok("""
        import os
        print(sorted(os.listdir(".")), sorted(os.listdir("data")), open("data.csv").read())
        open("data.csv", "w").write("changed")
    """)
    assert out.startswith("['data', 'data.csv'") and "'02_x.ipynb'" not in out
    assert "gradebook_link.db" not in out and ".ipynb_checkpoints" not in out
    assert "['more.txt'] 1,2\n3,4" in out
    assert (course["sub"] / "data.csv").read_text() == "1,2\n3,4\n"   # the copy changed


def test_the_course_folder_cannot_be_read_written_or_deleted(kernel, course):
    paths = [str(p) for p in course["canaries"]]
    out = kernel.ok(f"""
        import os, shutil
        try:   # another kernel's connection file in the host's /tmp (the sandbox has its own)
            open({course["other_key"]!r}).read()
            print("DID read", {course["other_key"]!r})
        except OSError:
            pass
        for path in {paths!r}:
            for how in (lambda: open(path).read(), lambda: open(path, "a").write("x"),
                        lambda: os.remove(path)):
                try:
                    how()
                    print("DID", path)
                except OSError:
                    pass
        for folder in ({str(course["course"])!r}, {str(course["sub"])!r}):
            try:
                shutil.rmtree(folder)
                print("DID", folder)
            except OSError:
                pass
    """)
    assert "DID" not in out
    for path in course["canaries"]:
        assert path.read_text() == CANARY
    assert pathlib.Path(course["other_key"]).read_text() == CANARY


def test_root_home_and_the_repository_are_not_there(kernel):
    pythons = [pathlib.Path(p) for p in sb.python_dirs()]
    for folder in {pathlib.Path("/root"), ROOT, pathlib.Path("/work/main"), pathlib.Path.home()}:
        # all that shows: the way down to the Python (/root/.pyenv/..., ROOT/.venv)
        allowed = {p.relative_to(folder).parts[0] for p in pythons if folder in p.parents}
        out = kernel.ok(f"""
            import os
            try:
                print(sorted(os.listdir({str(folder)!r})))
            except OSError as e:
                print(type(e).__name__)
        """).strip()
        assert out in ("FileNotFoundError", "PermissionError") or set(eval(out)) <= allowed, \
            (folder, out)


def test_it_runs_as_nobody_without_capabilities_or_the_host_environment(kernel):
    out = kernel.ok("""
        import os
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        try:
            open("/proc/1/environ").read()   # bubblewrap's pid 1, root's
            print("read root's file")
        except OSError:
            pass
        print(os.getuid(), os.geteuid(), os.getgid(), os.getgroups(),
              status["CapEff"].strip(), status["CapBnd"].strip(),
              "HANDIN_HOST_CANARY" in os.environ, os.environ["JPY_PARENT_PID"])
    """)
    assert out.split() == ["65534", "65534", "65534", "[]",
                           "0000000000000000", "0000000000000000", "False", "1"]


def test_the_kernel_is_nobody_on_the_host_too(kernel):
    pids = []
    for cgroup in kernel.km.cgroups:
        pids += pathlib.Path(cgroup, "cgroup.procs").read_text().split()
    if not pids:
        pytest.skip("no cgroup here to find the kernel's processes by")
    uids = {pathlib.Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0]
            for pid in pids if os.path.exists(f"/proc/{pid}/status")}
    assert "65534" in uids   # the kernel (bubblewrap and its pid 1 stay root)


def test_no_network(kernel):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)
        port = server.getsockname()[1]
        out = kernel.ok(f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=5)
                print("connected")
            except OSError as e:
                print(type(e).__name__)
        """)
        assert out.strip() in ("ConnectionRefusedError", "TimeoutError", "OSError")
        with pytest.raises(BlockingIOError):
            server.accept()


def test_the_scratch_space_is_limited(kernel):
    out = kernel.ok("""
        import os
        written, block = 0, b"x" * 2**24
        try:
            with open("/tmp/big", "wb") as f:
                for _ in range(64):   # 1 GiB
                    f.write(block)
                    f.flush()
                    written += len(block)
        except OSError as e:
            print(e.errno)
        os.remove("/tmp/big")
        print(written)
    """)
    errno_, written = out.split()
    assert int(errno_) == 28 and int(written) <= kernel.km.scratch_bytes   # ENOSPC


def test_the_socket_folder_cannot_fill_the_hosts_disk(kernel):
    assert os.path.ismount(kernel.km.sandbox_dir)   # a small tmpfs
    big = os.path.join(os.path.dirname(kernel.km.ip), "big")
    out = kernel.ok(f"""
        import os
        try:
            with open({big!r}, "wb") as f:
                f.write(b"x" * 2**22)
        except OSError as e:
            print(e.errno)
        os.remove({big!r})
    """)
    assert out.strip() == "28"   # ENOSPC


def test_a_fork_bomb_is_contained(kernel):
    out = kernel.ok("""
        import os, time, warnings
        warnings.simplefilter("ignore", DeprecationWarning)   # 3.12+: fork() with threads
        kids, error = [], None
        try:
            for _ in range(10000):
                pid = os.fork()
                if pid == 0:
                    time.sleep(60)
                    os._exit(0)
                kids.append(pid)
        except OSError as e:
            error = type(e).__name__
        for pid in kids:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        print(len(kids), error)
    """)
    forked, error = out.split()
    assert error == "BlockingIOError" and int(forked) < kernel.km.pids_max
    assert subprocess.run(["true"]).returncode == 0   # the host can still start processes
    assert kernel.ok("print(6 * 7)").strip() == "42"


def test_a_sleeping_cell_is_interrupted_by_message(kernel):
    assert kernel.km.kernel_spec.interrupt_mode == "message"
    msg_id = kernel.kc.execute("import time; print('sleeping', flush=True); time.sleep(10**6)")
    while True:   # until the cell runs
        msg = kernel.run(kernel.kc.get_iopub_msg(timeout=60))
        if msg["msg_type"] == "stream" and "sleeping" in msg["content"]["text"]:
            break
    kernel.run(kernel.km.interrupt_kernel())
    content = kernel.reply(msg_id)
    assert content["status"] == "error" and content["ename"] == "KeyboardInterrupt"
    for _ in range(3):   # a request that arrives while the kernel still aborts after the
        content, out = kernel.execute("print('awake')")      # error is aborted: send again
        if content is None or content["status"] != "aborted":
            break
    assert content is not None and content["status"] == "ok" and out.strip() == "awake"


# -- fresh kernels: limits that may kill them, shutdown and cleanup --------------------------

def test_a_memory_bomb_fails_inside_and_the_host_is_fine(course):
    k = _fresh(course, memory_bytes=512 * 2**20)
    try:
        content, _ = k.execute("import numpy as np; a = np.ones(2**30); print(a.sum())")
        assert content is None or content.get("ename") == "MemoryError", content
        peaks = [pathlib.Path(c, f) for c in k.km.cgroups
                 for f in ("memory.max_usage_in_bytes", "memory.peak")]
        for peak in [p for p in peaks if p.exists()]:
            assert int(peak.read_text()) <= 512 * 2**20
    finally:
        k.close()
    assert len(bytearray(2**20)) == 2**20   # the test process goes on


def test_a_dead_kernel_is_noticed_and_everything_is_removed(course):
    k = _fresh(course)
    cgroups, folder = k.km.cgroups, k.km.sandbox_dir
    assert os.path.isdir(folder) and all(os.path.isdir(c) for c in cgroups)
    content, _ = k.execute("import os; os.kill(os.getpid(), 9)")
    assert content is None and not k.run(k.km.is_alive())
    k.close()
    assert not os.path.exists(folder) and not any(os.path.exists(c) for c in cgroups)
    assert k.km.sandbox_dir is None and k.km.cgroups == []


def test_cpus_and_a_clean_shutdown(course):
    cpu = min(os.sched_getaffinity(0))
    k = _fresh(course, cpus=[cpu])
    cgroups, folder = k.km.cgroups, k.km.sandbox_dir
    try:
        assert k.ok("import os; print(sorted(os.sched_getaffinity(0)))").strip() == f"[{cpu}]"
    finally:
        k.close()
    assert not os.path.exists(folder) and not any(os.path.exists(c) for c in cgroups)


def test_without_cgroups_rlimits_stand_in_with_a_warning(course, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(sb, "_CGROUP_ROOT", str(tmp_path))   # no controller there
    k = _fresh(course)
    try:
        assert k.km.cgroups == [] and "no memory and pids cgroup here" in caplog.text
        content, _ = k.execute("import numpy as np; a = np.ones(2**30)")   # 8 GiB
        assert content["ename"] == "MemoryError"   # RLIMIT_AS
        assert k.ok("import resource; print(resource.getrlimit(resource.RLIMIT_NPROC))") \
            .strip() == f"({k.km.pids_max}, {k.km.pids_max})"
    finally:
        k.close()


def test_nbclient_runs_a_notebook_and_interrupts_a_cell_on_timeout(course):
    cc.need_sandbox()
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from traitlets.config import Config
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import handin, os; print(handin.__file__, os.listdir('.'))"),
        nbformat.v4.new_code_cell("while True: pass"),
        nbformat.v4.new_code_cell("print('after')")])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3",
                              "language": "python"}
    config = Config()
    config.SandboxedKernelManager.build_dir = str(course["build"])
    client = nbclient.NotebookClient(
        nb, config=config, timeout=10, interrupt_on_timeout=True, allow_errors=True,
        kernel_manager_class=sb.SandboxedKernelManager,
        resources={"metadata": {"path": str(course["sub"])}})
    client.execute()
    assert sb.BUILD_MOUNT in nb.cells[0].outputs[0].text
    assert "02_x.ipynb" not in nb.cells[0].outputs[0].text
    assert nb.cells[1].outputs[-1].ename == "KeyboardInterrupt"
    assert nb.cells[2].outputs[0].text == "after\n"


# -- without a sandbox: the parts ------------------------------------------------------------

def test_check_available_says_how_to_get_bubblewrap(monkeypatch):
    monkeypatch.setattr(sb.sys, "platform", "linux")
    monkeypatch.setattr(sb.shutil, "which", lambda name: None)
    with pytest.raises(sb.SandboxUnavailable) as e:
        sb.check_available()
    assert "bwrap" in str(e.value) and "apt-get install bubblewrap" in str(e.value)
    assert "\n" not in str(e.value)


def test_submission_files_leave_out_notebooks_checkpoints_and_links(course):
    dirs, files = sb.submission_files(str(course["sub"]))
    assert dirs == ["data"] and files == ["data.csv", "data/more.txt"]


def test_the_binds_leave_out_the_repository_home_and_root():
    pythons = sb.python_dirs()
    assert pythons
    for outside in [ROOT, pathlib.Path.home(), pathlib.Path("/")]:
        assert not any(outside == pathlib.Path(p) or str(outside).startswith(p + "/")
                       for p in pythons), (outside, pythons)
    args = sb.mount_args(pythons, "/b/handin", "/k/ipc", "/k/kernel.json", [], ["a.csv"], 2**20)
    binds = [args[i + 1] for i, a in enumerate(args) if a in ("--ro-bind", "--bind")]
    assert "/" not in binds and "/etc" not in binds and "--tmpfs" in args
    assert args[args.index("/b/handin") + 1] == sb.BUILD_MOUNT + "/handin"
    assert args[args.index("--bind") + 1:args.index("--bind") + 3] == ["/k/ipc", "/k/ipc"]


def test_check_build_wants_a_package_readable_by_all(tmp_path):
    with pytest.raises(ValueError, match="build_dir"):
        sb.check_build(str(tmp_path))
    (tmp_path / "handin").mkdir()
    (tmp_path / "handin" / "__init__.py").write_text("")
    assert sb.check_build(str(tmp_path)) == str((tmp_path / "handin").resolve())
    (tmp_path / "handin" / "__init__.py").chmod(0o600)
    with pytest.raises(ValueError, match="readable by everyone"):
        sb.check_build(str(tmp_path))


@pytest.mark.parametrize("version", [1, 2])
def test_make_cgroups_on_a_v1_and_a_v2_layout(tmp_path, version):
    if version == 2:
        (tmp_path / "cgroup.controllers").write_text("cpu memory pids\n")
        (tmp_path / "cgroup.subtree_control").write_text("")
    else:
        for ctrl in ("memory", "pids"):
            (tmp_path / ctrl).mkdir()
            (tmp_path / ctrl / "cgroup.procs").write_text("")
    folders, missing = sb.make_cgroups("k1", 2**30, 64, root=str(tmp_path))
    limits = {p.name: p.read_text() for f in folders for p in pathlib.Path(f).iterdir()}
    assert missing == set() and limits["pids.max"] == "64"
    if version == 2:
        assert folders == [str(tmp_path / "k1")] and limits["memory.max"] == str(2**30)
        assert (tmp_path / "cgroup.subtree_control").read_text() == "+memory +pids"
    else:
        assert folders == [str(tmp_path / "memory" / "k1"), str(tmp_path / "pids" / "k1")]
        assert limits["memory.limit_in_bytes"] == str(2**30) and len(limits) == 2


def test_without_cgroups_the_limits_fall_back_to_rlimits(tmp_path):
    folders, missing = sb.make_cgroups("k1", 2**30, 64, root=str(tmp_path))
    assert folders == [] and missing == {"memory", "pids"}
    names = [r[0] for r in sb.rlimits(600, 2**30, 64, missing)]
    assert names == ["RLIMIT_CPU", "RLIMIT_CORE", "RLIMIT_AS", "RLIMIT_NPROC"]
    assert [r[0] for r in sb.rlimits(600, 2**30, 64, set())] == ["RLIMIT_CPU", "RLIMIT_CORE"]
