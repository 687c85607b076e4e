"""The status records (``insandbox/protocol.py``): what the runner writes is what the grader
reads, and what a forger writes around it changes nothing the runner said."""
from __future__ import annotations

import json
import os
import threading

import pytest

from dlcourse.grading import sandbox
from dlcourse.grading.insandbox import protocol
from dlcourse.grading.insandbox.protocol import read_status, send


def _sent(*records: dict) -> bytes:
    """The bytes ``send`` writes for ``records``, through a real pipe read as it fills."""
    read, write = os.pipe()
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: os.read(read, 4096), b"")))
    reader.start()
    for record in records:
        send(write, **record)
    os.close(write)
    reader.join()
    os.close(read)
    return b"".join(chunks)


def test_what_the_runner_sends_is_what_the_grader_reads():
    outputs = [{"dtype": "<f8", "shape": [2], "data": "AAAAAAAA8D8AAAAAAAAAQA=="}]
    data = _sent({"cell": "a", "status": "ok"}, {"cell": "b", "status": "error", "error": "NameError: x"},
                 {"cell": "c", "status": "definitions", "kept": ["f", "g"]}, {"cell": "d", "status": "skipped"},
                 {"case": 0, "status": "ok", "outputs": outputs}, {"case": 1, "status": "error", "error": "boom"})
    status = read_status(data, {"a", "b", "c", "d"})
    assert status == {"cells": {"a": None, "b": "NameError: x", "c": None, "d": None},
                      "notes": {"c": ("definitions", ["f", "g"]), "d": ("skipped", [])},
                      "cases": {0: outputs, 1: "boom"}}


def test_a_record_larger_than_a_pipe_arrives_whole():
    big = "x" * 300_000  # several pipefuls: each write may take only part of it
    status = read_status(_sent({"case": 0, "status": "ok", "outputs": [big]}), set())
    assert status["cases"] == {0: [big]}


def test_a_forgery_after_the_runner_s_word_changes_nothing():
    data = _sent({"cell": "a", "status": "error", "error": "ZeroDivisionError"}, {"case": 0, "status": "error",
                                                                                  "error": "wrong shape"})
    data += _sent({"cell": "a", "status": "ok"}, {"case": 0, "status": "ok", "outputs": []})
    status = read_status(data, {"a"})
    assert status["cells"] == {"a": "ZeroDivisionError"}
    assert status["cases"] == {0: "wrong shape"}


@pytest.mark.parametrize("junk", [b"[" * 100_000, b"\xff\xfe\x00", b'{"cell": "a", "status": ', b"null", b"[1, 2]",
                                  b'{"case": "0", "status": "ok", "outputs": []}'])
def test_junk_around_the_records_is_ignored(junk):
    data = junk + b"\n" + _sent({"cell": "a", "status": "ok"}, {"case": 0, "status": "ok", "outputs": []})
    status = read_status(data + b"\n" + junk, {"a"})
    assert status == {"cells": {"a": None}, "notes": {}, "cases": {0: []}}


def test_an_error_says_the_line_of_the_student_s_cell_and_is_cut():
    code = compile("\n\nraise ValueError('v' * 1000)", "<ipython-input-7-abc>", "exec")
    with pytest.raises(ValueError) as caught:
        exec(code, {})
    said = protocol.error_text(caught.value)
    assert said.startswith("ValueError: vvv")
    assert said.endswith(" (line 3)")
    assert len(said) == len("ValueError: ") + 300 + len(" (line 3)")
    long = read_status(_sent({"cell": "a", "status": "error", "error": "e" * 5000}), {"a"})
    assert len(long["cells"]["a"]) == protocol.MAX_TEXT


def test_the_sandbox_hands_back_as_much_printed_output_as_the_runner_keeps(tmp_path):
    """One cap for both ends: the runner keeps MAX_PRINT characters, the sandbox as many bytes."""
    (tmp_path / "job.py").write_text(f"print('a' * 5 + 'b' * {3 * protocol.MAX_PRINT}, end='')")
    run = sandbox.run(tmp_path, "job.py", sandboxed=False)
    assert run.returncode == 0, run.stdout
    assert run.stdout == "b" * protocol.MAX_PRINT


def test_send_writes_one_json_object_per_line():
    data = _sent({"cell": "a\nb", "status": "ok"}, {"case": 0, "status": "error", "error": "x\ny"})
    lines = data.splitlines()
    assert [json.loads(line) for line in lines] == [{"cell": "a\nb", "status": "ok"},
                                                    {"case": 0, "status": "error", "error": "x\ny"}]
    assert data.endswith(b"\n")
