"""The TensorFlow half of dlcourse: from-scratch Keras optimisers and regularisers, the
two-branch network of syllabus 2, model builders and a training helper.

Importing it imports TensorFlow without its start-up chatter (see ``dlcourse.quiet_tf``);
code outside this package takes ``keras`` from here (``from dlcourse.tf import keras``), since
a plain ``import keras`` that comes first imports TensorFlow loudly.
"""
from dlcourse.quiet_tf import import_tensorflow

tf = import_tensorflow()
import keras  # noqa: E402,F401  (re-exported: import keras from here)
