"""The sandbox a submission's code runs in: bubblewrap and resource limits, in one of two
modes the grader picks by itself (``mode()``):

- ``root``: each sandbox runs as an unprivileged uid of its own (``setpriv``), so the
  per-uid process limit is per sandbox, inside a user namespace of its own;
- ``rootless``, for a grader without root (a JupyterHub account, a laptop, a cluster node)
  on a kernel with unprivileged user namespaces: each sandbox gets a user namespace of its
  own, and its process limit is set inside it (``prlimit``), where Linux (5.14 and later)
  counts processes per user namespace: a fork bomb exhausts its own sandbox's share only.

Both: a read-only system (/usr and the project's Python environment, without dlcourse), the
job folder read-only at /job, the student library (``sandbox_library``, without the graded
references) read-only at /library, and as the only writable places three size-limited tmpfs's
(/sandbox, the working directory, and /tmp and /dev/shm), so one submission can never fill
the host's disk. Results leave through one file descriptor to a host file, and printed
output through another, each capped by the file-size limit. No network (a new network
namespace), its own PID namespace (it cannot see or signal the grader or another sandbox),
no capabilities and no way to regain them (no-new-privs, and no nested user namespace), none
of the grader's environment variables, a /dev of its own with none of the host's devices
but the GPU's when a run asks for them (``Limits.gpu``: an outcome task on a GPU worker;
the GPU's memory is then bounded by no limit of the sandbox's, so a worker runs one such task
per GPU). Limits: address space (in a GPU run, the data segment), CPU time,
processes, file size, open files, and wall-clock time, after which the whole namespace is
killed. With neither mode possible the grader refuses to run (``unavailable_reason``).
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import resource
import select
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dlcourse.grading.insandbox.protocol import MAX_PRINT

UID_BASE, UID_COUNT = 61000, 512
LOCK_DIR = Path("/run/dlcourse-sandbox-uids")  # root mode only: a folder no other user can write


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 90.0  # per notebook: the sandbox is killed past it, whatever runs inside
    tests_seconds: float = 30.0  # of wall_seconds, kept for the tests: the cells have the rest
    cell_seconds: int = 30  # per notebook cell (inside the runner)
    case_seconds: float = 10.0  # per call of a student function (inside the runner)
    cpu_seconds: int = 120
    memory_bytes: int = 2 * 1024**3
    processes: int = 64
    file_bytes: int = 64 * 1024**2
    open_files: int = 256
    tmpfs_bytes: int = 64 * 1024**2  # each of /sandbox, /tmp and /dev/shm
    result_bytes: int = 16 * 1024**2  # of the results stream read back; the rest is ignored
    gpu: bool = False  # expose the host's GPU device files (``gpu_devices``): for an outcome task on a GPU worker


@dataclass
class RunResult:
    returncode: int
    timed_out: bool
    stdout: str  # the last MAX_PRINT bytes printed
    results: bytes  # what the code wrote to the results descriptor, at most Limits.result_bytes


@functools.cache
def _user_namespaces_work() -> bool:
    """Whether bwrap can make a user namespace here, tried for real (a sysctl or an AppArmor
    policy may forbid it although the kernel has them)."""
    try:
        done = subprocess.run(["bwrap", "--unshare-user", "--ro-bind", "/", "/", "true"], capture_output=True,
                              timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def mode() -> str | None:
    """"root", "rootless", or None when this host can sandbox nothing."""
    if sys.platform != "linux" or shutil.which("bwrap") is None:
        return None
    if os.geteuid() == 0:
        return "root" if shutil.which("setpriv") and shutil.which("prlimit") else None
    return "rootless" if shutil.which("prlimit") and _user_namespaces_work() else None


def available() -> bool:
    return mode() is not None


def unavailable_reason() -> str:
    """Why no sandbox can run here, and what to do about it."""
    if sys.platform != "linux":
        return (f"student code can only be sandboxed on Linux (bubblewrap), not on {sys.platform}: "
                "run the grader in a Linux VM or container host, or on a Linux cluster node")
    if shutil.which("bwrap") is None:
        return ("bubblewrap (bwrap) is not installed: apt-get install bubblewrap (Debian, Ubuntu) "
                "or dnf install bubblewrap (Fedora, RHEL)")
    if os.geteuid() == 0:
        return "setpriv or prlimit is missing: apt-get install util-linux"
    if shutil.which("prlimit") is None:
        return "prlimit is missing: apt-get install util-linux"
    return ("bubblewrap cannot create a user namespace for an unprivileged user here: enable them "
            "(sysctl user.max_user_namespaces=15000; on Debian kernel.unprivileged_userns_clone=1; on Ubuntu "
            "24.04 kernel.apparmor_restrict_unprivileged_userns=0), or grade as root")


@contextlib.contextmanager
def _uid_lease():
    """A uid no other sandbox on this machine holds right now (a file lock per uid)."""
    LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
    info = LOCK_DIR.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
        raise RuntimeError(f"{LOCK_DIR}: must be a folder owned by root that no one else can write")
    start = os.getpid() % UID_COUNT
    for k in range(UID_COUNT):
        uid = UID_BASE + (start + k) % UID_COUNT
        fh = os.fdopen(os.open(LOCK_DIR / str(uid), os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600), "w")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            continue
        try:
            yield uid
        finally:
            fh.close()
        return
    raise RuntimeError("no free sandbox uid")


def _python_roots() -> list[str]:
    """The folders the interpreter and its packages live in, to be mounted read-only."""
    roots = {sys.prefix, sys.base_prefix, os.path.realpath(sys.base_prefix)}
    return sorted(r for r in roots if not r.startswith("/usr"))


def _mkdirs(path: str) -> list[str]:
    """bwrap arguments creating every parent of ``path`` world-readable, so the uid can traverse."""
    args, cur = [], ""
    for part in Path(path).parts[1:-1]:
        cur += "/" + part
        args += ["--perms", "0755", "--dir", cur]
    return args


JOB, WORKDIR, LIBRARY = "/job", "/sandbox", "/library"
GPU_DEVICES = ("/dev/nvidia*",)  # NVIDIA's, the nvidia-caps folder included (CUDA needs no /dev/dri)
GPU_VARIABLES = ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER")  # which GPUs a worker was given: named, not secret


def gpu_devices() -> list[str]:
    """The host's GPU device files and folders, as ``Limits.gpu`` exposes them."""
    found = set()
    for pattern in GPU_DEVICES:
        found.update(str(p) for p in Path("/dev").glob(pattern.removeprefix("/dev/")))
    return sorted(found)


