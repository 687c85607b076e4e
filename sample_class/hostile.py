"""What hostile and broken students hand in: cells that break one thing (loops, bombs, a crash),
cheats that try to gain points without an answer, files that are no notebook, and links where
a notebook should be. Breakers cost at most their own cell; cheats, corrupt files and links
gain nothing."""
from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat

from dlcourse.grading.exercises import SPECS
from sample_class.honest import graded

# extra cells added to an honest notebook: each breaks one thing, and costs at most that
BREAKERS = {
    "infinite_loop_cell": "while True:\n    pass",
    "memory_bomb_cell": "hog = bytearray(50 * 1024**3)",
    "fork_bomb_cell": "import os\nwhile True:\n    os.fork()",
    "huge_output_cell": "for _ in range(2_000_000):\n    print('x' * 50)",
    "kill_the_grader_cell": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(1, signal.SIGKILL)",
    "sys_exit_cell": "import sys\nsys.exit(3)",
    "os_exit_cell": "import os\nos._exit(0)",
    "interpreter_crash_cell": "import ctypes\nctypes.string_at(0)",
    # files just under the per-file limit, until every writable place is full
    "disk_filler_cell": "import os\nchunk = b'0' * (1 << 20)\nfor folder in ('.', '/tmp', '/dev/shm'):\n"
                        "    for i in range(10_000):\n        try:\n"
                        "            with open(os.path.join(folder, f'fill{i}'), 'wb') as fh:\n"
                        "                for _ in range(60):\n                    fh.write(chunk)\n"
                        "        except OSError:\n            break",
}
# breakers whose cell ends without an error to report: the output is cut, the disk is full
SILENT_BREAKERS = {"huge_output_cell", "disk_filler_cell"}

# a forger's descriptors, every open one, the regular files first: the results channel is the one
# open file, and a write to one of the runner's pipes may end the notebook before the forgery lands
_FILES_FIRST = ("import os, stat\n\n\ndef is_file(fd):\n    try:\n        return stat.S_ISREG(os.fstat(fd).st_mode)\n"
                "    except OSError:\n        return False\n\n\n"
                "fds = [int(fd) for fd in os.listdir('/proc/self/fd') if int(fd) > 2]\n"
                "fds.sort(key=lambda fd: not is_file(fd))\n")

# cheats added to the student version (no solutions): none may gain a point
CHEATS = {
    "patch_numpy": "import numpy\nnumpy.allclose = lambda *a, **k: True\n"
                   "numpy.isclose = lambda a, b, **k: numpy.ones_like(a, bool)",
    "patch_builtins": "import builtins\nbuiltins.abs = lambda x: 0\n"
                      "builtins.AssertionError = type('Nope', (Exception,), {})",
    "input_transformer": "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])",
    "fake_results": _FILES_FIRST + "import json\nfake = {'status': 'ok', 'outputs': []}\nfor fd in fds:\n"
                    "    for case in range(200):\n        try:\n"
                    "            os.write(fd, (json.dumps({'case': case, **fake}) + '\\n').encode())\n"
                    "        except OSError:\n            break\nprint('All tests passed! 18/18')",
    # the answer key, if the grader's machine let the student's code reach it
    "use_the_reference": "try:\n    from dlcourse.layers import affine_backward as reference\n\n"
                         "    def affine_backward(dout, x, w):\n        dx, grads = reference(dout, (x, w))\n"
                         "        return dx, grads['w'], grads['b']\nexcept ImportError:\n    pass",
    # forged results claiming enormous arrays: the grader must refuse them before inflating anything
    "result_bomb": _FILES_FIRST + "import json\nhuge = {'dtype': '<f8', 'shape': [1 << 40], 'data': 'AAAA' * 1000}\n"
                   "for fd in fds:\n    for case in range(60):\n        try:\n"
                   "            outputs = [huge] * (1 + case % 5)\n"
                   "            os.write(fd, (json.dumps({'case': case, 'status': 'ok', 'outputs': outputs})"
                   " + '\\n').encode())\n        except OSError:\n            break",
    "read_other_files": "import glob\nstolen = {p: open(p).read()[:100] for pat in ['../source/*/*', "
                        "'/work/*/autograder/source/*/*', '../../*/*/*.ipynb', '/root/*', '/etc/shadow'] "
                        "for p in glob.glob(pat)}\n"
                        "assert not stolen, stolen",
    "write_gradebook": "import glob\nfor p in glob.glob('/**/gradebook.db', recursive=True) + ['../gradebook.db']:\n"
                       "    open(p, 'w').write('pwned')",
    "open_socket": "import socket\nsocket.create_connection(('127.0.0.1', 8786), timeout=2)",
    "remount_rw": "import subprocess\nsubprocess.run(['mount', '-o', 'remount,rw', '/usr'], check=True)",
}


