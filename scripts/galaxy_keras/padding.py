"""Padding-aware batches for models that mask padding: rows of similar length together, padding trimmed.

Tokenized texts are padded with id 0 to one length (500 in the tutorial), but most reviews are much shorter. A
model whose Embedding has ``mask_zero`` (or that starts with a Masking layer) skips the padding anyway, so a
batch can drop the time steps that are padding in every one of its rows without changing the result. Here each
batch gets rows of similar length, each row's ids are moved to the start of the batch (all its padding on the
right: masked recurrent layers skip masked steps, so the result is the same, and cuDNN on a GPU accepts only
padding on the right), and the batch is cut after its longest row, rounded up to a multiple of ``LENGTH_STEP``
so that TensorFlow traces few shapes.

Training reads these batches, and the plain shuffled batches of any other model, from one repeating ``tf.data``
pipeline with tf.data's autotuning off (``repeating_dataset`` says why).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from galaxy_keras.runtime import gpu_visible, keras, tf

LENGTH_STEP = 32
Batches = Callable[[], Iterator[tuple[np.ndarray, np.ndarray]]]  # one epoch of (features, targets) batches
# (x, y, batch size, seed, shuffle) -> (dataset, batches per epoch): grouped_dataset or shuffled_dataset
DatasetMaker = Callable[[np.ndarray, np.ndarray, int, int | None, bool], tuple[tf.data.Dataset, int]]
# Layers that take a mask and end the time axis (their output has no time steps left to pad).
_MASK_CONSUMERS = (
    keras.layers.RNN,
    keras.layers.Bidirectional,
    keras.layers.GlobalAveragePooling1D,
    keras.layers.GlobalMaxPooling1D,
)


def masks_padding(model) -> bool:
    """Whether trimming padding leaves the model's outputs unchanged.

    True for a Sequential model that starts with an Embedding with ``mask_zero`` (or a Masking layer of value 0)
    and whose following layers all carry the mask until a recurrent or global pooling layer consumes it.
    """
    if not isinstance(model, keras.Sequential) or not model.layers:
        return False
    first, *rest = model.layers
    starts_masked = (isinstance(first, keras.layers.Embedding) and first.mask_zero) or (
        isinstance(first, keras.layers.Masking) and first.mask_value == 0
    )
    if not starts_masked:
        return False
    for layer in rest:
        if not layer.supports_masking:
            return False
        if isinstance(layer, _MASK_CONSUMERS) and len(layer.output.shape) == 2:
            return True
    return False


def used_steps(rows: np.ndarray) -> np.ndarray:
    """Which time steps of each row are not padding (a step of a feature row is padding when all its values are 0)."""
    return rows != 0 if rows.ndim == 2 else np.any(rows != 0, axis=tuple(range(2, rows.ndim)))


def trimmed_batch(rows: np.ndarray, unmask_empty: bool = False) -> np.ndarray:
    """Each row's steps that are not padding, in their order, moved to the start (padding on the right); the
    batch cut after its longest row, rounded up to a multiple of LENGTH_STEP.

    With ``unmask_empty``, a row with no steps at all gets one step of ones (id 1), because cuDNN refuses a row
    that is masked entirely; its prediction is then that of a one-word text.
    """
    used = used_steps(rows)
    lengths = used.sum(axis=1)
    steps = rows.shape[1]
    width = min(steps, max(LENGTH_STEP, -(-int(lengths.max(initial=0)) // LENGTH_STEP) * LENGTH_STEP))
    feature_axes = (1,) * (rows.ndim - 2)
    used_first = np.argsort(~used, axis=1, kind="stable")[:, :width]
    moved = np.take_along_axis(rows, used_first.reshape(*used_first.shape, *feature_axes), axis=1)
    inside = (np.arange(width)[None, :] < lengths[:, None]).reshape(len(rows), width, *feature_axes)
    trimmed = np.where(inside, moved, 0).astype(rows.dtype)
    if unmask_empty:
        trimmed[lengths == 0, 0] = 1
    return trimmed


def length_groups(lengths: np.ndarray, batch_size: int, rng: np.random.Generator | None) -> list[np.ndarray]:
    """Row indices in batches of similar length; with ``rng``, ties and the batch order are shuffled."""
    order = rng.permutation(len(lengths)) if rng is not None else np.arange(len(lengths))
    order = order[np.argsort(lengths[order], kind="stable")]
    batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    if rng is not None:
        batches = [batches[index] for index in rng.permutation(len(batches))]
    return batches


def repeating_dataset(batches: Batches, x: np.ndarray, y: np.ndarray, trimmed: bool) -> tf.data.Dataset:
    """The batches of rows of ``x`` and ``y`` that ``batches()`` yields for one epoch, again for every epoch; with
    ``trimmed``, batches of any width.

    The dataset repeats: ``fit`` then keeps one iterator for all epochs (with ``steps_per_epoch``). tf.data's
    autotuning is off, because destroying an iterator waits for its autotuning thread, which can miss the wake-up:
    TensorFlow's cancellation calls the thread's callback before it marks itself cancelled, and the thread, woken
    too early, sleeps out the rest of its period, which doubles up to 60 s. ``fit`` then returned up to 40 s after its
    last epoch (the iterator destroyed when ``fit`` ends) and, with a new iterator per epoch, sat idle before the
    first batch of an epoch. The pipeline has nothing to tune: its batches come from one Python generator.
    """
    signature = (
        tf.TensorSpec((None, None if trimmed else x.shape[1], *x.shape[2:]), tf.as_dtype(x.dtype)),
        tf.TensorSpec((None, *y.shape[1:]), tf.as_dtype(y.dtype)),
    )
    options = tf.data.Options()
    options.autotune.enabled = False
    return tf.data.Dataset.from_generator(batches, output_signature=signature).repeat().with_options(options)


def batches_per_epoch(n_rows: int, batch_size: int) -> int:
    return -(-n_rows // batch_size)


def grouped_dataset(
    x: np.ndarray, y: np.ndarray, batch_size: int, seed: int | None, shuffle: bool
) -> tuple[tf.data.Dataset, int]:
    """(dataset, batches per epoch): trimmed batches, regrouped (if ``shuffle``) at every epoch, the same for the
    same seed (see ``repeating_dataset``)."""
    lengths = used_steps(x).sum(axis=1)
    rng = np.random.default_rng(seed) if shuffle else None
    unmask_empty = gpu_visible()  # a recurrent layer may then take cuDNN's path

    def batches() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for rows in length_groups(lengths, batch_size, rng):
            yield trimmed_batch(x[rows], unmask_empty), y[rows]

    return repeating_dataset(batches, x, y, trimmed=True), batches_per_epoch(len(x), batch_size)


def shuffled_dataset(
    x: np.ndarray, y: np.ndarray, batch_size: int, seed: int | None, shuffle: bool
) -> tuple[tf.data.Dataset, int]:
    """(dataset, batches per epoch): the rows as they are, in batches of ``batch_size`` in their order or (if
    ``shuffle``) in a new random order at every epoch, as Keras batches arrays; the same for the same seed."""
    rng = np.random.default_rng(seed) if shuffle else None

    def batches() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        order = rng.permutation(len(x)) if rng is not None else np.arange(len(x))
        for start in range(0, len(x), batch_size):
            rows = order[start : start + batch_size]
            yield x[rows], y[rows]

    return repeating_dataset(batches, x, y, trimmed=False), batches_per_epoch(len(x), batch_size)


def predict_trimmed(model, rows: np.ndarray, batch_size: int, unmask_empty: bool | None = None) -> np.ndarray:
    """The model's outputs for ``rows`` in their order, predicted in trimmed batches sorted by length.

    ``unmask_empty`` (see trimmed_batch) is on where a GPU is visible, unless given.
    """
    unmask_empty = gpu_visible() if unmask_empty is None else unmask_empty
    outputs: np.ndarray | None = None
    for batch in length_groups(used_steps(rows).sum(axis=1), batch_size, rng=None):
        predicted = np.asarray(model.predict_on_batch(trimmed_batch(rows[batch], unmask_empty)))
        if outputs is None:
            outputs = np.empty((len(rows), *predicted.shape[1:]), predicted.dtype)
        outputs[batch] = predicted
    assert outputs is not None
    return outputs
