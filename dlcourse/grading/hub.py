"""The course on a JupyterHub, set up from the repository by one command (``dlcourse hub-setup``).

What it makes, under one folder (``--root``, e.g. ``/srv/dlcourse``):

- ``course/`` (mode 700): the instructor's copy of the course folder, its ``nbgrader_config.py``
  pointing at the exchange. The gradebook, ``reports/``, ``receipts/`` and ``source/`` live here.
- ``exchange/<course_id>/``: nbgrader's shared-folder exchange. ``inbound/`` is 1733 (students
  can hand in but cannot list it, nor remove or rename anyone's submission), ``outbound/`` 755,
  ``feedback/`` 711 (a feedback file is found only by the name its student's secret makes).
- ``student-env/``: the Python the students' servers run, readable by all: JupyterLab, the
  JupyterHub single-user server, nbgrader (its Assignments tab; formgrader and the course list
  switched off) and the student library, which holds no answer key and no ``dlcourse.grading``.
- ``hub/`` (mode 700): ``jupyterhub_config.py`` and the hub's state. The hub logs students in with
  PAM (their Linux accounts, made here with homes of mode 700) and starts each one's server as
  that account; a hub service (``dlcourse receipts --watch``) gives students their receipts.

The instructor's side must be closed to students: the course, the course secret and the full
``dlcourse`` (it holds the references). ``hub-setup`` checks each of them and refuses while one is
readable by others, unless told ``--lock`` to close it (``chmod o-rwx``).
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import dlcourse
from dlcourse.errors import EnvironmentProblem, MappingError, OptionError
from dlcourse.grading.cases import secret_path
from dlcourse.grading.course import Course
from dlcourse.grading.exchange import settings as exchange_settings

ACCOUNT = re.compile(r"^[a-z_][a-z0-9_-]{0,31}\Z")  # a Linux login JupyterHub keeps as it is (lower case)
STUDENT_PACKAGES = ("jupyterhub", "jupyterlab", "nbgrader", "numpy")  # pinned to the instructor's versions
STUDENTS_SEE = {  # nbgrader's parts a student's server runs: fetch, validate, submit, fetch feedback
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
}
HIDDEN_LAB_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list",
                      "@jupyter/nbgrader:create-assignment",
                      "@jupyterlab/apputils-extension:announcements")  # news from the internet: none here


@dataclass(frozen=True)
class Deployment:
    root: Path
    course_id: str
    port: int = 8000

    @property
    def course(self) -> Path:
        return self.root / "course"

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @property
    def student_env(self) -> Path:
        return self.root / "student-env"

    @property
    def hub(self) -> Path:
        return self.root / "hub"

    @property
    def config(self) -> Path:
        return self.hub / "jupyterhub_config.py"


def read_students(path: Path) -> dict[str, str | None]:
    """``name`` or ``name:password`` per line (# comments); names are Linux logins in lower case."""
    found: dict[str, str | None] = {}
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise MappingError(f"{path}: cannot be read as a list of students ({e})") from None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, password = line.partition(":")
        if not ACCOUNT.match(name):
            raise MappingError(f"{path}:{number}: {name!r} is not a login JupyterHub keeps as it is "
                             "(lower case letters, digits, _ and -, at most 32)")
        found[name] = password or None
    if not found:
        raise MappingError(f"{path}: no students listed")
    return found


def _open_to_others(path: Path) -> bool:
    """Whether an account other than the owner can reach ``path`` (every folder above searchable by
    others, and the path itself readable or searchable by them)."""
    path = path.resolve()
    if not path.exists():
        return False
    return all(p.stat().st_mode & stat.S_IXOTH for p in path.parents) and bool(path.stat().st_mode & 0o005)


def instructor_files(course: Course | Path) -> list[Path]:
    """What students must not read: the course, the secret's folder and the full dlcourse's folder."""
    package = Path(dlcourse.__file__).resolve().parent
    return [Course.of(course).root.resolve(), secret_path().resolve().parent, package.parent]


class OpenToStudents(EnvironmentProblem, PermissionError):
    """The instructor's files are readable by other accounts, and the command was not told to close them."""


def close_instructor_files(course: Course | Path, lock: bool) -> list[Path]:
    """Checks the instructor's files are closed to others; with ``lock``, closes them. Returns
    what it closed; raises PermissionError naming what is open when not told to close it."""
    open_ = [p for p in instructor_files(course) if _open_to_others(p)]
    if open_ and not lock:
        raise OpenToStudents("readable by students: " + ", ".join(map(str, open_)) + ". Run chmod o-rwx on "
                              "each (or pass --lock): they hold the answer key, the course secret or the references")
    for p in open_:
        p.chmod(p.stat().st_mode & ~0o007)
    return open_


def _run(cmd: list[str], **kw) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd[:4]))} ... failed:\n{(done.stderr or done.stdout)[-2000:]}")


