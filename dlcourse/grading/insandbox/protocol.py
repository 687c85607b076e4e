"""The status records: the one way a job's results leave the sandbox besides its printed output.

The runner writes one JSON object per line to the file descriptor the sandbox names in
``DLCOURSE_RESULTS_FD`` (``send``); the grader reads them back (``read_status``). A record is
about a cell or about a case:

- ``{"cell": id, "status": "ok"}``, ``{"cell": id, "status": "error", "error": text}``, or a cell
  that ran short of the notebook's time, which costs no mark (``NOTED``):
  ``{"cell": id, "status": "skipped" | "definitions" | "interrupted", "kept": [names]}``;
- ``{"case": i, "status": "ok", "outputs": [encoded arrays]}`` or
  ``{"case": i, "status": "error", "error": text}``.

Everything the student's code can reach can also write to that descriptor, so the reader treats
the stream as untrusted: it caps lines, their length and texts, ignores what is malformed or
about a cell the job does not have, and lets the first word on a cell or a case count. A forgery
can only ever be about the student's own work, and it gains nothing: a case's outputs are checked
by the grader against its own reference, outside the sandbox, and a cell's word is feedback.
Standard library only: this module runs inside the sandbox too.
"""
from __future__ import annotations

import json
import math
import os
import traceback
from collections.abc import Iterator

MAX_PRINT = 20_000  # characters of a notebook's printed output kept (the sandbox keeps as many bytes)
MAX_STATUS_LINES = 10_000
# bytes of one record: an honest one is far smaller (a case's outputs are bounded by what its test
# can need, at most 100,000 float64 entries, 1.1 MB in base64); a longer line is not parsed, so a
# line of many small JSON values cannot make the grader build hundreds of MB of Python objects
MAX_LINE_BYTES = 4 * 1024**2
MAX_OUTPUTS = 16  # values one call returns (an exercise returns at most 5)
MAX_TEXT = 400  # characters of an error message kept
MAX_KEPT_NAMES = 20
MAX_ANSWER = 64 * 1024  # characters of a configuration exercise's answer as JSON: a few keys, far below this
NOTED = ("skipped", "interrupted", "definitions")  # how a cell ran short of time, costing no mark


def send(fd: int, **record: object) -> None:
    """Writes one record as a line to ``fd``, whole (a pipe or a file may take it in parts)."""
    data = (json.dumps(record) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


def error_text(exc: BaseException) -> str:
    """An exception as a record says it: its type, its message (cut) and the line of the
    student's cell it came from."""
    tb = traceback.extract_tb(exc.__traceback__)
    line = next((f" (line {f.lineno})" for f in reversed(tb) if f.filename.startswith("<ipython-input")), "")
    return f"{type(exc).__name__}: {str(exc)[:300]}{line}"


def read_status(data: bytes, cell_ids: set[str]) -> dict:
    """The runner's records: ``cells`` (id: None, or the error of a failed cell), ``notes`` (id:
    (how, names kept) of a cell not run in full for lack of time) and ``cases`` (index: the list
    of encoded outputs, or an error message). Anything malformed, and any word on a cell the job
    does not have, is ignored; the first word on a cell or a case counts."""
    cells: dict[str, str | None] = {}
    notes: dict[str, tuple[str, list[str]]] = {}
    cases: dict[int, list | str] = {}
    for rec in _records(data):
        if isinstance(rec.get("cell"), str) and rec["cell"] in cell_ids and rec["cell"] not in cells:
            _read_cell(rec, cells, notes)
        elif type(rec.get("case")) is int and rec["case"] not in cases:
            ok = rec.get("status") == "ok" and _encoded_outputs(rec.get("outputs"))
            cases[rec["case"]] = rec["outputs"] if ok else str(rec.get("error", "failed"))[:MAX_TEXT]
    return {"cells": cells, "notes": notes, "cases": cases}


def _records(data: bytes) -> Iterator[dict]:
    """The stream's records, one JSON object a line, within the caps; anything else is skipped."""
    for line in data.split(b"\n", MAX_STATUS_LINES)[:MAX_STATUS_LINES]:
        if len(line) > MAX_LINE_BYTES:
            continue
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(rec, dict):
            yield rec


def _encoded_outputs(outputs: object) -> bool:
    """A list of arrays as ``checker.encode`` writes them: only strings and a short shape are
    kept, never a structure of many small values."""
    return isinstance(outputs, list) and len(outputs) <= MAX_OUTPUTS and all(
        isinstance(o, dict) and o.keys() == {"dtype", "shape", "data"} and isinstance(o["dtype"], str)
        and isinstance(o["data"], str) and isinstance(o["shape"], list) and len(o["shape"]) <= 32
        and all(type(n) is int for n in o["shape"]) for o in outputs)


def _read_cell(rec: dict, cells: dict, notes: dict) -> None:
    cell = rec["cell"]
    cells[cell] = str(rec.get("error", ""))[:MAX_TEXT] if rec.get("status") == "error" else None
    if rec.get("status") in NOTED:
        kept = rec.get("kept") if isinstance(rec.get("kept"), list) else []
        notes[cell] = (rec["status"], [str(n)[:80] for n in kept[:MAX_KEPT_NAMES]])


def read_runs(data: bytes, runs: int) -> dict[int, dict]:
    """An outcome run's records (``insandbox.outcome``): run index -> ``{"labels": encoded array,
    "cpu": s, "peak_mb": MB}`` for a run that came back, ``{"error": text, "cpu": s}`` for one that
    failed or was stopped. As ``read_status``: capped, malformed lines ignored, the first word on
    a run counts; a forged record can only be about the student's own runs, and the labels are
    scored outside the sandbox."""
    out: dict[int, dict] = {}
    for rec in _records(data):
        if type(rec.get("run")) is not int or not 0 <= rec["run"] < runs or rec["run"] in out:
            continue
        cpu = rec.get("cpu")
        seen = {"cpu": float(cpu) if type(cpu) in (int, float) and math.isfinite(cpu) else None}
        if rec.get("status") == "ok" and _encoded_outputs([rec.get("labels")]):
            peak = rec.get("peak_mb")
            out[rec["run"]] = {**seen, "labels": rec["labels"],
                               "peak_mb": float(peak) if type(peak) in (int, float) and math.isfinite(peak) else None}
        else:
            out[rec["run"]] = {**seen, "error": str(rec.get("error", "failed"))[:MAX_TEXT]}
    return out


def read_answer(data: bytes) -> dict:
    """A configuration exercise's record (``insandbox.outcome``, run 0): ``{"changes": JSON
    text}``, ``{"error": text, "unsendable": bool}`` (unsendable: JSON could not carry the
    answer), or ``{}`` when none came back. As ``read_runs``: the first word counts, and a forged
    record can only be about the student's own answer, which the grader checks and trains itself."""
    for rec in _records(data):
        if type(rec.get("run")) is not int or rec["run"] != 0:
            continue
        if rec.get("status") == "ok" and type(rec.get("changes")) is str and len(rec["changes"]) <= MAX_ANSWER:
            return {"changes": rec["changes"]}
        return {"error": str(rec.get("error", "failed"))[:MAX_TEXT], "unsendable": rec.get("status") == "unsendable"}
    return {}
