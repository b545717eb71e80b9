"""What the suite allows: the one list of layers, losses, optimizers, metrics and callbacks.

Everything a user's file may name is checked against these lists before Keras sees it (see ``safety``).
The Galaxy forms in ``tools/`` offer these names; ``tests/test_catalogue.py`` checks that the forms and
these lists agree.
"""

from __future__ import annotations

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
    # name: the arguments the form offers besides learning_rate (Keras 3 names)
    "SGD": ("momentum", "nesterov"),
    "RMSprop": ("rho", "momentum", "epsilon", "centered"),
    "Adam": ("beta_1", "beta_2", "epsilon", "amsgrad"),
    "AdamW": ("weight_decay", "beta_1", "beta_2", "epsilon", "amsgrad"),
    "Adagrad": ("initial_accumulator_value", "epsilon"),
    "Adadelta": ("rho", "epsilon"),
    "Adamax": ("beta_1", "beta_2", "epsilon"),
    "Nadam": ("beta_1", "beta_2", "epsilon"),
    "Ftrl": (
        "learning_rate_power",
        "initial_accumulator_value",
        "l1_regularization_strength",
        "l2_regularization_strength",
    ),
}
# Arguments every Keras optimizer takes.
OPTIMIZER_COMMON_ARGUMENTS = ("learning_rate", "clipnorm", "clipvalue")

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

CALLBACKS = {
    # name: the arguments the form offers
    "EarlyStopping": ("monitor", "min_delta", "patience", "mode", "restore_best_weights", "start_from_epoch"),
    "ReduceLROnPlateau": ("monitor", "factor", "patience", "mode", "min_delta", "cooldown", "min_lr"),
    "TerminateOnNaN": (),
}

# Building blocks a layer's configuration may hold; they are data, never code.
NESTED_OBJECT_MODULES = ("keras.initializers", "keras.regularizers", "keras.constraints")
# Markers that Keras writes for plain values inside a configuration.
VALUE_MARKERS = frozenset({"__tuple__", "__keras_tensor__", "DTypePolicy", "FloatDTypePolicy"})
