"""The student library: the wheel of ``dlcourse`` that students install while assignments are open.

``build(course, out)`` copies the package into a temporary folder, leaves out
``dlcourse/grading/`` (the grader, the specs and the hidden cases are the instructor's), and
replaces the code of every name in the ``references`` of the specs of every open assignment
(``course.toml``) by a stub that names the homework section asking for it (``references``,
``stubs``); the copy is then built into a wheel (``wheel``). ``dlcourse student-library`` and
``scripts/build_student_library.sh`` run it.
"""
from dlcourse.grading.student_library.references import (
    ANSWER_TAG,
    INSTRUCTOR_ONLY,
    PACKAGE,
    Reference,
    notebook_sections,
    stub_message,
    withheld_references,
)
from dlcourse.grading.student_library.stubs import stub_package, stub_source
from dlcourse.grading.student_library.wheel import DEFAULT_OUT, StudentLibrary, build, copy_package

__all__ = ["ANSWER_TAG", "DEFAULT_OUT", "INSTRUCTOR_ONLY", "PACKAGE", "Reference", "StudentLibrary", "build",
           "copy_package", "notebook_sections", "stub_message", "stub_package", "stub_source",
           "withheld_references"]
