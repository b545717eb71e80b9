"""Run one of the suite's scripts as Galaxy runs it, and write down when its steps begin and end, so that a benchmark
can take the job apart without changing what the job does.

    python benchmarks/probe.py STAMPS SCRIPT ARGUMENT...

SCRIPT runs as ``__main__`` in this process, with its folder first on ``sys.path`` and ARGUMENT... as its arguments,
as ``python SCRIPT ARGUMENT...`` would run it. Before it starts, the probe wraps training's ``fit`` (adding one
callback that only reads the clock), ``evaluation_metrics`` and ``TrainedModel.save``. Each stamp is one line of
STAMPS, ``<event> <time.monotonic()>``: the clock that the parent reads when it starts and reaps the process.
"""

from __future__ import annotations

import functools
import runpy
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

# The events, in the order a training job writes them; fit's come once per fit (per candidate of a search).
STARTED = "started"
FIT = "fit"
FIRST_BATCH = "first_batch"
EPOCH_END = "epoch_end"
TRAIN_END = "train_end"
FIT_RETURNED = "fit_returned"
SCORING = "scoring"
SCORED = "scored"
SAVING = "saving"
SAVED = "saved"


def stamper(stamps: TextIO) -> Callable[[str], None]:
    def stamp(event: str) -> None:
        stamps.write(f"{event} {time.monotonic():.6f}\n")
        stamps.flush()

    return stamp


def wrap(owner: Any, name: str, stamp: Callable[[str], None], begin: str, end: str) -> None:
    """Stamp ``begin`` and ``end`` around every call of ``owner.name``."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def stamped(*args: Any, **kwargs: Any) -> Any:
        stamp(begin)
        try:
            return original(*args, **kwargs)
        finally:
            stamp(end)

    setattr(owner, name, stamped)


def probe_training(stamp: Callable[[str], None]) -> None:
    """Wrap the steps of training; imported here, before the script, so that the script and the search get the wrapped
    ``fit`` (TensorFlow is imported, as in every run, before its first operation)."""
    from galaxy_keras import trained_model, training
    from galaxy_keras.runtime import keras

    class EpochStamps(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.first_batch = epoch == 0

        def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
            if self.first_batch:
                stamp(FIRST_BATCH)
                self.first_batch = False

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            stamp(EPOCH_END)

        def on_train_end(self, logs: dict | None = None) -> None:
            stamp(TRAIN_END)

    fit = training.fit

    @functools.wraps(fit)
    def fit_with_stamps(*args: Any, extra_callbacks: Any = (), **kwargs: Any) -> Any:
        return fit(*args, extra_callbacks=[*extra_callbacks, EpochStamps()], **kwargs)

    training.fit = fit_with_stamps
    wrap(training, "fit", stamp, FIT, FIT_RETURNED)
    wrap(training, "evaluation_metrics", stamp, SCORING, SCORED)
    wrap(trained_model.TrainedModel, "save", stamp, SAVING, SAVED)


def main() -> None:
    stamps_path, script, *arguments = sys.argv[1:]
    with open(stamps_path, "w") as stamps:
        stamp = stamper(stamps)
        stamp(STARTED)
        sys.path.insert(0, str(Path(script).resolve().parent))
        probe_training(stamp)
        sys.argv = [script, *arguments]
        runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
