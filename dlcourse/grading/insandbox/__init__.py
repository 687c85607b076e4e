"""The code that runs inside the sandbox: one submission's cells and calls, and only their
outputs shipped back. The grader copies this package whole into each job folder, beside
``hwcheck.py`` (the checker), and the sandbox's Python runs ``launch.py``; it needs the standard
library, NumPy, IPython and those files alone (the grader's ``dlcourse`` is not visible in
there, and nothing here imports it; the student library, at the path ``job.json`` names, is).

- ``main``: reads the job, runs the cells, then the calls, and hands the printed output back;
- ``cells``: runs the student's cells in an IPython shell as Jupyter would (magics, shell
  escapes, ``display``, ``get_ipython()``), each in a fork that keeps the notebook safe;
- ``inert``: which cells can neither loop nor end their process, and so skip the fork;
- ``needed``: what of a cell the graded functions need, when a notebook's time runs short;
- ``calls``: calls each requested function on its case's inputs in a child, with a time limit per call;
- ``supervise``: forks a child and waits for it (the one wait loop, and its words for what went wrong);
- ``protocol``: the status records, written here and read by the grader (``read_status``).

Every cell's status and every call's return value (as raw arrays, no pickles) go as JSON lines
to the file descriptor named by ``DLCOURSE_RESULTS_FD``: the only way out besides the printed
output, and bounded in size by the sandbox. Nothing here decides a grade: the grader reads
those lines as untrusted data and compares them itself.
"""