def _reference_cheat(source_nb: nbformat.NotebookNode) -> str:
    """Each graded function answered by its reference in the student library, as a late or
    regraded notebook could try once its assignment is closed: withheld in the sandbox."""
    cells = []
    for _, fn in graded(source_nb):
        spec = next(spec for spec in SPECS.values() if spec.function == fn.name)
        name = next((r for r in spec.references if not r.startswith("dlcourse.tf.")), None)
        if name:
            module, _, attr = name.rpartition(".")
            cells.append(f"def {fn.name}(*args, **kwargs):\n    import importlib\n"
                         f"    return getattr(importlib.import_module({module!r}), {attr!r})(*args, **kwargs)\n")
    return "\n\n".join(cells)


def _rerun_cheat(source_nb: nbformat.NotebookNode) -> str:
    """A cell defining a graded name and then running to the limit, whose definitions, run again
    on their own, run to the limit too: many of them must gain no time past the notebook's."""
    name = graded(source_nb)[0][1].name
    return (f"def _spin():\n    while True:\n        pass\n\n\ndef {name}(*args, **kwargs):\n    return TABLE\n\n\n"
            "TABLE = _spin()")


RERUN_CELLS = 12
# the student library's folder, bound read-only: writing it would reach the next notebook's sandbox
_TAMPER = ("import os\nimport dlcourse\nroot = os.path.dirname(os.path.dirname(dlcourse.__file__))\nchanged = []\n"
           "for folder, _, files in os.walk(root):\n    for name in files + ['sitecustomize.py']:\n        try:\n"
           "            with open(os.path.join(folder, name), 'a') as fh:\n"
           "                fh.write('\\nimport os\\nos._exit(0)\\n')\n"
           "            changed.append(name)\n        except OSError:\n            pass\n"
           "    try:\n        os.chmod(folder, 0o777)\n        changed.append(folder)\n"
           "    except OSError:\n        pass\n"
           "print('changed', changed)")
# cheats made for the notebook they are added to: source notebook -> cells
CHEATS_OF = {"library_reference": lambda nb: [_reference_cheat(nb)], "library_tamper": lambda nb: [_TAMPER],
             "rerun_for_time": lambda nb: [_rerun_cheat(nb)] * RERUN_CELLS}

# files that are no notebook, handed in under the notebook's name
CORRUPT = {
    "empty_file": b"",
    "corrupt_json": b'{"cells": [ {"cell_type": "code", ',
    "wrong_nbformat": json.dumps({"nbformat": 2, "nbformat_minor": 0, "worksheets": []}).encode(),
    "not_a_notebook": b"\x89PNG\r\n\x1a\n binary junk",
}


# submissions that are not a plain file in the student's own folder: refused, whatever they point
# at. Each is made in an empty assignment folder, pointing at the instructor's source notebook
# (the answer key), and is never written through.
def _symlink_to_answer_key(answer_key: Path, folder: Path) -> None:
    (folder / answer_key.name).symlink_to(answer_key.resolve())


def _linked_assignment_folder(answer_key: Path, folder: Path) -> None:
    folder.rmdir()
    folder.symlink_to(answer_key.parent.resolve(), target_is_directory=True)


def _hardlink_to_answer_key(answer_key: Path, folder: Path) -> None:
    os.link(answer_key, folder / answer_key.name)


def _fifo_notebook(answer_key: Path, folder: Path) -> None:
    os.mkfifo(folder / answer_key.name)


LINKS = {"symlink_to_answer_key": _symlink_to_answer_key, "linked_assignment_folder": _linked_assignment_folder,
         "hardlink_to_answer_key": _hardlink_to_answer_key, "fifo_notebook": _fifo_notebook}
