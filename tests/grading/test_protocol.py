"""The status records (``insandbox/protocol.py``): what the runner writes is what the grader
reads, and what a forger writes around it changes nothing the runner said."""
from __future__ import annotations

import json
import os
import threading
import tracemalloc

import pytest

from dlcourse.grading import grader, sandbox
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
    big = {"dtype": "<f8", "shape": [37_500], "data": "A" * 400_000}  # several pipefuls, each write a part
    status = read_status(_sent({"case": 0, "status": "ok", "outputs": [big]}), set())
    assert status["cases"] == {0: [big]}


@pytest.mark.parametrize("outputs", [["a string"], [{"dtype": "<f8", "shape": [1], "data": [0] * 100}],
                                     [{"dtype": "<f8", "shape": [0] * 1000, "data": ""}],
                                     [{"dtype": "<f8", "shape": [1], "data": "", "more": [0] * 100}],
                                     [{"dtype": "<f8", "shape": [1], "data": ""}] * (17)])
def test_outputs_not_as_the_runner_encodes_them_count_as_failed(outputs):
    status = read_status(_sent({"case": 0, "status": "ok", "outputs": outputs}), set())
    assert status["cases"] == {0: "failed"}


def test_a_line_past_the_length_cap_is_not_parsed():
    long = json.dumps({"cell": "a", "status": "error", "error": "x" * protocol.MAX_LINE_BYTES}).encode()
    status = read_status(long + b"\n" + _sent({"cell": "a", "status": "ok"}), {"a"})
    assert status["cells"] == {"a": None}


def test_a_stream_of_many_small_values_is_read_in_bounded_memory():
    """16 MiB of ``[0,0,...]`` parses to about 8 million Python objects if read whole."""
    case_line = b'{"case": %d, "status": "ok", "outputs": [{"dtype": "<f8", "shape": [1], "data": "", "x": [%s]}]}'
    lines = [case_line % (i, b",".join([b"0"] * 100_000)) for i in range(80)]
    lines += [b"[" + b",".join([b"0"] * 2_000_000) + b"]"] * 2
    data = b"\n".join(lines)
    assert len(data) > 15 * 1024**2
    tracemalloc.start()
    try:
        status = read_status(data, set())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert status["cases"] == {i: "failed" for i in range(80)}
    assert peak < 200 * 1024**2, f"{peak / 1024**2:.0f} MiB"


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


# ------------------------------------------------------------------ moved from the grader's tests
def test_the_runner_stream_ignores_forged_cells_and_keeps_the_first_word_on_each():
    lines = [{"cell": "nowhere", "status": "error", "error": "planted text"},
             {"cell": ["unhashable"], "status": "error"},
             {"cell": "f", "status": "error", "error": "NameError"},
             {"cell": "f", "status": "ok"},
             {"case": 0, "status": "ok", "outputs": []},
             {"case": 0, "status": "error", "error": "later"}]
    data = b"\n".join(json.dumps(r).encode() for r in lines) + b"\nnot json\n[1, 2]\n"
    status = read_status(data, {"f"})
    assert status["cells"] == {"f": "NameError"}
    assert status["cases"] == {0: []}


def test_the_runner_stream_is_read_within_its_line_cap_and_its_messages_are_cut():
    lines = [json.dumps({"case": i, "status": "ok", "outputs": []}) for i in range(protocol.MAX_STATUS_LINES + 5)]
    lines.append(json.dumps({"cell": "f", "status": "error", "error": "x" * 10_000}))
    status = read_status("\n".join(lines).encode(), {"f"})
    assert len(status["cases"]) == protocol.MAX_STATUS_LINES
    assert status["cells"] == {}  # past the cap
    cut = read_status(lines[-1].encode(), {"f"})
    assert len(cut["cells"]["f"]) == 400


def test_a_case_reported_ok_without_a_list_of_outputs_counts_as_failed():
    status = read_status(json.dumps({"case": 0, "status": "ok", "outputs": "forged"}).encode(), set())
    assert status["cases"] == {0: "failed"}


def test_a_cell_short_of_time_is_a_note_and_its_names_are_bounded():
    lines = [{"cell": "a", "status": "skipped"}, {"cell": "b", "status": "definitions", "kept": ["f", 3]},
             {"cell": "c", "status": "interrupted", "kept": ["n" * 500] * 100}, {"cell": "d", "status": "skipped"},
             {"cell": "a", "status": "error", "error": "a second word on a cell"}, {"cell": "e", "status": "forged"}]
    status = read_status("\n".join(json.dumps(line) for line in lines).encode(), {"a", "b", "c", "e"})
    assert status["cells"] == {"a": None, "b": None, "c": None, "e": None}  # none of them is a problem
    assert status["notes"]["a"] == ("skipped", [])
    assert status["notes"]["b"] == ("definitions", ["f", "3"])
    assert len(status["notes"]["c"][1]) == protocol.MAX_KEPT_NAMES
    assert {len(n) for n in status["notes"]["c"][1]} == {80}
    assert set(status["notes"]) == {"a", "b", "c"}  # no cell d in the job, no status "forged"
    said = grader.cell_notes({"a": ("skipped", []), "b": ("definitions", ["f", "g"]), "c": ("skipped", []),
                              "d": ("interrupted", [])}, 60)
    assert len(said) == 3  # the skipped cells in one note
    assert said[0].startswith("cells a, c were not run: the notebook's 60 s for running cells were spent")
    assert "only its definitions of f, g" in said[1]
    assert "cell d was stopped" in said[2]
