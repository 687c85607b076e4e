"""Reading notebooks and submitted files (``dlcourse.grading.notebook``): what is graded of a
notebook slightly off the schema, what is refused with its name, and the student text kept for
formgrader, bounded."""
from __future__ import annotations

import json
import os
import stat

import nbformat
import pytest

from dlcourse.grading import notebook


def _notebook_bytes(**changes) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("def f(x):\n    return x")]
    nb.cells[0].metadata["nbgrader"] = {"grade_id": "f", "solution": True}
    data = json.loads(nbformat.writes(nb))
    for key, value in changes.items():
        data["cells"][0][key] = value
    return json.dumps(data).encode()


def test_a_byte_order_mark_does_not_cost_the_notebook():
    nb = notebook.read("hw.ipynb", b"\xef\xbb\xbf" + _notebook_bytes())
    assert notebook.code_to_run(nb, set())[0]["source"].startswith("def f")


def test_a_cell_slightly_off_the_schema_is_still_graded():
    nb = notebook.read("hw.ipynb", _notebook_bytes(execution_count="seven", outputs=[{"transient": {}}]))
    assert [c["id"] for c in notebook.code_to_run(nb, set())] == ["f"]


def test_a_notebook_without_readable_cells_is_refused_with_its_name():
    with pytest.raises(notebook.SubmissionError, match="hw.ipynb: (invalid|not a readable) notebook"):
        notebook.read("hw.ipynb", _notebook_bytes(source=[1, 2]))


def test_a_grade_id_that_is_not_a_string_counts_as_none():
    data = json.loads(_notebook_bytes())
    data["cells"][0]["metadata"]["nbgrader"]["grade_id"] = ["not", "hashable"]
    nb = notebook.read("hw.ipynb", json.dumps(data).encode())
    assert [c["id"] for c in notebook.code_to_run(nb, {"test_f"})] == ["cell-1"]


def test_submitted_links_and_special_files_are_refused_with_a_reason(tmp_path):
    root = tmp_path / "submitted"
    answer_key = tmp_path / "source" / "hw1.ipynb"
    answer_key.parent.mkdir(parents=True)
    answer_key.write_text("{}")
    for student in ("file_link", "folder_link", "hard_link", "fifo", "device", "plain"):
        (root / student / "hw1").mkdir(parents=True)
    (root / "file_link" / "hw1" / "hw1.ipynb").symlink_to(answer_key)
    (root / "folder_link" / "hw1").rmdir()
    (root / "folder_link" / "hw1").symlink_to(answer_key.parent, target_is_directory=True)
    os.link(answer_key, root / "hard_link" / "hw1" / "hw1.ipynb")
    os.mkfifo(root / "fifo" / "hw1" / "hw1.ipynb")
    os.mknod(root / "device" / "hw1" / "hw1.ipynb", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero
    (root / "plain" / "hw1" / "hw1.ipynb").write_text("{}")
    (root / "student_link").symlink_to(root / "plain", target_is_directory=True)
    reasons = {"file_link": "symbolic link", "folder_link": "symbolic link", "hard_link": "hard link",
               "fifo": "not a regular file", "device": "not a regular file", "student_link": "symbolic link"}
    for student, reason in reasons.items():
        with pytest.raises(notebook.SubmissionError, match=reason):
            notebook.read_submitted(root, (student, "hw1", "hw1.ipynb"))
    assert notebook.read_submitted(root, ("plain", "hw1", "hw1.ipynb")) == b"{}"
    assert notebook.read_submitted(root, ("plain", "hw1", "missing.ipynb")) is None


def _cell(source: str, **nbgrader) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if nbgrader:
        cell.metadata["nbgrader"] = nbgrader
    return cell


def test_code_to_run_keeps_every_code_cell_in_order_but_the_test_cells_and_the_local_checks():
    nb = nbformat.v4.new_notebook()
    nb.cells = [_cell("import numpy as np"),
                nbformat.v4.new_markdown_cell("prose"),
                _cell("from hwcheck import check", grade_id=notebook.LOCAL_CHECKS),
                _cell("def f(x):\n    return x", grade_id="f", solution=True),
                _cell('check("test_f", f)', grade_id="test_f", grade=True, points=2),
                _cell("f(1)")]
    assert notebook.code_to_run(nb, {"test_f"}) == [{"id": "cell-1", "source": "import numpy as np"},
                                                    {"id": "f", "source": "def f(x):\n    return x"},
                                                    {"id": "cell-6", "source": "f(1)"}]
    assert notebook.test_cells(nb) == [notebook.TestCell("test_f", 2.0)]


@pytest.mark.parametrize("data,problem", [(b"", "the file is empty"), (b"\xff\xfe{}", "not UTF-8"),
                                          (b"{not json", "not a readable notebook")])
def test_an_unreadable_file_is_refused_with_the_reason(data, problem):
    with pytest.raises(notebook.SubmissionError, match=f"hw.ipynb: {problem}"):
        notebook.read("hw.ipynb", data)


def test_the_answers_kept_for_formgrader_are_bounded_in_all():
    nb = nbformat.v4.new_notebook()
    for i in range(300):
        cell = nbformat.v4.new_markdown_cell("x" * 60_000)
        cell.metadata["nbgrader"] = {"grade_id": f"answer_{i}"}
        nb.cells.append(cell)
    kept = notebook.answers(nb, set())
    assert len(kept) <= notebook.MAX_ANSWERS
    assert all(len(v) <= notebook.MAX_ANSWER_CHARS for v in kept.values())
    assert sum(map(len, kept.values())) <= notebook.MAX_ANSWERS_CHARS
    assert kept["answer_0"] == "x" * notebook.MAX_ANSWER_CHARS  # the first answers are kept whole


def test_a_lone_surrogate_in_student_text_becomes_a_replacement_character():
    assert notebook.clean_text("ok \ud800") == "ok \ufffd"
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_markdown_cell("proof \udfff")
    cell.metadata["nbgrader"] = {"grade_id": "proof"}
    nb.cells = [cell]
    assert notebook.answers(nb, set())["proof"].encode("utf-8")  # writable as UTF-8
