"""The suite's own rules (tests/conftest.py): a marker per homework selects the tests of that
homework's exercises and wrong answers and no other, and every declared homework has one."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from dlcourse.grading.exercises import ASSIGNMENTS

ROOT = Path(__file__).resolve().parents[1]
FILE = ROOT / "tests" / "grading" / "test_exercises.py"  # parametrized by grade id and by wrong answer


class _Selected:
    """A plugin that keeps the ids of the tests a session selected."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.ids = {item.nodeid for item in session.items}


def _collected(*args: str) -> set[str]:
    """The tests pytest selects in FILE with these options (in this process: the modules are loaded)."""
    selected = _Selected()
    status = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "--capture=no", str(FILE), *args],
                         plugins=[selected])
    assert status in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED), status
    return selected.ids


def test_a_homework_marker_selects_its_exercises_tests_and_no_other_homework_s():
    every = _collected()
    hw1_names = {e.grade_id for e in ASSIGNMENTS["hw1"]} | {m for e in ASSIGNMENTS["hw1"]
                                                             for m in getattr(e, "wrong_answers", {})}
    hw1 = {test for test in every if (param := re.search(r"\[(.*)\]$", test)) and param[1] in hw1_names}
    assert hw1, "hw1 has exercises: some parametrized test must be of hw1"
    assert _collected("-m", "hw1") == hw1
    hw2 = _collected("-m", "hw2")
    assert hw2
    assert not hw2 & hw1
    assert hw1 | hw2 < every  # hw3's, and the tests of no one homework


def test_every_declared_homework_has_a_registered_marker():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    registered = {line.split(":")[0] for line in config["tool"]["pytest"]["ini_options"]["markers"]}
    assert set(ASSIGNMENTS) <= registered
