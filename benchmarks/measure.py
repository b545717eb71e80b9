"""One measurement, run in its own process with the tools' interpreter; prints one JSON line.

    python benchmarks/measure.py read-suite TABLE [header]  read a feature table the suite's way (header: its first
                                                            line names the columns)
    python benchmarks/measure.py read-pandas TABLE [header] ... with pandas.read_csv defaults
    python benchmarks/measure.py tokenize-suite|tokenize-textvectorization|tokenize-countvectorizer REVIEWS
    python benchmarks/measure.py epoch CONFIG X Y ROWS      seconds of two epochs of the tutorial model, one setting
                                                            changed from Keras defaults (see EPOCH_CONFIGS)
    python benchmarks/measure.py predict-suite|predict-keras MODEL X

The parent reads each process's peak memory from the operating system (os.wait4); the table reads also report how
far the read itself raised it. NumPy and pandas are imported inside the measurements, so that the parent (in
Galaxy's environment) can import EPOCH_CONFIGS.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

if TYPE_CHECKING:
    import numpy as np


def memory_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (peak resident since the last reset) of this process, from /proc."""
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(field))
    return int(line.split()[1]) / 1024


def read_table(read: Callable[[], np.ndarray]) -> dict:
    """Time a read, and its peak memory above what the process held before it (the imports)."""
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident size
    before, started = memory_mb("VmRSS"), time.perf_counter()
    matrix = read()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_growth_mb": memory_mb("VmHWM") - before,
        "dtype": str(matrix.dtype),
        "shape": list(matrix.shape),
    }


def read_suite(table: str, header: str = "no-header") -> dict:
    from galaxy_keras.tables import ColumnSelection, read_feature_matrix

    return read_table(lambda: read_feature_matrix(table, header == "header", ColumnSelection(), "table"))


def read_pandas(table: str, header: str = "no-header") -> dict:
    import pandas as pd

    return read_table(lambda: pd.read_csv(table, sep="\t", header=0 if header == "header" else None).to_numpy())


def review_texts(path: str) -> list[str]:
    import pandas as pd

    return pd.read_csv(path, sep="\t", quoting=3)["text"].tolist()


def tokenize_suite(reviews: str) -> dict:
    from galaxy_keras.text import TokenizerSettings, build_vocabulary, to_sequences, words

    texts = review_texts(reviews)
    started = time.perf_counter()
    settings = TokenizerSettings()
    tokenized = [words(text) for text in texts]
    word_ids = {word: index for word, index, _ in build_vocabulary(tokenized, settings)}
    sequences = to_sequences(tokenized, word_ids, settings)
    return {"seconds": time.perf_counter() - started, "reviews": len(texts), "shape": list(sequences.shape)}


def tokenize_textvectorization(reviews: str) -> dict:
    import numpy as np

    from galaxy_keras.runtime import keras

    texts = np.array([text.replace("<br />", " ") for text in review_texts(reviews)])
    started = time.perf_counter()
    vectorizer = keras.layers.TextVectorization(max_tokens=10000, output_sequence_length=500)
    vectorizer.adapt(texts, batch_size=1024)
    sequences = np.asarray(vectorizer(texts))
    return {"seconds": time.perf_counter() - started, "reviews": len(texts), "shape": list(sequences.shape)}


def tokenize_countvectorizer(reviews: str) -> dict:
    from sklearn.feature_extraction.text import CountVectorizer

    texts = review_texts(reviews)
    started = time.perf_counter()
    counts = CountVectorizer(max_features=10000).fit_transform(texts)
    return {"seconds": time.perf_counter() - started, "reviews": len(texts), "shape": list(counts.shape)}


def predict_suite(model_path: str, table: str) -> dict:
    from galaxy_keras.prediction import predict_rows
    from galaxy_keras.runtime import use_galaxy_slots
    from galaxy_keras.tables import ColumnSelection, read_feature_matrix
    from galaxy_keras.trained_model import TrainedModel

    use_galaxy_slots()  # as the prediction tool does when it starts
    trained = TrainedModel.load(model_path)
    features = read_feature_matrix(table, False, ColumnSelection(), "table")
    started = time.perf_counter()
    predict_rows(trained, features)
    return {"rows_per_second": len(features) / (time.perf_counter() - started)}


