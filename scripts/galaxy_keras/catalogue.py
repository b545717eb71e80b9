"""What the suite allows: the one list of layers, losses, optimizers, metrics and callbacks, and the one list of
the settings they take with the values that train a useful model.

Everything a user's file may name is checked against these lists before Keras sees it (see ``safety`` and
``plan``). The Galaxy forms in ``tools/`` offer these names and mirror these ranges; ``tests/test_catalogue.py``
checks that the forms and these lists agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    """A setting's type and, for a number, the range of values that trains a useful model.

    A form mirrors the range in its param: an included end as the param's ``min``/``max``, an excluded end as an
    ``in_range`` validator with ``exclude_min``/``exclude_max``.
    """

    kind: type  # bool, int, float or str
    low: float | None = None
    high: float | None = None
    low_excluded: bool = False
    high_excluded: bool = False
    choices: tuple[str, ...] = ()

    def allows(self, value: object) -> bool:
        if self.kind in (bool, str) or isinstance(value, bool):  # JSON's true is a Python int: never a number here
            return type(value) is self.kind and (not self.choices or value in self.choices)
        if not isinstance(value, int if self.kind is int else (int, float)):
            return False
        if isinstance(value, float) and not math.isfinite(value):
            return False
        above_low = self.low is None or (value > self.low if self.low_excluded else value >= self.low)
        below_high = self.high is None or (value < self.high if self.high_excluded else value <= self.high)
        return above_low and below_high

    def describe(self) -> str:
        """The allowed values in words, to follow 'use' in a message."""
        if self.kind is bool:
            return "true or false"
        if self.choices:
            return f"one of {', '.join(self.choices)}"
        if self.kind is str:
            return "a quantity's name, such as val_loss"
        noun = "a whole number" if self.kind is int else "a number"
        below = "below" if self.high_excluded else "at most"
        if self.low is None:
            return noun if self.high is None else f"{noun} {below} {self.high}"
        if self.high is None:
            return f"{noun} above {self.low}" if self.low_excluded else f"{noun}, {self.low} or more"
        if self.low_excluded:
            return f"{noun} above {self.low} and {below} {self.high}"
        return f"{noun} from {self.low} to {'below ' if self.high_excluded else ''}{self.high}"


FLAG = Setting(bool)
COUNT = Setting(int, 0)  # epochs of patience, cooldown, waiting
NON_NEGATIVE = Setting(float, 0)
POSITIVE = Setting(float, 0, low_excluded=True)
# Decay of a running average (beta_1, beta_2, rho, momentum): 1 would keep it at its start forever.
DECAY = Setting(float, 0, 1, high_excluded=True)
# A share strictly between none and all: of the rows (split sizes) or of the learning rate (ReduceLROnPlateau).
FRACTION = Setting(float, 0, 1, low_excluded=True, high_excluded=True)
# What NumPy's random generators take as a seed.
SEED = Setting(int, 0, 2**32 - 1)
# 0 never changes the weights; the optimizers' defaults are 0.001 to 0.01, and above 10 training diverges.
LEARNING_RATE = Setting(float, 0, 10, low_excluded=True)
# Added to a denominator: 0 divides by zero at the first step.
EPSILON = Setting(float, 0, 1, low_excluded=True)
MONITOR = Setting(str)
MODE = Setting(str, choices=("auto", "min", "max"))

RECURRENT_LAYERS = frozenset({"SimpleRNN", "LSTM", "GRU"})
MERGE_LAYERS = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot"})

# Every layer a model may hold: those the architecture form offers, and the input layer Keras adds.
LAYERS = (
    frozenset(
        {
            "InputLayer",
            # core
            "Dense",
            "Activation",
            "Dropout",
            "Flatten",
            "Reshape",
            "Permute",
            "RepeatVector",
            "Masking",
            "GaussianNoise",
            "GaussianDropout",
            "LeakyReLU",
            # embedding, recurrent and attention
            "Embedding",
            "Bidirectional",
            "MultiHeadAttention",
            # convolution and pooling
            "Conv1D",
            "Conv2D",
            "MaxPooling1D",
            "MaxPooling2D",
            "AveragePooling1D",
            "AveragePooling2D",
            "GlobalMaxPooling1D",
            "GlobalMaxPooling2D",
            "GlobalAveragePooling1D",
            "GlobalAveragePooling2D",
            "UpSampling1D",
            "ZeroPadding1D",
            # normalization and regularization
            "BatchNormalization",
            "LayerNormalization",
            "SpatialDropout1D",
            "SpatialDropout2D",
        }
    )
    | RECURRENT_LAYERS
    | MERGE_LAYERS
)

MODELS = frozenset({"Sequential", "Functional", "Model"})
# The most layers a model may have: deeper than any model these forms are for, and a bound on the work a hand-edited
# configuration can ask for.
MAX_LAYERS = 500
# The most parameters a model may have (1 GB of float32 weights; training one takes 4 GB at least): beyond what
# these tools train, and refused before Keras allocates anything (a typo such as units 1000000 in a Dense layer).
MAX_PARAMETERS = 250_000_000

LOSSES = {
    # name: the kind of target it expects. "binary": one sigmoid unit, a probability cut at 0.5;
    # "binary-margin": one unit whose sign is the class (hinge losses); "one-hot" and "class-index": one unit
    # per class, the largest wins; "value": regression.
    "binary_crossentropy": "binary",
    "binary_focal_crossentropy": "binary",
    "categorical_crossentropy": "one-hot",
    "sparse_categorical_crossentropy": "class-index",
    "hinge": "binary-margin",
    "squared_hinge": "binary-margin",
    "categorical_hinge": "one-hot",
    "kl_divergence": "one-hot",
    "poisson": "value",
    "mean_squared_error": "value",
    "mean_absolute_error": "value",
    "mean_absolute_percentage_error": "value",
    "mean_squared_logarithmic_error": "value",
    "huber": "value",
    "log_cosh": "value",
    "cosine_similarity": "value",
}

OPTIMIZERS = {
    # name: the arguments the form offers besides the common ones (Keras 3 names)
    "SGD": {"momentum": DECAY, "nesterov": FLAG},
    "RMSprop": {"rho": DECAY, "momentum": DECAY, "epsilon": EPSILON, "centered": FLAG},
    "Adam": {"beta_1": DECAY, "beta_2": DECAY, "epsilon": EPSILON, "amsgrad": FLAG},
    "AdamW": {
        "weight_decay": Setting(float, 0, 1),
        "beta_1": DECAY,
        "beta_2": DECAY,
        "epsilon": EPSILON,
        "amsgrad": FLAG,
    },
    "Adagrad": {"initial_accumulator_value": NON_NEGATIVE, "epsilon": EPSILON},
    "Adadelta": {"rho": DECAY, "epsilon": EPSILON},
    "Adamax": {"beta_1": DECAY, "beta_2": DECAY, "epsilon": EPSILON},
    "Nadam": {"beta_1": DECAY, "beta_2": DECAY, "epsilon": EPSILON},
    "Ftrl": {
        "learning_rate_power": Setting(float, high=0),
        "initial_accumulator_value": NON_NEGATIVE,
        "l1_regularization_strength": NON_NEGATIVE,
        "l2_regularization_strength": NON_NEGATIVE,
    },
}
# Arguments every Keras optimizer takes. Clipping to 0 would erase every gradient.
OPTIMIZER_COMMON_ARGUMENTS = {"learning_rate": LEARNING_RATE, "clipnorm": POSITIVE, "clipvalue": POSITIVE}


def optimizer_arguments(name: str) -> dict[str, Setting]:
    """Every argument the form offers for an optimizer, the common ones first."""
    return {**OPTIMIZER_COMMON_ARGUMENTS, **OPTIMIZERS[name]}


METRICS = frozenset(
    {
        "acc",  # Keras picks binary, categorical or sparse accuracy from the loss and output shape
        "binary_accuracy",
        "categorical_accuracy",
        "sparse_categorical_accuracy",
        "top_k_categorical_accuracy",
        "auc",
        "precision",
        "recall",
        "mse",
        "mae",
        "mape",
        "msle",
        "root_mean_squared_error",
        "cosine_similarity",
        "log_cosh_error",
        "r2_score",
    }
)

# The metrics Keras computes for each kind of target (see LOSSES); any other fails at the first training step
# (measured with Keras 3.15, tests/test_catalogue.py trains one step with each). Class indices allow only accuracy.
METRICS_BY_TARGET_KIND = {
    "binary": METRICS - {"top_k_categorical_accuracy"},
    "binary-margin": METRICS - {"top_k_categorical_accuracy"},
    "one-hot": METRICS - {"sparse_categorical_accuracy"},
    "class-index": frozenset({"acc", "sparse_categorical_accuracy"}),
    "value": METRICS - {"top_k_categorical_accuracy", "sparse_categorical_accuracy"},
}

# The most callbacks a plan may have: more than one of each kind is rarely useful, and a list must end somewhere.
MAX_CALLBACKS = 10
CALLBACKS = {
    # name: the arguments the form offers
    "EarlyStopping": {
        "monitor": MONITOR,
        "min_delta": NON_NEGATIVE,
        "patience": COUNT,
        "mode": MODE,
        "restore_best_weights": FLAG,
        "start_from_epoch": COUNT,
    },
    "ReduceLROnPlateau": {
        "monitor": MONITOR,
        # 0 would stop learning at the first plateau; Keras refuses 1 and above.
        "factor": FRACTION,
        "patience": COUNT,
        "mode": MODE,
        "min_delta": NON_NEGATIVE,
        "cooldown": COUNT,
        "min_lr": NON_NEGATIVE,
    },
    "TerminateOnNaN": {},
}

# The fit settings of a training plan; ``seed`` may also be null (a random start).
FIT_SETTINGS = {
    "epochs": Setting(int, 1, 10000),
    "batch_size": Setting(int, 1),
    # 0: no per-epoch validation; all would leave nothing to train on.
    "validation_split": Setting(float, 0, 1, high_excluded=True),
    "shuffle": FLAG,
}
# The training tool's split settings; ``random_state`` may also be empty (a random split).
SPLIT_SETTINGS = {"test_size": FRACTION, "validation_size": FRACTION, "random_state": SEED}

# The ranges of the layers' typed number fields, as the architecture form sets them (tools/layer_macros.xml; a test
# checks that they agree); the hyperparameter search refuses candidate values outside them.
LAYER_FIELD_SETTINGS = {
    **dict.fromkeys(
        ("units", "filters", "input_dim", "output_dim", "num_heads", "key_dim", "n", "size"), Setting(int, 1)
    ),
    # Keras clips a dropout above 1 to 1 without a word, which drops every input.
    **dict.fromkeys(("rate", "dropout", "recurrent_dropout"), Setting(float, 0, 0.99)),
    **dict.fromkeys(("negative_slope", "stddev", "epsilon"), NON_NEGATIVE),
    "momentum": Setting(float, 0, 1),
}

# Building blocks a layer's configuration may hold; they are data, never code.
NESTED_OBJECT_MODULES = ("keras.initializers", "keras.regularizers", "keras.constraints")
# Markers that Keras writes for plain values inside a configuration.
VALUE_MARKERS = frozenset({"__tuple__", "__keras_tensor__", "DTypePolicy", "FloatDTypePolicy"})
