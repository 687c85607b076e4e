"""The student library inside the grader's sandbox: what students install, so that a helper
they were given (``dlcourse.gradcheck.numerical_gradient``) works when graded as it worked at
home, with the references of the assignment being graded always withheld, open or closed (a
late or regraded notebook gains nothing from importing them).

Each grading process (a Dask worker, or the grader itself) makes its copy from its own
installed ``dlcourse``, as it takes the runner and the checker from there: once per
assignment, the first time it grades one, into a folder of its own that the sandbox binds
read-only. The copy is the package without ``dlcourse/grading/``, with those references
stubbed as in the student wheel (``student_library.stub_package``), compiled so that an
import inside the sandbox costs no compilation. It is removed when the process exits.
"""
from __future__ import annotations

import atexit
import compileall
import functools
import os
import shutil
import tempfile
from pathlib import Path

import dlcourse
from dlcourse.grading.exercises import SPECS
from dlcourse.grading.student_library import PACKAGE, Reference, copy_package, stub_package


def graded_references(assignment: str, grade_ids: tuple[str, ...]) -> list[Reference]:
    """The references of the specs ``grade_ids`` (the tests being graded), in name order."""
    found: dict[str, list[str]] = {}
    for grade_id in grade_ids:
        for name in SPECS[grade_id].references:
            found.setdefault(name, []).append(f"{grade_id} ({assignment})")
    return [Reference(name, (assignment,), tuple(specs)) for name, specs in sorted(found.items())]


@functools.cache
def folder(assignment: str, grade_ids: tuple[str, ...]) -> Path:
    """A folder holding the student copy of ``dlcourse`` for grading ``grade_ids`` of
    ``assignment``: readable by every sandbox's uid (whose bind of it is read-only)."""
    root = Path(tempfile.mkdtemp(prefix="dlcourse-library-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    copy_package(Path(dlcourse.__file__).resolve().parent, root / PACKAGE)
    stub_package(root / PACKAGE, graded_references(assignment, grade_ids))
    compileall.compile_dir(root, quiet=2, workers=1)
    for path, _, files in os.walk(root):
        os.chmod(path, 0o755)
        for name in files:
            os.chmod(os.path.join(path, name), 0o644)
    return root
