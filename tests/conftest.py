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