def make_accounts(students: dict[str, str | None]) -> None:
    """A Linux account per student, its home closed to everyone else (useradd makes it 755)."""
    import pwd

    for name, password in students.items():
        try:
            pwd.getpwnam(name)
        except KeyError:
            _run(["useradd", "--create-home", "--shell", "/bin/bash", "-K", "HOME_MODE=0700", name])
        home = Path(pwd.getpwnam(name).pw_dir)
        home.chmod(0o700)
        if password:
            _run(["chpasswd"], input=f"{name}:{password}\n")


def build_student_env(d: Deployment, python: str) -> None:
    """The students' Python: the instructor's versions of JupyterHub, JupyterLab and nbgrader, and
    the student library; readable by all, holding nothing of the instructor's."""
    env = d.student_env
    wanted = [f"{p}=={metadata.version(p)}" for p in STUDENT_PACKAGES]
    if not (env / "bin" / "python").exists():
        _run([python, "-m", "venv", str(env)])
    with tempfile.TemporaryDirectory() as scratch:
        from dlcourse.grading.student_library import build

        wheel = build(d.course, Path(scratch)).wheel
        pip = [str(env / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        _run([*pip, *wanted, str(wheel)])
        _run([*pip, "--force-reinstall", "--no-deps", str(wheel)])  # this course's stubs, whatever was there
    etc = env / "etc" / "jupyter"
    (etc / "labconfig").mkdir(parents=True, exist_ok=True)
    (etc / "nbgrader_config.py").write_text(
        f"c = get_config()  # noqa: F821\nc.Exchange.root = {str(d.exchange)!r}\n"
        f"c.CourseDirectory.course_id = {d.course_id!r}\n")
    (etc / "jupyter_server_config.d").mkdir(exist_ok=True)
    (etc / "jupyter_server_config.d" / "nbgrader.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": STUDENTS_SEE}}, indent=1))
    (etc / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {p: True for p in HIDDEN_LAB_PLUGINS}}, indent=1))
    for p in [env, *env.rglob("*")]:
        if not p.is_symlink():
            p.chmod(p.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if p.is_dir() or p.stat().st_mode & 0o100 else 0))


def make_exchange(d: Deployment) -> None:
    course = d.exchange / d.course_id
    for folder, mode in ((d.exchange, 0o755), (course, 0o755), (course / "inbound", 0o1733),
                         (course / "outbound", 0o755), (course / "feedback", 0o711)):
        folder.mkdir(exist_ok=True)
        os.chown(folder, 0, 0)
        folder.chmod(mode)


def copy_course(d: Deployment, source: Course | Path) -> None:
    """The instructor's course folder on the hub, from the repository's; never over an existing one."""
    if not d.course.exists():
        shutil.copytree(Course.of(source).root, d.course, ignore=shutil.ignore_patterns(
            "gradebook.db*", "submitted", "autograded", "feedback", "reports", "release", "receipts", "downloads"))
    d.course.chmod(0o700)
    config = d.course / "nbgrader_config.py"
    text = config.read_text()
    marker = "# the exchange on this hub (dlcourse hub-setup)"
    if marker not in text:
        config.write_text(text + f"\n{marker}\nc.Exchange.root = {str(d.exchange)!r}\n")


