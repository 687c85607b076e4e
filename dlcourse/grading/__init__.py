"""The autograder, on the instructor's side: tests as specs (``specs``) and their cases
(``cases``), the comparison students receive too (``checker``), the student kit (``kit``),
the sandbox and the code that runs inside it (``sandbox``, ``runner``), grading one
submission (``grader``), writing the nbgrader gradebook (``gradebook``), reports
(``report``), the whole class on Dask (``batch``) and a synthetic class (``sample_class``)."""
