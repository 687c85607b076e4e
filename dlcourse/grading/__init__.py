"""The autograder, on the instructor's side: the exercises as declared (``exercise``,
``exercises``) and their cases (``cases``), the grade cells made from them (``cells``), the
comparison students receive too (``checker``), the student kit (``kit``), the sandbox and the
code that runs inside it (``sandbox``, the ``insandbox`` package), grading one submission (``grader``), the
gradebook (``gradebook``), reports (``report``), the whole class on Dask (``batch``) and a
synthetic class (``sample_class``)."""
import sys

# jsonschema, which nbformat imports, builds a parser for its "iri" format checks when it is
# imported, if rfc3987-syntax is installed (Jupyter's packages install it): 1.6 s in every
# grading command and every Dask worker. No notebook schema has an "iri" field, so the checks
# are left out of the processes that grade.
sys.modules.setdefault("rfc3987_syntax", None)
