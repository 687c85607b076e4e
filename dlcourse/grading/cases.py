"""The cases a test runs: visible ones from public seeds, and hidden ones from the course
secret, different for every student and made again only by whoever holds the secret.

The secret is a file of random bytes kept outside the course folder and the repository
(``DLCOURSE_SECRET_FILE``, default ``~/.config/dlcourse/secret``). A hidden case's seed is
HMAC-SHA256(secret, "<assignment>/<test>/<student>/<case>"), so the instructor gets the same
inputs on any machine, and a student cannot compute them from anything they receive.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlcourse.errors import SecretError
from dlcourse.grading.exercise import Inputs, Spec

SECRET_ENV = "DLCOURSE_SECRET_FILE"
DEFAULT_SECRET = Path("~/.config/dlcourse/secret")
SECRET_BYTES = 32


@dataclass(frozen=True)
class Case:
    name: str  # what feedback calls it, e.g. "hidden case 2" or an edge case's name
    seed: int
    number: int  # k of make_inputs (varies shapes); ignored by an edge case
    edge: str | None = None  # the edge case of the spec this is, if any


def inputs(spec: Spec, case: Case) -> Inputs:
    rng = np.random.default_rng(case.seed)
    return spec.edge_cases[case.edge](rng) if case.edge else spec.make_inputs(rng, case.number)


def visible_cases(spec: Spec) -> list[Case]:
    """The public seeds' cases, then the edge cases the spec shows (its worked examples)."""
    return ([Case(f"visible case {i + 1}", seed, i) for i, seed in enumerate(spec.visible_seeds)]
            + [Case(f"visible case: {name}", 0, 0, name) for name in spec.visible_edges])


def _seed(secret: bytes, *parts: str) -> int:
    digest = hmac.new(secret, "/".join(parts).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def hidden_cases(spec: Spec, secret: bytes, assignment: str, student: str) -> list[Case]:
    """The named edge cases, then ``spec.random_cases`` random ones, seeded per student."""
    cases = [Case(f"edge case: {name}", _seed(secret, assignment, spec.grade_id, student, f"edge {name}"), 0, name)
             for name in spec.edge_cases]
    cases += [Case(f"hidden case {k + 1}", _seed(secret, assignment, spec.grade_id, student, str(k)), k)
              for k in range(spec.random_cases)]
    return cases


def secret_path() -> Path:
    return Path(os.environ.get(SECRET_ENV) or DEFAULT_SECRET).expanduser()


def load_secret(course: Path | None = None, create: bool = False) -> bytes:
    """The course secret; with ``create``, a new one is written (mode 600) if there is none.

    Refuses a secret inside ``course`` (a folder that is shared, released or published)."""
    path = secret_path()
    if course is not None and path.resolve().is_relative_to(Path(course).resolve()):
        raise SecretError(f"{path}: the course secret must live outside the course folder {course}; "
                          f"move it and point {SECRET_ENV} at it")
    if not path.exists():
        if not create:
            raise SecretError(f"{path}: no course secret; `dlcourse grade` creates one, or set {SECRET_ENV}")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(SECRET_BYTES))
        print(f"dlcourse: created the course secret {path}; keep a copy: hidden cases are made from it")
    data = path.read_bytes()
    if len(data) < 16:
        raise SecretError(f"{path}: {len(data)} bytes, too short for a course secret (at least 16)")
    if path.stat().st_mode & 0o077:
        raise SecretError(f"{path}: readable by other users; run chmod 600 {path}")
    return data
