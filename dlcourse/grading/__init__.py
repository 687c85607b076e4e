"""The autograder: tests as specs (``specs``), comparison (``compare``), the sandbox and the
code that runs inside it (``sandbox``, ``runner``), grading one submission (``grader``),
writing the nbgrader gradebook (``gradebook``), reports (``report``), the whole class on
Dask (``batch``), a synthetic class (``sample_class``), and the student's ``check``."""
from dlcourse.grading.local import check

__all__ = ["check"]
