"""Import TensorFlow without its start-up chatter (absl and oneDNN notes on stderr).

Those lines come from C++ before Python's logging is set up, so TF_CPP_MIN_LOG_LEVEL alone
does not stop them; file descriptor 2 is pointed at /dev/null while the import runs.
"""
from __future__ import annotations

import os
import sys
from types import ModuleType


def import_tensorflow() -> ModuleType:
    """``import tensorflow`` with its stderr noise dropped; later errors still show."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow as tf
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tf
