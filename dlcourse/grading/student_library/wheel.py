"""The student wheel: a copy of the package without its grader, the open references stubbed,
built with ``pip wheel`` against a ``pyproject.toml`` that declares the library's core
dependencies and its ``tf`` extra (the labs that use ``dlcourse.tf`` need TensorFlow), none of
the instructor's extras. The repository's own files are never written.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement

import dlcourse
from dlcourse.grading.course import open_assignments
from dlcourse.grading.student_library.references import INSTRUCTOR_ONLY, PACKAGE, withheld_references
from dlcourse.grading.student_library.stubs import stub_package

DEFAULT_OUT = Path("dist/student")
STUDENT_EXTRAS = ("tf",)  # the extras a student may need: the labs that use dlcourse.tf


@dataclass(frozen=True)
class StudentLibrary:
    wheel: Path
    stubbed: dict[str, list[str]]  # open assignment -> the names stubbed for it


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(s) for s in items) + "]"  # JSON strings are TOML basic strings


def student_extras(project: dict) -> dict[str, list[str]]:
    """The repository's extras that students may install, as declared there."""
    declared = project.get("optional-dependencies", {})
    return {name: declared[name] for name in STUDENT_EXTRAS if name in declared}


def student_pyproject(project: dict) -> str:
    """A pyproject.toml with the [project] core of the repository's and its student extras."""
    keys = ("name", "version", "description", "requires-python")
    lines = ["[build-system]", 'requires = ["setuptools>=68"]', 'build-backend = "setuptools.build_meta"', "",
             "[project]", *(f"{k} = {json.dumps(project[k])}" for k in keys if k in project),
             f"dependencies = {_toml_list(project.get('dependencies', []))}", ""]
    extras = student_extras(project)
    if extras:
        lines += ["[project.optional-dependencies]", *(f"{k} = {_toml_list(v)}" for k, v in extras.items()), ""]
    if project.get("scripts"):
        lines += ["[project.scripts]", *(f"{k} = {json.dumps(v)}" for k, v in project["scripts"].items()), ""]
    lines += ["[tool.setuptools.packages.find]", f"include = {_toml_list([PACKAGE, PACKAGE + '.*'])}", ""]
    return "\n".join(lines)


def copy_package(src: Path, dst: Path) -> None:
    """The package without its instructor-only subpackage, caches and build leftovers."""
    instructor = src / INSTRUCTOR_ONLY

    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names
                if Path(folder, n) == instructor or n == "__pycache__" or n.endswith((".pyc", ".egg-info"))}

    shutil.copytree(src, dst, ignore=ignore)


def _normal(requirement: str) -> str:
    """A requirement as packaging writes it: specifiers and markers in one order."""
    return str(Requirement(requirement))


def _check_wheel(wheel: Path, project: dict) -> None:
    """What must hold of every student wheel: no grader; the core dependencies and the student
    extras, nothing of the instructor's extras."""
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        leaked = [n for n in names if n.startswith(f"{PACKAGE}/{INSTRUCTOR_ONLY}/")]
        if leaked:
            raise RuntimeError(f"{wheel}: holds instructor-only files {leaked[:5]}")
        metadata = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    requires = sorted(_normal(line.split(":", 1)[1]) for line in metadata.splitlines()
                      if line.startswith("Requires-Dist:"))
    wanted = [_normal(d) for d in project.get("dependencies", [])]
    wanted += [_normal(f'{d}; extra == "{extra}"') for extra, deps in student_extras(project).items() for d in deps]
    if requires != sorted(wanted):
        raise RuntimeError(f"{wheel}: declares dependencies {requires}, not {sorted(wanted)}")


def build(course: Path = Path("autograder"), out: Path = DEFAULT_OUT) -> StudentLibrary:
    """Builds the student wheel into ``out`` and returns its path and what was stubbed."""
    package_dir = Path(dlcourse.__file__).resolve().parent
    pyproject = package_dir.parent / "pyproject.toml"
    if not pyproject.is_file():
        raise FileNotFoundError(f"{pyproject}: not found; build the student library from a source checkout")
    try:
        project = tomllib.loads(pyproject.read_text())["project"]
    except (tomllib.TOMLDecodeError, KeyError) as e:
        raise ValueError(f"{pyproject}: no readable [project] table ({e})") from None
    references = withheld_references(Path(course))
    stubbed: dict[str, list[str]] = {a: [] for a in open_assignments(Path(course))}
    for ref in references:
        for a in ref.assignments:
            stubbed[a].append(ref.name)
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="dlcourse-student-") as tmp:
        src = Path(tmp, "src")
        copy_package(package_dir, src / PACKAGE)
        stub_package(src / PACKAGE, references)
        (src / "pyproject.toml").write_text(student_pyproject(project))
        wheels = Path(tmp, "wheels")
        cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
               "--wheel-dir", str(wheels), str(src)]
        done = subprocess.run(cmd, check=False, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"pip wheel failed for the student copy of {package_dir}:\n{done.stderr[-3000:]}")
        (built,) = wheels.glob("*.whl")
        _check_wheel(built, project)
        out.mkdir(parents=True, exist_ok=True)
        target = out / built.name
        shutil.copyfile(built, target)
    return StudentLibrary(target, stubbed)
