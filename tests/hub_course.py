"""A course on a real JupyterHub for the tests: ``dlcourse hub-setup`` under a folder of /srv,
real Linux accounts for the students (removed afterwards), hw1 released to nbgrader's exchange,
and the hub running as root with PAM logins and the receipts service."""
from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dlcourse.grading import hub, kit

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = ("dlct-ada", "dlct-bo")  # a prefix of their own: nobody else on the machine is touched


def free_port() -> int:
    """The first of three free consecutive ports (the hub, its API, the proxy's API)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 65000 and all(_free(port + i) for i in (1, 2)):
            return port
    raise RuntimeError("no three free consecutive ports")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def as_student(name: str, command: str, deployment: hub.Deployment, timeout: int = 120) -> subprocess.CompletedProcess:
    """``command`` in bash as the student's own account, with the students' environment."""
    home = pwd.getpwnam(name).pw_dir
    env = ["env", "-i", f"HOME={home}", f"USER={name}", f"PATH={deployment.student_env / 'bin'}:/usr/bin:/bin"]
    return subprocess.run(["runuser", "-u", name, "--", *env, "bash", "-c", command], cwd=home, capture_output=True,
                          text=True, timeout=timeout, check=False)


def _modes(paths: list[Path]) -> dict[Path, int]:
    return {p: p.stat().st_mode for p in paths if p.exists()}


def _remove_accounts() -> None:
    for name in STUDENTS:
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        subprocess.run(["pkill", "-KILL", "-u", name], check=False)
        time.sleep(0.2)
        subprocess.run(["userdel", "--remove", name], capture_output=True, check=False)


@contextmanager
def hub_course(due_in: timedelta = timedelta(days=7)) -> Iterator[dict]:
    """Everything above; yields the deployment, the students' passwords and the hub's URL."""
    assert os.geteuid() == 0, "the hub's accounts need root (CI runs as root)"
    _remove_accounts()  # a run that was killed leaves them
    root = Path(tempfile.mkdtemp(prefix="dlcourse-hub-", dir="/srv"))
    root.chmod(0o755)
    passwords = {name: secrets.token_urlsafe(12) for name in STUDENTS}
    listing = root / "students.txt"
    listing.write_text("".join(f"{n}:{p}\n" for n, p in passwords.items()))
    listing.chmod(0o600)
    closed = _modes([p for p in hub.instructor_files(ROOT / "autograder")])
    process = None
    try:
        d = hub.setup(root / "deploy", ROOT / "autograder", listing, port=free_port(), lock=True, watch_seconds=1)
        due = (datetime.now(UTC) + due_in).strftime("%Y-%m-%d %H:%M:%S UTC")
        kit.release(d.course, "hw1", due=due)
        done = subprocess.run([sys.executable, "-m", "nbgrader", "release_assignment", "hw1"], cwd=d.course,
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        log = open(root / "hub.log", "w")  # noqa: SIM115 (closed with the hub)
        jupyterhub = Path(sys.executable).parent / "jupyterhub"
        process = subprocess.Popen([str(jupyterhub), "-f", str(d.config)], cwd=d.hub, stdout=log, stderr=log,
                                   env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
        url = f"http://127.0.0.1:{d.port}"
        _wait_for(f"{url}/hub/health", process, root / "hub.log")
        yield {"deployment": d, "passwords": passwords, "url": url, "log": root / "hub.log", "due": due}
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        _remove_accounts()
        for path, mode in closed.items():
            path.chmod(mode)
        shutil.rmtree(root, ignore_errors=True)


def _wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"the hub stopped:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the hub did not answer {url} in {seconds} s:\n{log.read_text()[-3000:]}")
