"""Collecting submissions (``dlcourse.grading.collect``) never writes through what a student left;
the exchange's end to end is in test_exchange.py."""
from __future__ import annotations

from datetime import datetime

import pytest


def test_collecting_never_writes_through_a_link_a_student_left(tmp_path):
    from dlcourse.grading.collect import collect_folder

    course = tmp_path / "course"
    (course / "source" / "hw1").mkdir(parents=True)
    (course / "source" / "hw1" / "hw1.ipynb").write_text("{}")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (course / "submitted" / "eve").mkdir(parents=True)
    (course / "submitted" / "eve" / "hw1").symlink_to(tmp_path, target_is_directory=True)
    downloads = tmp_path / "lms"
    downloads.mkdir()
    (downloads / "eve.ipynb").write_text("{}")
    with pytest.raises(ValueError, match="not a plain folder"):
        collect_folder(course, "hw1", downloads, received_at=datetime(2026, 1, 1))
    assert victim.read_text() == "keep me"
    assert not (tmp_path / "hw1.ipynb").exists()
