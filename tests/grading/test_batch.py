"""Grading a class (``dlcourse.grading.batch``) without a sandbox or a cluster: what it refuses
before it starts. The sandboxed runs of a whole class are in test_grader.py."""
from __future__ import annotations

import pytest

from dlcourse.grading import sandbox
from dlcourse.grading.batch import grade_class


def test_refuses_to_grade_unsandboxed_without_being_told(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: False)
    with pytest.raises(RuntimeError, match="--no-sandbox"):
        grade_class(tmp_path, "hw1")
