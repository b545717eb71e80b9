"""A model's size is known before Keras allocates it: outlines take no memory and change no weights, and the job's
memory comes from Galaxy or a stated default."""

from __future__ import annotations

import json
import resource

import numpy as np
import pytest

import fixture_models as fm
from galaxy_keras import job_memory, runtime
from galaxy_keras.architecture import architecture_json
from galaxy_keras.errors import UserInputError
from galaxy_keras.safety import model_from_config, model_outline


def peak_memory_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def test_an_outline_allocates_no_weights() -> None:
    """200 million parameters would take 800 MB as weights; the outline counts them without allocating them."""
    config = json.loads(architecture_json(fm.sequential("(1000,)", fm.layer("Dense", units=200_000))))
    before = peak_memory_mb()
    assert model_outline(config, "model architecture").count_params() == 200_200_000
    assert peak_memory_mb() - before < 200


def test_a_model_built_after_an_outline_gets_the_weights_it_gets_without_one() -> None:
    config = json.loads(architecture_json(fm.BLOBS_CLASSIFIER_ARCHITECTURE))
    weights = []
    for outline_first in (False, True):
        runtime.seed_everything(7)
        if outline_first:
            model_outline(config, "model architecture")
        weights.append(model_from_config(config, "model architecture").get_weights())
    for alone, after_outline in zip(*weights, strict=True):
        np.testing.assert_array_equal(alone, after_outline)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, (job_memory.DEFAULT_MEMORY_MB, "the tools' default where Galaxy does not set GALAXY_MEMORY_MB")),
        ("16000", (16000, "GALAXY_MEMORY_MB")),
    ],
)
def test_the_jobs_memory_is_galaxys_or_the_stated_default(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: tuple
) -> None:
    if value is None:
        monkeypatch.delenv("GALAXY_MEMORY_MB", raising=False)
    else:
        monkeypatch.setenv("GALAXY_MEMORY_MB", value)
    assert job_memory.job_memory_mb() == expected


@pytest.mark.parametrize("value", ["", "0", "-5", "8G", "1.5"])
def test_a_memory_that_is_not_a_number_of_megabytes_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("GALAXY_MEMORY_MB", value)
    with pytest.raises(UserInputError, match="not a number of megabytes: ask the Galaxy administrator"):
        job_memory.job_memory_mb()
