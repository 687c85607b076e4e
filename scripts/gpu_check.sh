#!/usr/bin/env bash
# On a machine with a GPU and a framework (PyTorch, TensorFlow, JAX or CuPy) installed: runs a
# job in the grader's sandbox with the GPU (sandbox.Limits(gpu=True)), one without, and one
# unsandboxed, and prints what the framework sees and computes in each. Expected: the GPU seen
# and used with gpu=True as unsandboxed, and no GPU without. Needs root (or unprivileged user
# namespaces), bubblewrap and util-linux, as any grading host; of dlcourse only this checkout
# (the sandbox module imports nothing outside the standard library).
#   bash scripts/gpu_check.sh                       # with python3
#   PYTHON=/opt/venv/bin/python bash scripts/gpu_check.sh
#   GPU_CHECK_MEMORY_GB=16 bash scripts/gpu_check.sh  # the runs' memory limit (default 8)
# Exit status: 0 as expected, 1 not, 2 this machine cannot run the check.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

echo "== the GPU as the host sees it"
command -v nvidia-smi >/dev/null && nvidia-smi -L || echo "(no nvidia-smi)"
ls -ld /dev/nvidia* 2>/dev/null || echo "(no /dev/nvidia*)"
echo "CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES-(unset)}"
for tool in bwrap setpriv prlimit; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install bubblewrap util-linux)"; exit 2; }
done
"$PYTHON" -c "import sys; assert sys.version_info >= (3, 10)" || { echo "$PYTHON: Python 3.10 or later needed"; exit 2; }

PYTHONPATH="$PWD" "$PYTHON" - <<'EOF'
import json
import os
import sys
import tempfile
from pathlib import Path

from dlcourse.grading import sandbox

# Inside the sandbox (or unsandboxed): each installed framework's GPUs and a small product on the first.
PROBE = r'''
import importlib.util, json, os, resource, time
seen = {"dev": sorted(n for n in os.listdir("/dev") if n.startswith(("nvidia", "dri"))),
        "CUDA_VISIBLE_DEVICES": os.environ.get("CUDA_VISIBLE_DEVICES")}

def torch_check():
    import torch
    if not torch.cuda.is_available():
        return {"gpus": []}
    a = torch.ones(1024, 1024, device="cuda")
    return {"gpus": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())],
            "product": float((a @ a).sum().item()), "allocated": torch.cuda.memory_allocated()}

def tensorflow_check():
    import tensorflow as tf
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return {"gpus": []}
    with tf.device("/GPU:0"):
        a = tf.ones((1024, 1024))
        return {"gpus": [g.name for g in gpus], "product": float(tf.reduce_sum(a @ a))}

def jax_check():
    import jax
    import jax.numpy as jnp
    gpus = [str(d) for d in jax.devices() if d.platform == "gpu"]
    if not gpus:
        return {"gpus": []}
    a = jax.device_put(jnp.ones((1024, 1024)), jax.devices("gpu")[0])
    return {"gpus": gpus, "product": float((a @ a).sum())}

def cupy_check():
    import cupy
    n = cupy.cuda.runtime.getDeviceCount()
    a = cupy.ones((1024, 1024), dtype=cupy.float32)
    return {"gpus": [cupy.cuda.runtime.getDeviceProperties(i)["name"].decode() for i in range(n)],
            "product": float((a @ a).sum())}

for name, check in [("torch", torch_check), ("tensorflow", tensorflow_check), ("jax", jax_check),
                    ("cupy", cupy_check)]:
    if importlib.util.find_spec(name) is None:
        continue
    started = time.perf_counter()
    try:
        seen[name] = check()
    except Exception as e:
        seen[name] = {"gpus": [], "error": f"{type(e).__name__}: {str(e)[:400]}"}
    seen[name]["seconds"] = round(time.perf_counter() - started, 1)
seen["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
os.write(int(os.environ["DLCOURSE_RESULTS_FD"]), json.dumps(seen).encode())
'''

GIB = 1024**3
memory = int(float(os.environ.get("GPU_CHECK_MEMORY_GB", "8")) * GIB)
print(f"== sandbox mode: {sandbox.mode()}; the GPU's device files it would expose: {sandbox.gpu_devices()}")
if sandbox.mode() is None:
    print(sandbox.unavailable_reason())
    sys.exit(2)
runs = {}
for label, sandboxed, gpu, limit in [("sandboxed, gpu=True", True, True, memory),
                                     ("sandboxed, gpu=False", True, False, memory),
                                     ("sandboxed, gpu=True, the default memory limit", True, True,
                                      sandbox.Limits().memory_bytes),
                                     ("unsandboxed", False, False, memory)]:
    job = Path(tempfile.mkdtemp(prefix="dlcourse-gpu-check-"))
    (job / "probe.py").write_text(PROBE)
    limits = sandbox.Limits(wall_seconds=300, cpu_seconds=300, memory_bytes=limit, tmpfs_bytes=512 * 1024**2, gpu=gpu)
    run = sandbox.run(job, "probe.py", limits, sandboxed=sandboxed)
    try:
        runs[label] = json.loads(run.results)
    except ValueError:
        runs[label] = {"failed": f"exit {run.returncode}, timed out {run.timed_out}", "output": run.stdout[-2000:]}
    print(f"== {label} (memory limit {limit / GIB:g} GiB):")
    print(json.dumps(runs[label], indent=2))


def used(seen: dict) -> bool:
    return any(isinstance(v, dict) and v.get("gpus") and "product" in v for v in seen.values())


with_gpu, without, bare = runs["sandboxed, gpu=True"], runs["sandboxed, gpu=False"], runs["unsandboxed"]
if not used(bare):
    print("RESULT: no framework uses a GPU here even unsandboxed: nothing to compare (install one with CUDA)")
    sys.exit(2)
ok = used(with_gpu) and not used(without) and not any(n.startswith("nvidia") for n in without.get("dev", []))
print(f"RESULT: {'as expected' if ok else 'NOT as expected'}: the GPU used in the sandbox with gpu=True: "
      f"{used(with_gpu)}; without: {used(without)}; with the default memory limit: "
      f"{used(runs['sandboxed, gpu=True, the default memory limit'])}")
sys.exit(0 if ok else 1)
EOF