def predict_keras(model_path: str, table: str) -> dict:
    import pandas as pd

    from galaxy_keras.runtime import keras

    link = Path(model_path).with_suffix(".bench.keras")
    link.unlink(missing_ok=True)
    link.symlink_to(Path(model_path).resolve())
    model = keras.saving.load_model(link, compile=False)
    features = pd.read_csv(table, sep="\t", header=None).to_numpy()
    started = time.perf_counter()
    model.predict(features, verbose=0)
    return {"rows_per_second": len(features) / (time.perf_counter() - started)}


EPOCH_CONFIGS = {
    "keras-defaults": "Keras defaults: pandas' int64 array, `model.fit`, no XLA on CPU",
    "int32": "int32 ids instead of int64",
    "jit-compile": "`jit_compile=True` (XLA)",
    "tf-data": "a `tf.data` pipeline: shuffled, batched, prefetched (AUTOTUNE)",
    "tf-data-int32": "the same `tf.data` pipeline, int32 ids",
    "deterministic": "`enable_op_determinism()` (what the suite turns on with a seed)",
    "galaxy-slots": "intra- and inter-op threads set to `GALAXY_SLOTS`",
}


def epoch(config: str, x_table: str, y_table: str, rows: str) -> dict:
    """Two epochs of the tutorial model on the first ROWS rows, with one setting changed from Keras defaults."""
    import os

    import keras
    import numpy as np
    import pandas as pd
    import tensorflow as tf

    from plain_keras import tutorial_model  # this script's folder is first on sys.path

    if config == "galaxy-slots":
        threads = int(os.environ.get("GALAXY_SLOTS", "1"))
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    keras.utils.set_random_seed(0)
    if config == "deterministic":
        tf.config.experimental.enable_op_determinism()
    x = pd.read_csv(x_table, sep="\t", header=None, nrows=int(rows)).to_numpy()
    y = pd.read_csv(y_table, sep="\t", header=None, nrows=int(rows))[0].to_numpy()
    if config in ("int32", "tf-data-int32"):
        x = x.astype(np.int32)
    model = tutorial_model(x.shape[1], 10000, jit_compile=config == "jit-compile")
    seconds: list[float] = []
    timer = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda *_: seconds.append(-time.perf_counter()),
        on_epoch_end=lambda *_: seconds.__setitem__(-1, seconds[-1] + time.perf_counter()),
    )
    if config.startswith("tf-data"):
        data = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=0).batch(128)
        history = model.fit(data.prefetch(tf.data.AUTOTUNE), epochs=2, verbose=0, callbacks=[timer])
    else:
        history = model.fit(x, y, epochs=2, batch_size=128, verbose=0, callbacks=[timer])
    return {"first": seconds[0], "second": seconds[1], "loss": history.history["loss"][-1]}


def plot_scaling(figures_path: str, image: str) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = json.loads(Path(figures_path).read_text())
    figure, (time_axes, memory_axes) = plt.subplots(1, 2, figsize=(11, 4))
    for length in sorted({point["length"] for point in figures}):
        points = sorted(
            (point for point in figures if point["length"] == length), key=lambda point: point["rows"] * length
        )
        ids = [point["rows"] * length / 1e6 for point in points]
        for key, axes, style in (
            ("train_s", time_axes, "o-"),
            ("predict_s", time_axes, "s--"),
            ("train_mb", memory_axes, "o-"),
            ("predict_mb", memory_axes, "s--"),
        ):
            axes.plot(ids, [point[key] for point in points], style, label=f"{key.split('_')[0]}, {length} ids/row")
    time_axes.set(xlabel="rows x ids per row (millions)", ylabel="seconds", title="Time")
    memory_axes.set(xlabel="rows x ids per row (millions)", ylabel="peak MB", title="Peak memory")
    time_axes.legend(fontsize=8)
    memory_axes.legend(fontsize=8)
    figure.savefig(image, dpi=110, bbox_inches="tight")
    return {}


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    action = {
        "read-suite": read_suite,
        "read-pandas": read_pandas,
        "tokenize-suite": tokenize_suite,
        "tokenize-textvectorization": tokenize_textvectorization,
        "tokenize-countvectorizer": tokenize_countvectorizer,
        "predict-suite": predict_suite,
        "predict-keras": predict_keras,
        "epoch": epoch,
        "plot-scaling": plot_scaling,
    }[command]
    print(json.dumps(action(*arguments)))