def hub_config(d: Deployment, students: list[str], proxy: str, watch_seconds: float) -> str:
    service = [sys.executable, "-m", "dlcourse", "receipts", "--course", str(d.course), "--watch", str(watch_seconds)]
    return f'''# JupyterHub for the course {d.course_id}, written by `dlcourse hub-setup`; run it as root:
#   jupyterhub -f {d.config}
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"  # behind TLS termination in a real deployment (see the README)
c.JupyterHub.port = {d.port}
c.JupyterHub.hub_port = {d.port + 1}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{d.port + 2}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.cookie_secret_file = {str(d.hub / "cookie_secret")!r}
c.JupyterHub.db_url = {"sqlite:///" + str(d.hub / "jupyterhub.sqlite")!r}
c.JupyterHub.pid_file = {str(d.hub / "jupyterhub.pid")!r}
c.ConfigurableHTTPProxy.pid_file = {str(d.hub / "proxy.pid")!r}
# students log in with their Linux accounts; each server runs as its student, from the student env
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {set(students)!r}
c.PAMAuthenticator.open_sessions = False
c.Spawner.cmd = [{str(d.student_env / "bin" / "jupyterhub-singleuser")!r}]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {{"PATH": {str(d.student_env / "bin") + ":/usr/local/bin:/usr/bin:/bin"!r}}}
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120
# the instructor's side: receipts for what arrives in the exchange, as the hub's own service
c.JupyterHub.services = [{{"name": "dlcourse-receipts", "command": {service!r},
                          "environment": {{"DLCOURSE_SECRET_FILE": {str(secret_path())!r}}}}}]
'''


def find_proxy() -> str:
    """configurable-http-proxy: the one ``scripts/setup.sh`` installs with npm, or one on PATH."""
    local = Path(dlcourse.__file__).resolve().parents[1] / ".hub" / "node_modules" / ".bin" / "configurable-http-proxy"
    found = str(local) if local.exists() else shutil.which("configurable-http-proxy")
    if not found:
        raise EnvironmentProblem("configurable-http-proxy not found: run scripts/setup.sh (npm install), or install "
                                "it with npm and put it on PATH")
    return found


def setup(root: Path, source_course: Course | Path, students_file: Path, port: int = 8000, lock: bool = False,
          python: str = "/usr/bin/python3", watch_seconds: float = 10.0) -> Deployment:
    """Sets up (or brings up to date) the course on a JupyterHub; see the module's docstring.
    Every argument is checked before anything is written."""
    if os.geteuid() != 0:
        raise EnvironmentProblem("hub-setup makes Linux accounts and runs the hub as root: run it as root")
    students = read_students(students_file)
    source_course = Course.of(source_course).require()
    if not Path(python).exists():
        raise OptionError(f"{python}: no such Python for the students' servers (pass --student-python)")
    proxy = find_proxy()
    d = Deployment(Path(root).resolve(), exchange_settings(source_course).course_id, port)
    close_instructor_files(source_course, lock)
    d.root.mkdir(parents=True, exist_ok=True)
    d.root.chmod(0o755)
    copy_course(d, source_course)
    close_instructor_files(d.course, lock=True)
    make_exchange(d)
    build_student_env(d, python)
    make_accounts(students)
    d.hub.mkdir(mode=0o700, exist_ok=True)
    d.hub.chmod(0o700)
    d.config.write_text(hub_config(d, sorted(students), proxy, watch_seconds))
    cookie = d.hub / "cookie_secret"
    if not cookie.exists():
        cookie.write_text(secrets.token_hex(32))
        cookie.chmod(0o600)
    return d
