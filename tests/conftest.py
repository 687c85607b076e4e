import functools
import os
import secrets
import tempfile
from pathlib import Path

# TensorFlow's start-up chatter (oneDNN notes, absl warnings) stays out of test output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

# The course secret hidden cases are made from: a fresh one per test run, outside the repository,
# so no test depends on (or writes) the instructor's own ~/.config/dlcourse/secret.
_secret = Path(tempfile.mkdtemp(prefix="dlcourse-test-secret-")) / "secret"
_secret.write_bytes(secrets.token_bytes(32))
_secret.chmod(0o600)
os.environ["DLCOURSE_SECRET_FILE"] = str(_secret)

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


# Fixtures that build or start something real: the site, a browser, a fresh virtual environment,
# a PostgreSQL server, an unprivileged account. A test that uses one, directly or through another
# fixture, is end to end, so it belongs to the slow tier whether or not its author marked it.
END_TO_END_FIXTURES = {"site", "browser", "plain_python", "postgres_url", "account"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if END_TO_END_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)
    _mark_homeworks(items)


@functools.cache
def _homeworks_named() -> dict[str, set[str]]:
    """Each name a test is parametrized with that belongs to a homework -> that homework (or
    those): the homework itself, and its exercises' grade ids, functions and known wrong answers."""
    from dlcourse.grading.exercises import ASSIGNMENTS

    named: dict[str, set[str]] = {}
    for homework, exercises in ASSIGNMENTS.items():
        for e in exercises:
            names = [homework, e.grade_id, getattr(e, "function", ""), *getattr(e, "wrong_answers", {})]
            for name in filter(None, names):
                named.setdefault(name, set()).add(homework)
    return named


def _mark_homeworks(items: list[pytest.Item]) -> None:
    """A marker per homework (``pytest -m hw1``), as minitorch has one per task: a test
    parametrized with a homework's name, or with one of its exercises or wrong answers, is marked
    with that homework. Tests of one homework that take no such parameter set ``pytestmark``."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        values = [v for v in callspec.params.values() if isinstance(v, str)] if callspec else []
        if not values:  # the exercises are loaded only where a test may be of one
            continue
        named = _homeworks_named()
        for homework in sorted({hw for v in values for hw in named.get(v, ())}):
            item.add_marker(getattr(pytest.mark, homework))
