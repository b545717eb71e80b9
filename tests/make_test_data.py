"""Make the small files in test-data/ from the shared IMDB data, data that ships inside scikit-learn, and a fixed
random seed.

    python tests/make_test_data.py [--imdb ../shared/data/imdb] [--parts imdb,blobs,models,gtn]

The files are committed; run this again only to change them (``--parts`` remakes only some). Every file stays under
1 MB.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.model_selection import train_test_split

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
PARTS = ("imdb", "blobs", "models", "gtn")


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


def write_split(name: str, x: pd.DataFrame, y: pd.DataFrame, header: bool, stratify: bool, fmt: str) -> None:
    """``<name>_X_train.tsv``, ``_y_train``, ``_X_test``, ``_y_test``: a quarter of the rows held out for testing, as in
    the tutorials' tables."""
    parts = train_test_split(x, y, test_size=0.25, random_state=SEED, stratify=y if stratify else None)
    for table, part in zip(parts, ("X_train", "X_test", "y_train", "y_test"), strict=True):
        table.to_csv(TEST_DATA / f"{name}_{part}.tsv", sep="\t", index=False, header=header, float_format=fmt)


def min_max_scaled(table: pd.DataFrame) -> pd.DataFrame:
    return (table - table.min()) / (table.max() - table.min())


def write_gtn_stand_ins() -> None:
    """Stand-ins, from data inside scikit-learn (no download), for the data of the GTN deep-learning tutorials.

    - diabetes (442 patients, 10 features, a disease progression score): the FNN tutorial's regression of car
      purchase prices; features and target scaled to 0-1 as there, with a header.
    - digits (1,797 images of 8 x 8 pixels, values 0-16, 10 classes): the CNN tutorial's MNIST; no header, as there,
      and the training labels also one-hot encoded (``digits_y_train_onehot.tsv``), as the tutorial's 'To
      categorical' step writes them.
    - breast cancer (569 tumours, 30 measurements, malignant 0 / benign 1): the introduction's leukaemia data (two
      classes from many measurements); standardised to the training part's mean and spread, with a header.
    """
    diabetes = datasets.load_diabetes(as_frame=True)
    target = min_max_scaled(diabetes.target.to_frame("target"))
    write_split("diabetes", min_max_scaled(diabetes.data), target, header=True, stratify=False, fmt="%.5f")
    digits = datasets.load_digits(as_frame=True)
    write_split("digits", digits.data.astype(int), digits.target.to_frame(), header=False, stratify=True, fmt="%g")
    labels = pd.read_csv(TEST_DATA / "digits_y_train.tsv", header=None)[0]
    one_hot = np.eye(10)[labels]
    np.savetxt(TEST_DATA / "digits_y_train_onehot.tsv", one_hot, fmt="%.1f", delimiter="\t")
    cancer = datasets.load_breast_cancer(as_frame=True)
    write_split("cancer", cancer.data, cancer.target.to_frame(), header=True, stratify=True, fmt="%.6g")
    train, test = (pd.read_csv(TEST_DATA / f"cancer_X_{part}.tsv", sep="\t") for part in ("train", "test"))
    mean, spread = train.mean(), train.std()
    for part, table in (("train", train), ("test", test)):
        ((table - mean) / spread).to_csv(TEST_DATA / f"cancer_X_{part}.tsv", sep="\t", index=False, float_format="%.5f")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--imdb", type=Path, default=REPO_ROOT.parent / "shared" / "data" / "imdb")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"which files to make, of {', '.join(PARTS)}")
    args = parser.parse_args()
    parts = args.parts.split(",")
    rng = np.random.default_rng(SEED)
    TEST_DATA.mkdir(exist_ok=True)
    # The IMDB sample draws from rng before the blobs do: made alone, the blobs would differ.
    train = balanced_sample(pd.read_csv(args.imdb / "train.tsv.gz", sep="\t", quoting=3), 200, rng)
    test = balanced_sample(pd.read_csv(args.imdb / "test.tsv.gz", sep="\t", quoting=3), 100, rng)
    if "imdb" in parts:
        write_tokenized(train, test)
        # The same reviews as the tokenized tables: both workflows see the same data.
        write_reviews(train, "imdb_reviews_train.tsv")
        write_reviews(test, "imdb_reviews_test.tsv")
    if "blobs" in parts:
        write_blobs(rng)
    if "imdb" in parts:
        write_vocabulary_short()
    if "models" in parts:
        models.write_model_files(TEST_DATA)
    if "gtn" in parts:
        write_gtn_stand_ins()
        models.write_gtn_plans(TEST_DATA)
    for path in sorted(TEST_DATA.iterdir()):
        assert path.stat().st_size < 1_000_000, f"{path} is over 1 MB"


if __name__ == "__main__":
    main()