def _gpu_arguments() -> list[str]:
    """bwrap arguments that put the GPU's device files back into the sandbox's /dev (``--dev``
    makes a fresh one with only null, zero, random and the like), and pass on which GPUs the
    worker was given. Device files only: the memory on the GPU is bounded by no limit here."""
    args = []
    for path in gpu_devices():
        args += ["--dev-bind", path, path]
    for name in GPU_VARIABLES:
        if name in os.environ:
            args += ["--setenv", name, os.environ[name]]
    return args


def command(job: Path, uid: int | None, limits: Limits, argv: list[str], results_fd: int,
            library: Path | None = None) -> list[str]:
    """The bwrap command: as ``uid`` (root mode), or in a user namespace of its own (uid None);
    ``library``, the student library's folder, read-only at LIBRARY."""
    tmpfs = []
    for path in (WORKDIR, "/tmp", "/dev/shm"):
        tmpfs += ["--perms", "1777", "--size", str(limits.tmpfs_bytes), "--tmpfs", path]
    own_userns = [] if uid is not None else ["--unshare-user", "--disable-userns"]
    cmd = ["bwrap", "--clearenv", *own_userns, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
           "--unshare-cgroup-try",
           "--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
           # the tmpfs's first: mounted later they would hide an environment living under /tmp
           *tmpfs, *(_gpu_arguments() if limits.gpu else [])]
    for link in ("lib", "lib64", "bin", "sbin"):
        if os.path.islink(f"/{link}"):
            cmd += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
    for root in _python_roots():
        cmd += _mkdirs(root) + ["--ro-bind", root, root]
    site = sysconfig.get_paths()["purelib"]
    for hidden in Path(site).glob("*dlcourse*"):  # the reference answers stay outside
        cmd += ["--tmpfs", str(hidden)] if hidden.is_dir() else ["--ro-bind", "/dev/null", str(hidden)]
    # nothing of the grader's environment (tokens, passwords) reaches student code
    if library is not None:
        cmd += ["--ro-bind", str(library), LIBRARY]
    cmd += ["--ro-bind", str(job), JOB, "--chdir", WORKDIR, "--setenv", "HOME", WORKDIR,
            "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin", "--setenv", "LANG", "C.UTF-8",
            "--setenv", "OMP_NUM_THREADS", "1", "--setenv", "OPENBLAS_NUM_THREADS", "1",
            "--setenv", "MPLBACKEND", "Agg",
            "--setenv", "DLCOURSE_RESULTS_FD", str(results_fd), "--"]
    if uid is not None:
        # then, as that uid, a user namespace of its own in which no further one can be made: a
        # nested namespace would give its owner the right to mount tmpfs's past every limit
        return cmd + ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                      "--bounding-set=-all", "--no-new-privs",
                      "bwrap", "--unshare-user", "--disable-userns", "--dev-bind", "/", "/", "--", *argv]
    # bwrap drops every capability of an unprivileged user's sandbox, sets no-new-privs, and with
    # --disable-userns lets it make no nested user namespace;
    # the process limit is set inside the new user namespace, where it counts this sandbox only
    # (set before, it would also cap every process of the grader's user)
    return cmd + ["prlimit", f"--nproc={limits.processes}:{limits.processes}", "--", *argv]


