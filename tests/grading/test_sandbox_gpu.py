"""The sandbox exposing a GPU's device files only when a run asks for them (``Limits.gpu``),
tested without a GPU: as root, a stand-in character device is made where NVIDIA's driver makes
its own (``/dev/nvidia...``, with the null device's numbers, so opening it is harmless), and a
folder of them like ``/dev/nvidia-caps``; both are removed afterwards. A sandboxed run, in
both modes, must see and open them with ``gpu=True``, and find nothing with ``gpu=False``.
What a real GPU and a framework see is checked by ``scripts/gpu_check.sh`` on a GPU machine."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from test_sandbox import account, as_user  # noqa: F401 (account: the unprivileged user's fixture)

from dlcourse.grading import sandbox

DEVICE = "/dev/nvidia-dlcourse-test"
CAPS = "/dev/nvidia-dlcourse-test-caps"  # a folder of device files, as /dev/nvidia-caps is
NULL = (1, 3)  # the null device's numbers: reads give nothing, writes are dropped

# Run in the sandbox: what it finds of the stand-ins, and whether it can open them for writing.
PROBE = f"PATHS = {[DEVICE, CAPS + '/cap1']!r}\n" + r"""
import json, os
seen = {"listed": sorted(n for n in os.listdir("/dev") if n.startswith("nvidia-dlcourse-test")),
        "visible": os.environ.get("CUDA_VISIBLE_DEVICES")}
for path in PATHS:
    try:
        with open(path, "r+b", buffering=0) as fh:
            seen[path] = [fh.write(b"x"), len(fh.read(10))]
    except OSError as e:
        seen[path] = type(e).__name__
os.write(int(os.environ["DLCOURSE_RESULTS_FD"]), json.dumps(seen).encode())
"""

# The same probe, sandboxed by the grader as the calling user (root or the unprivileged account).
RUN = r"""
import json, os, sys, tempfile
from pathlib import Path
from dlcourse.grading import sandbox
os.environ["CUDA_VISIBLE_DEVICES"] = "0"  # as a GPU worker started for one GPU has it
out = {"mode": sandbox.mode()}
for gpu in (True, False):
    folder = Path(tempfile.mkdtemp())
    (folder / "probe.py").write_text(sys.argv[1])
    run = sandbox.run(folder, "probe.py", sandbox.Limits(wall_seconds=60, gpu=gpu))
    out[str(gpu)] = json.loads(run.results or b"{}") if run.returncode == 0 else run.stdout
print(json.dumps(out))
"""


@pytest.fixture
def stand_in():
    """The stand-in devices, readable and writable by everyone as NVIDIA's are by default."""
    assert os.geteuid() == 0, "making a device file needs root (CI runs as root)"
    for path in (DEVICE, CAPS):
        assert not os.path.lexists(path), f"{path} exists already: a test run was killed before its cleanup; remove it"
    try:
        os.mknod(DEVICE, 0o666 | stat.S_IFCHR, os.makedev(*NULL))
        os.mkdir(CAPS, 0o755)
        os.mknod(f"{CAPS}/cap1", 0o666 | stat.S_IFCHR, os.makedev(*NULL))
        for path in (DEVICE, f"{CAPS}/cap1"):
            os.chmod(path, 0o666)  # mknod's mode is cut by the umask
        yield
    finally:
        Path(DEVICE).unlink(missing_ok=True)
        shutil.rmtree(CAPS, ignore_errors=True)


def test_the_gpu_devices_are_found_where_the_driver_makes_them(stand_in):
    found = sandbox.gpu_devices()
    assert DEVICE in found
    assert CAPS in found
    assert all(p.startswith("/dev/nvidia") for p in found), found


