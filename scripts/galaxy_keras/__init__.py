"""Shared logic of the Galaxy Keras 3 tool suite.

Each tool in ``tools/`` runs one thin script in ``scripts/``; the scripts call into these modules:

- ``errors``: how a tool ends, with one line on stderr that says what to fix.
- ``cli``: what every entry script does: read the form Galaxy wrote and the output paths, run one task.
- ``tables``: reading tabular inputs and selecting their columns.
- ``catalogue``: the layers, losses, optimizers, metrics and callbacks the suite allows.
- ``safety``: checking model configurations and archives before Keras sees them.
- ``runtime``: threads, seeds and determinism, set before TensorFlow starts.
- ``architecture``, ``training``, ``prediction``, ``plots``, ``text``: the work of each tool.
"""

import os

# Before TensorFlow is imported anywhere: keep its C++ start-up chatter out of what the Galaxy user reads.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
