"""One measurement, run in its own process with the tools' interpreter; prints one JSON line.

    python benchmarks/measure.py read-suite TABLE           read a feature table the suite's way
    python benchmarks/measure.py read-pandas TABLE          ... with pandas.read_csv defaults
    python benchmarks/measure.py imports                    only the imports (the baseline for memory)
    python benchmarks/measure.py tokenize-suite|tokenize-textvectorization|tokenize-countvectorizer REVIEWS
    python benchmarks/measure.py epoch CONFIG X Y ROWS      seconds per epoch of the tutorial model
    python benchmarks/measure.py predict-suite|predict-keras MODEL X

The parent reads the peak memory of this process from the operating system (os.wait4), not from here.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import numpy as np
import pandas as pd


def read_suite(table: str) -> dict:
    from galaxy_keras.tables import ColumnSelection, read_feature_matrix

    started = time.perf_counter()
    matrix = read_feature_matrix(table, False, ColumnSelection(), "table")
    return {"seconds": time.perf_counter() - started, "dtype": str(matrix.dtype), "shape": list(matrix.shape)}


def read_pandas(table: str) -> dict:
    started = time.perf_counter()
    matrix = pd.read_csv(table, sep="\t", header=None).to_numpy()
    return {"seconds": time.perf_counter() - started, "dtype": str(matrix.dtype), "shape": list(matrix.shape)}


def review_texts(path: str) -> list[str]:
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
    from galaxy_keras.tables import ColumnSelection, read_feature_matrix
    from galaxy_keras.trained_model import TrainedModel

    trained = TrainedModel.load(model_path)
    features = read_feature_matrix(table, False, ColumnSelection(), "table")
    started = time.perf_counter()
    predict_rows(trained, features)
    return {"rows_per_second": len(features) / (time.perf_counter() - started)}


def predict_keras(model_path: str, table: str) -> dict:
    from galaxy_keras.runtime import keras

    link = Path(model_path).with_suffix(".bench.keras")
    link.unlink(missing_ok=True)
    link.symlink_to(Path(model_path).resolve())
    model = keras.saving.load_model(link, compile=False)
    features = pd.read_csv(table, sep="\t", header=None).to_numpy()
    started = time.perf_counter()
    model.predict(features, verbose=0)
    return {"rows_per_second": len(features) / (time.perf_counter() - started)}


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


def imports() -> dict:
    from galaxy_keras import runtime, tables  # noqa: F401

    return {}


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    action = {
        "read-suite": read_suite,
        "read-pandas": read_pandas,
        "imports": imports,
        "tokenize-suite": tokenize_suite,
        "tokenize-textvectorization": tokenize_textvectorization,
        "tokenize-countvectorizer": tokenize_countvectorizer,
        "predict-suite": predict_suite,
        "predict-keras": predict_keras,
        "plot-scaling": plot_scaling,
    }[command]
    print(json.dumps(action(*arguments)))