@pytest.mark.parametrize("who", ["root", "rootless"])
def test_a_run_sees_and_opens_the_gpu_devices_only_when_it_asks(stand_in, account, who):  # noqa: F811
    if who == "root":
        done = subprocess.run([sys.executable, "-c", RUN, PROBE], capture_output=True, text=True, timeout=300,
                              check=False)
    else:
        done = as_user(account, f"import sys\nsys.argv[1:] = [{PROBE!r}]\n{RUN}", timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["mode"] == who
    exposed, hidden = seen["True"], seen["False"]
    assert exposed["listed"] == ["nvidia-dlcourse-test", "nvidia-dlcourse-test-caps"], seen
    # written to and read from: the null device takes the byte and gives nothing back
    assert exposed[DEVICE] == [1, 0], seen
    assert exposed[f"{CAPS}/cap1"] == [1, 0], seen
    assert exposed["visible"] == "0", seen  # which GPU the worker was given reaches the run
    assert hidden["listed"] == [], seen
    assert hidden[DEVICE] == hidden[f"{CAPS}/cap1"] == "FileNotFoundError", seen
    assert hidden["visible"] is None, seen  # without the GPU, nothing of the grader's environment


def test_without_a_gpu_asking_for_one_exposes_nothing(tmp_path):
    """A CPU worker given a GPU task by mistake: the run goes on, on the CPU, with no device."""
    assert not any(Path("/dev").glob("nvidia-dlcourse-test*")), "the stand-ins are left from an earlier run"
    (tmp_path / "probe.py").write_text(PROBE)
    run = sandbox.run(tmp_path, "probe.py", sandbox.Limits(wall_seconds=60, gpu=True))
    assert run.returncode == 0, run.stdout
    assert json.loads(run.results)["listed"] == []


# Run in the sandbox: an address-space reservation CUDA-sized (no memory behind it), then memory
# really written, beyond the limit, from a thread.
RESERVE = r"""
import json, mmap, os, threading
seen = {}
try:
    reserved = mmap.mmap(-1, 64 * 1024**3, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, prot=0)  # PROT_NONE
    seen["reserved"] = len(reserved)
except OSError as e:
    seen["reserved"] = type(e).__name__

def hog():
    try:
        block = bytearray(1024**3)
        seen["written"] = len(block)
    except MemoryError:
        seen["written"] = "MemoryError"

thread = threading.Thread(target=hog)
thread.start()
thread.join()
os.write(int(os.environ["DLCOURSE_RESULTS_FD"]), json.dumps(seen).encode())
"""


@pytest.mark.parametrize("gpu", [True, False])
def test_a_gpu_run_may_reserve_address_space_but_not_write_more_memory_than_its_limit(tmp_path, gpu):
    (tmp_path / "probe.py").write_text(RESERVE)
    run = sandbox.run(tmp_path, "probe.py", sandbox.Limits(wall_seconds=60, memory_bytes=512 * 1024**2, gpu=gpu))
    assert run.returncode == 0, run.stdout
    seen = json.loads(run.results)
    assert seen["written"] == "MemoryError", seen  # the same memory limit either way
    assert seen["reserved"] == (64 * 1024**3 if gpu else "OSError"), seen


@pytest.mark.slow  # Dask
def test_a_local_cluster_on_a_gpu_machine_runs_one_gpu_task_at_a_time(stand_in):
    """With a GPU here (the stand-in), grading an assignment whose tasks use it without a
    scheduler: one local worker, offering it, whatever the count of workers asked."""
    from dlcourse.grading import batch

    cluster = batch._cluster(2, {"GPU": 1})
    try:
        workers = cluster.scheduler_info["workers"]
        assert [w["resources"] for w in workers.values()] == [{"GPU": 1}], workers
    finally:
        cluster.close()


@pytest.mark.slow  # a sandboxed grading
def test_a_notebook_graded_with_the_gpu_scores_as_without(stand_in):
    """The whole runner (IPython, a fork per cell and per call) under a GPU run's limits (the
    data segment instead of the address space, the devices bound) on the honest hw1."""
    from test_grader import FAST, _source, _tests

    from dlcourse.grading.cases import load_secret
    from dlcourse.grading.grader import grade_submission

    data, tests = _source("hw1").read_bytes(), _tests("hw1")
    for gpu in (True, False):
        limits = dataclasses.replace(FAST, gpu=gpu)
        result = grade_submission("s", "hw1", "hw1.ipynb", data, tests, load_secret(), True, limits)
        assert result.problems == [], (gpu, result.problems)
        assert result.score == result.max_score > 0, (gpu, result.tests)
