"""Make the small files in test-data/ from the shared IMDB data and a fixed random seed.

    python tests/make_test_data.py [--imdb ../shared/data/imdb]

The files are committed; run this again only to change them. Every file stays under 1 MB.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT / "scripts"), str(REPO_ROOT / "tests")]

import fixture_models as models  # noqa: E402
from galaxy_keras.text import (  # noqa: E402
    ReviewTable,
    TokenizerSettings,
    build_vocabulary,
    to_sequences,
    tokenize,
    words,
)

TEST_DATA = REPO_ROOT / "test-data"
SEED = 20261125


def balanced_sample(table: pd.DataFrame, per_label: int, rng: np.random.Generator) -> pd.DataFrame:
    parts = [group.iloc[rng.choice(len(group), per_label, replace=False)] for _, group in table.groupby("label")]
    return pd.concat(parts).sample(frac=1, random_state=SEED)


def write_reviews(table: pd.DataFrame, name: str) -> None:
    table.to_csv(TEST_DATA / name, sep="\t", index=False)


def write_tokenized(train: pd.DataFrame, test: pd.DataFrame) -> None:
    """The tutorial's table format (no header, 500 ids a row), for the tutorial workflow and the tool tests."""
    settings = TokenizerSettings()
    train_words = [words(text) for text in train["text"]]
    word_ids = {word: index for word, index, _ in build_vocabulary(train_words, settings)}
    for name, table, tokenized in (
        ("train", train, train_words),
        ("test", test, [words(text) for text in test["text"]]),
    ):
        sequences = to_sequences(tokenized, word_ids, settings)
        np.savetxt(TEST_DATA / f"imdb_X_{name}.tsv", sequences, fmt="%d", delimiter="\t")
        table["label"].to_csv(TEST_DATA / f"imdb_y_{name}.tsv", index=False, header=False)


def write_blobs(rng: np.random.Generator) -> None:
    """Three well separated classes with string labels, and a numeric target, for classifier and regressor tests.

    blobs_groups.tsv names each row's group: 24 groups (g01 to g24) of 5 rows made one after another from one class's
    centre (as the samples of one patient), for the group split tests.
    """
    centres = {"alpha": (0.0, 0.0, 0.0, 0.0), "beta": (4.0, 4.0, 0.0, 0.0), "gamma": (0.0, 4.0, 4.0, 4.0)}
    rows = []
    for label, centre in centres.items():
        points = rng.normal(centre, 0.7, size=(40, 4))
        for point in points:
            size = 2.0 * point[0] - point[1] + 0.5 * point[2] + rng.normal(0, 0.1)
            rows.append([*np.round(point, 4), label, round(size, 4)])
    table = pd.DataFrame(rows, columns=["f1", "f2", "f3", "f4", "species", "size"]).sample(frac=1, random_state=SEED)
    table.to_csv(TEST_DATA / "blobs.tsv", sep="\t", index=False)
    groups = pd.DataFrame({"group": [f"g{row // 5 + 1:02}" for row in table.index]})  # the index: the order made
    groups.to_csv(TEST_DATA / "blobs_groups.tsv", sep="\t", index=False)


def write_vocabulary_short() -> None:
    """A vocabulary from a fit run with other settings, for the tokenizer's apply tests."""
    train = pd.read_csv(TEST_DATA / "imdb_reviews_train.tsv", sep="\t", quoting=3)
    settings = TokenizerSettings(vocabulary_size=2000, sequence_length=40, padding="post", unknown="mark")
    scratch = TEST_DATA / "scratch_sequences.tsv"
    tokenize(
        ReviewTable(train["text"].tolist(), None),
        settings,
        None,
        {"sequences": str(scratch), "vocabulary": str(TEST_DATA / "imdb_vocabulary_short.tsv")},
    )
    scratch.unlink()
    test = TEST_DATA / "imdb_reviews_test.tsv"
    (TEST_DATA / "imdb_reviews_test.tsv.gz").write_bytes(gzip.compress(test.read_bytes(), mtime=0))
    (TEST_DATA / "empty.tsv").write_text("")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--imdb", type=Path, default=REPO_ROOT.parent / "shared" / "data" / "imdb")
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    TEST_DATA.mkdir(exist_ok=True)
    train = balanced_sample(pd.read_csv(args.imdb / "train.tsv.gz", sep="\t", quoting=3), 200, rng)
    test = balanced_sample(pd.read_csv(args.imdb / "test.tsv.gz", sep="\t", quoting=3), 100, rng)
    write_tokenized(train, test)
    # The same reviews as the tokenized tables: both workflows see the same data.
    write_reviews(train, "imdb_reviews_train.tsv")
    write_reviews(test, "imdb_reviews_test.tsv")
    write_blobs(rng)
    write_vocabulary_short()
    models.write_model_files(TEST_DATA)
    for path in sorted(TEST_DATA.iterdir()):
        assert path.stat().st_size < 1_000_000, f"{path} is over 1 MB"


if __name__ == "__main__":
    main()
