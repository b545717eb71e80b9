"""'Model Prediction': a trained model and a feature table -> predicted labels, values or class probabilities.

The table is read, checked and predicted in chunks of rows, so that memory stays bounded however long the
table is; the output is written chunk by chunk and removed if a later chunk fails.
"""

from __future__ import annotations

import csv

import numpy as np

from galaxy_keras.errors import UserInputError
from galaxy_keras.padding import masks_padding, predict_trimmed
from galaxy_keras.tables import ColumnSelection, iter_feature_chunks, rows_per_chunk
from galaxy_keras.trained_model import TrainedModel, as_model_input

# Values per prediction batch: 1,024 rows of the RNN tutorial's 500 word ids, 17 of fruit 360's 30,000 pixel values,
# so that a batch's activations stay small whatever the width of a sample.
PREDICT_BATCH_CELLS = 1024 * 500
# Values read, checked, predicted and written at a time: memory stays bounded however long and wide the table is.
PREDICTION_CHUNK_CELLS = 8 * PREDICT_BATCH_CELLS


def header_for(trained: TrainedModel, method: str, n_outputs: int) -> list[str]:
    if method == "predict_proba":
        return [str(label) for label in trained.encoding.classes]
    if trained.encoding.task == "regressor" and n_outputs > 1:
        return [f"Predicted_{index + 1}" for index in range(n_outputs)]
    return ["Predicted"]


def predict_table(
    model_path: str, features_path: str, has_header: bool, columns: ColumnSelection, method: str, output: str
) -> int:
    """Write the predictions; return the number of rows predicted."""
    trained = TrainedModel.load(model_path)
    if method == "predict_proba":
        if trained.encoding.task != "classifier":
            raise UserInputError("predict_proba gives class probabilities, but this model is a regressor: use predict.")
        if trained.encoding.output_kind == "binary-margin":
            raise UserInputError(
                "this model was trained with a hinge loss and outputs margins, not probabilities: use predict."
            )
    what = "features table"
    n_rows = 0
    with open(output, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        first_line = 2 if has_header else 1
        for block in iter_feature_chunks(features_path, has_header, columns, what, PREDICTION_CHUNK_CELLS):
            trained.check_features(block, what, first_line + n_rows)
            outputs = predict_rows(trained, as_model_input(trained.model, block))
            if n_rows == 0:
                writer.writerow(header_for(trained, method, outputs.shape[1]))
            values = (
                trained.encoding.class_scores(outputs)
                if method == "predict_proba"
                else trained.encoding.decode(outputs)
            )
            writer.writerows(_rows(values))
            n_rows += len(block)
    return n_rows


def batch_rows(features: np.ndarray) -> int:
    """Rows per prediction batch for samples of this size: about PREDICT_BATCH_CELLS values."""
    return rows_per_chunk(int(np.prod(features.shape[1:])), PREDICT_BATCH_CELLS)


def predict_rows(trained: TrainedModel, features: np.ndarray) -> np.ndarray:
    """The network's outputs for a block of rows, in full batches of ``batch_rows`` rows.

    A model that masks padding gets batches of rows of similar length with the padding cut off (``padding``),
    its outputs put back in the rows' order. Any other model gets the rows as they are, and a short last batch
    is padded to full size: every call then has the same shape, so TensorFlow traces the model once instead of
    once per batch size.
    """
    size = batch_rows(features)
    if masks_padding(trained.model):
        return predict_trimmed(trained.model, features, size)
    outputs = []
    for start in range(0, len(features), size):
        batch = features[start : start + size]
        padded = np.concatenate([batch, np.zeros((size - len(batch), *batch.shape[1:]), batch.dtype)])
        outputs.append(np.asarray(trained.model.predict_on_batch(padded))[: len(batch)])
    return np.concatenate(outputs)


def _rows(values: np.ndarray) -> list[list[str]]:
    if values.ndim == 1:
        return [[_format(value)] for value in values]
    return [[_format(value) for value in row] for row in values]


def _format(value: object) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return str(value)