def _read_capped(path: str, limit: int, tail: bool = False) -> bytes:
    with open(path, "rb") as fh:
        if tail:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - limit))
        return fh.read(limit)


def _ended_within(proc: subprocess.Popen, seconds: float) -> bool:
    """Whether the process ends within ``seconds``: woken by its pidfd the moment it ends
    (``Popen.wait(timeout)`` polls, and wakes up to 50 ms late)."""
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        pidfd = None
    if pidfd is None:
        try:
            proc.wait(timeout=seconds)
            return True
        except subprocess.TimeoutExpired:
            return False
    try:
        return bool(select.select([pidfd], [], [], seconds)[0])
    finally:
        os.close(pidfd)


def _rlimits(limits: Limits, processes: bool) -> list[tuple[int, str, int]]:
    """(resource, prlimit's option, value) of each limit. Memory is the address space, except in
    a run with the GPU: CUDA reserves address space (inaccessible, so no memory) for all of the
    host's and the GPU's memory at once, and would not start; there it is the data segment,
    the memory the process can write (its heap and anonymous mappings, every thread's)."""
    memory = (resource.RLIMIT_DATA, "--data") if limits.gpu else (resource.RLIMIT_AS, "--as")
    table = [(*memory, limits.memory_bytes), (resource.RLIMIT_CPU, "--cpu", limits.cpu_seconds),
             (resource.RLIMIT_FSIZE, "--fsize", limits.file_bytes),
             (resource.RLIMIT_NOFILE, "--nofile", limits.open_files), (resource.RLIMIT_CORE, "--core", 0)]
    return table + ([(resource.RLIMIT_NPROC, "--nproc", limits.processes)] if processes else [])


def _start(cmd: list[str], limits: Limits, processes: bool, **popen) -> subprocess.Popen:
    """Starts ``cmd`` under the limits, set by ``prlimit`` as it starts: then ``subprocess`` can
    start it with vfork instead of copying the grader's memory for a ``preexec_fn``. Without
    prlimit (an unsandboxed run on a host without util-linux), a ``preexec_fn`` sets them."""
    table = _rlimits(limits, processes)
    if shutil.which("prlimit"):
        return subprocess.Popen(["prlimit", *(f"{option}={value}" for _, option, value in table), "--", *cmd],
                                **popen)

    def set_limits():
        for res, _, value in table:
            resource.setrlimit(res, (value, value))

    return subprocess.Popen(cmd, preexec_fn=set_limits, **popen)


def run(job: Path, script: str, limits: Limits = Limits(), sandboxed: bool = True,
        library: Path | None = None) -> RunResult:
    """Runs ``python -I <job>/<script> <job>`` inside the sandbox (unless ``sandboxed=False``:
    then unconfined, in a temporary working directory), with ``library`` read-only at LIBRARY."""
    rootless = sandboxed and mode() == "rootless"
    # printed output and results go to files, not pipes: 100 MB of prints must not fill the
    # grader's memory, and RLIMIT_FSIZE stops a writer at the limit
    log_fd, log_path = tempfile.mkstemp(prefix="dlcourse-run-", suffix=".log")
    res_fd, res_path = tempfile.mkstemp(prefix="dlcourse-run-", suffix=".results")
    append_fd = os.open(res_path, os.O_WRONLY | os.O_APPEND)
    workdir = None
    try:
        with _uid_lease() if sandboxed and not rootless else contextlib.nullcontext(None) as uid:
            if sandboxed:
                if uid is not None:
                    for path in [job, *job.rglob("*")]:  # readable by the sandbox's uid, and by no other user
                        os.chown(path, uid, uid)
                cmd, cwd, env = command(job, uid, limits, [sys.executable, "-I", f"{JOB}/{script}", JOB],
                                        append_fd, library), "/", None
            else:
                workdir = tempfile.mkdtemp(prefix="dlcourse-work-")
                cmd, cwd = [sys.executable, "-I", str(job / script), str(job)], workdir
                env = {**os.environ, "DLCOURSE_RESULTS_FD": str(append_fd), "MPLBACKEND": "Agg"}
            # rootless: the process limit is set inside the sandbox instead
            proc = _start(cmd, limits, not rootless, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log_fd,
                          stderr=subprocess.STDOUT, start_new_session=True, pass_fds=(append_fd,))
            timed_out = not _ended_within(proc, limits.wall_seconds)
            if timed_out:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, 9)
            proc.wait()
        tail = _read_capped(log_path, MAX_PRINT, tail=True).decode(errors="replace")
        results = _read_capped(res_path, limits.result_bytes)
    finally:
        for fd in (log_fd, res_fd, append_fd):
            os.close(fd)
        for path in (log_path, res_path):
            os.unlink(path)
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return RunResult(proc.returncode, timed_out, tail, results)
