"""TensorFlow and Keras, imported once; threads, seeds and determinism, set before the first operation.

Modules that need Keras import it from here (``from galaxy_keras.runtime import keras``), so that
TensorFlow is loaded only by the tools that use it, and always the same way. The entry scripts import such modules
inside their task, which ``errors.run_tool`` runs: a TensorFlow that cannot start is then reported like any other
error, with what it printed.

Galaxy tells a job how many cores it may use in ``GALAXY_SLOTS``; the tools use exactly that many threads
(one when it is unset), so that a cluster scheduler's accounting holds. The entry scripts set them when the tool
starts (``use_galaxy_slots``, through ``cli.run_form_tool``), so that a bad value is reported like any other
error. A GPU that the job can see is used by TensorFlow without any setting here.
"""

from __future__ import annotations

import faulthandler
import os
import tempfile

from galaxy_keras.errors import BrokenEnvironmentError, UserInputError, first_line


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with its start-up output set aside; if it fails to start, keep that output for the user.

    Its C++ core prints start-up notices (no CUDA driver, CPU features) before its logging is set up, and no
    setting silences them; a Galaxy user would read them as errors of a job that worked. When the import fails,
    those notices are the explanation, so they are replayed. A crash in native code (an illegal instruction, an
    abort) ends the process at once; faulthandler then still writes where it happened to the real stderr.
    """
    saved_stderr = os.dup(2)
    handler_was_enabled = faulthandler.is_enabled()
    with tempfile.TemporaryFile() as startup_output:
        os.dup2(startup_output.fileno(), 2)
        faulthandler.enable(file=saved_stderr)
        try:
            import tensorflow  # noqa: F401
        except Exception as error:  # whatever stops TensorFlow, the user reads why
            startup_output.seek(0)
            raise BrokenEnvironmentError(
                f"TensorFlow did not start ({type(error).__name__}: {first_line(error)}): the lines above are what "
                "it printed; the tools need the environment that tools/macros.xml lists "
                "(ask the Galaxy administrator).",
                startup_output.read().decode(errors="replace"),
            ) from error
        finally:
            os.dup2(saved_stderr, 2)
            if handler_was_enabled:
                faulthandler.enable()
            else:
                faulthandler.disable()
            os.close(saved_stderr)


_import_tensorflow_quietly()
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402


def galaxy_slots() -> int:
    value = os.environ.get("GALAXY_SLOTS", "1")
    try:
        slots = int(value)
    except ValueError:
        raise UserInputError(
            f"GALAXY_SLOTS is '{value}', not a number: ask the Galaxy administrator to fix the job setup."
        ) from None
    return max(slots, 1)


def use_galaxy_slots() -> None:
    """Use as many threads as Galaxy gives the job; TensorFlow accepts this only before its first operation."""
    threads = galaxy_slots()
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)


def gpu_visible() -> bool:
    return bool(tf.config.list_physical_devices("GPU"))


def seed_everything(seed: int | None) -> None:
    """With a seed, make training repeatable: same split, same initial weights, same weights after training.

    On a CPU the seed alone gives bit-identical weights (measured with 1, 2 and 4 threads, masked and unmasked
    LSTM models), and TensorFlow's deterministic operations only slow training down; on a GPU, where several
    kernels differ from run to run, they are turned on.
    """
    if seed is not None:
        keras.utils.set_random_seed(seed)
        if gpu_visible():
            tf.config.experimental.enable_op_determinism()
