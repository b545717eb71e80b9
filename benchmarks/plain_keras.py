"""The baseline: a minimal plain Keras 3 script with Keras defaults, doing the tutorial's work.

    python benchmarks/plain_keras.py --x-train X.tsv --y-train y.tsv --x-test X_test.tsv --predictions out.tsv

It reads the tables with pandas defaults, builds the tutorial's model, holds out 10% of the training rows, trains with
``model.fit``, scores the held-out rows with ``model.evaluate`` and predicts the test rows with ``model.predict``, all
with Keras' default settings. With ``--texts`` it starts from the review tables and tokenizes them with
``keras.layers.TextVectorization`` first (the end-to-end comparison).
"""

from __future__ import annotations

import argparse
import time

import keras
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split


def tutorial_model(
    sequence_length: int, vocabulary_size: int, jit_compile: bool | str = "auto", mask_zero: bool = False
) -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input((sequence_length,)),
            keras.layers.Embedding(vocabulary_size, 32, mask_zero=mask_zero),
            keras.layers.LSTM(100),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"], jit_compile=jit_compile)
    return model


def vectorize(train_texts: pd.Series, test_texts: pd.Series, sequence_length: int) -> tuple[np.ndarray, np.ndarray]:
    vectorizer = keras.layers.TextVectorization(max_tokens=10000, output_sequence_length=sequence_length)
    vectorizer.adapt(train_texts.str.replace("<br />", " ").to_numpy())
    return (
        np.asarray(vectorizer(train_texts.str.replace("<br />", " ").to_numpy())),
        np.asarray(vectorizer(test_texts.str.replace("<br />", " ").to_numpy())),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--x-train")
    parser.add_argument("--y-train")
    parser.add_argument("--x-test")
    parser.add_argument("--texts", nargs=2, metavar=("TRAIN", "TEST"), help="review tables instead of X/y tables")
    parser.add_argument("--predictions", required=True)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mask-zero", action="store_true", help="the Embedding masks padding (Keras' own batches)")
    args = parser.parse_args()
    started = time.perf_counter()
    keras.utils.set_random_seed(args.seed)
    if args.texts:
        train, test = (pd.read_csv(path, sep="\t", quoting=3) for path in args.texts)
        x, x_test = vectorize(train["text"], test["text"], 500)
        y = train["label"].to_numpy()
    else:
        x = pd.read_csv(args.x_train, sep="\t", header=None).to_numpy()
        y = pd.read_csv(args.y_train, sep="\t", header=None)[0].to_numpy()
        x_test = pd.read_csv(args.x_test, sep="\t", header=None).to_numpy()
    x_fit, x_held, y_fit, y_held = train_test_split(x, y, test_size=0.1, random_state=args.seed)
    model = tutorial_model(x.shape[1], 10000, mask_zero=args.mask_zero)
    epoch_started = []
    timer = keras.callbacks.LambdaCallback(  # measurement only: prints each epoch's wall time
        on_epoch_begin=lambda epoch, logs: epoch_started.append(time.perf_counter()),
        on_epoch_end=lambda epoch, logs: print(
            f"epoch_seconds={time.perf_counter() - epoch_started[-1]:.2f}", flush=True
        ),
    )
    model.fit(x_fit, y_fit, epochs=args.epochs, batch_size=args.batch_size, verbose=2, callbacks=[timer])
    print("held-out", model.evaluate(x_held, y_held, verbose=0, return_dict=True))
    predict_started = time.perf_counter()
    predicted = (model.predict(x_test, verbose=0)[:, 0] >= 0.5).astype(int)
    print(f"predict_seconds={time.perf_counter() - predict_started:.2f}", flush=True)
    pd.DataFrame({"Predicted": predicted}).to_csv(args.predictions, sep="\t", index=False)
    print(f"plain keras wall time {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
