"""'Tokenize text into integer sequences': review texts -> fixed-length rows of word ids.

Fit mode builds the vocabulary from the training texts: lowercase, HTML line breaks and punctuation removed
(apostrophes are dropped inside words),
words ranked by frequency (ties by the word), the ``skip_top`` most frequent skipped and the next ones kept
until the ids reach ``vocabulary_size`` - 1. Id 0 is padding. Words outside the vocabulary (the skipped
frequent words and the rare ones) are dropped, or, with ``unknown="mark"``, written as id 1 (the kept words
then start at 2). Each text becomes ``sequence_length`` ids, padded and truncated at the start ("pre", as
Keras does) or at the end ("post").

Apply mode reads the vocabulary table that fit mode wrote, with the settings in its first line, so that test
texts get exactly the ids the model was trained on. A vocabulary edited by hand is checked row by row: a word
given twice, two words sharing an id, or an id outside the model's vocabulary would silently change the ids.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import chain

import numpy as np
import pandas as pd

from galaxy_keras.errors import UserInputError
from galaxy_keras.files import (
    GZIP_ERRORS,
    VOCABULARY_HEADER,
    VOCABULARY_SETTINGS_PREFIX,
    damaged_gzip,
    open_text,
    sample_lines,
)
from galaxy_keras.job_memory import check_fits
from galaxy_keras.tables import ColumnSelection, TableKind, header_names, read_text_table

LINE_BREAK_TAGS = re.compile(r"<br\s*/?>", re.IGNORECASE)
# Punctuation separates words, except the apostrophe, which is dropped ("didn't" -> "didnt"), as Keras'
# TextVectorization does. str.translate and str.split run in C: far faster than a regular expression per word.
PUNCTUATION = str.maketrans({**dict.fromkeys(string.punctuation, " "), "'": None})
PADDING_ID = 0
UNKNOWN_ID = 1
TEXTS = TableKind(
    "a table of texts",
    "give the table of texts (the vocabulary is the apply mode's other input)",
    cells_as_written=True,
    commas_in_cells=True,
)


@dataclass(frozen=True)
class TokenizerSettings:
    skip_top: int = 50
    vocabulary_size: int = 10000
    sequence_length: int = 500
    padding: str = "pre"
    truncating: str = "pre"
    unknown: str = "drop"

    def to_line(self) -> str:
        return VOCABULARY_SETTINGS_PREFIX + " " + " ".join(f"{name}={value}" for name, value in asdict(self).items())

    @classmethod
    def from_line(cls, line: str, what: str) -> TokenizerSettings:
        if not line.startswith(VOCABULARY_SETTINGS_PREFIX):
            raise UserInputError(
                f"the {what} does not start with the settings line this tool writes: give the vocabulary "
                "output of a fit run."
            )
        values = dict(item.split("=", 1) for item in line[len(VOCABULARY_SETTINGS_PREFIX) :].split())
        try:
            return cls(
                skip_top=int(values["skip_top"]),
                vocabulary_size=int(values["vocabulary_size"]),
                sequence_length=int(values["sequence_length"]),
                padding=values["padding"],
                truncating=values["truncating"],
                unknown=values["unknown"],
            )
        except (KeyError, ValueError):
            raise UserInputError(f"the settings line of the {what} is damaged: run the fit mode again.") from None

    @property
    def first_word_id(self) -> int:
        return UNKNOWN_ID + 1 if self.unknown == "mark" else UNKNOWN_ID

    def check(self) -> None:
        if self.sequence_length < 1:
            raise UserInputError(f"the sequence length is {self.sequence_length}: use at least 1 word per text.")
        if self.skip_top < 0:
            raise UserInputError(f"the number of most frequent words to skip is {self.skip_top}: use 0 or more.")
        if self.vocabulary_size <= self.first_word_id:
            raise UserInputError(
                f"a vocabulary size of {self.vocabulary_size} leaves no id for words: use at least "
                f"{self.first_word_id + 1}."
            )


def words(text: str) -> list[str]:
    """The words of one text: lowercased, without HTML line breaks and punctuation."""
    return LINE_BREAK_TAGS.sub(" ", text).lower().translate(PUNCTUATION).split()


def build_vocabulary(tokenized: Iterable[list[str]], settings: TokenizerSettings) -> list[tuple[str, int, int]]:
    """(word, id, count) of the kept words, most frequent first."""
    counts = Counter(chain.from_iterable(tokenized))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    n_kept = settings.vocabulary_size - settings.first_word_id
    kept = ranked[settings.skip_top : settings.skip_top + n_kept]
    return [(word, settings.first_word_id + rank, count) for rank, (word, count) in enumerate(kept)]


def to_sequences(tokenized: list[list[str]], word_ids: dict[str, int], settings: TokenizerSettings) -> np.ndarray:
    """One row of ``sequence_length`` ids per text, padded with 0."""
    length = settings.sequence_length
    rows = np.full((len(tokenized), length), PADDING_ID, dtype=np.int32)
    unknown = UNKNOWN_ID if settings.unknown == "mark" else None
    for row, text_words in enumerate(tokenized):
        if unknown is None:  # ids start at 1, so filter(None, ...) drops exactly the unknown words
            ids = list(filter(None, map(word_ids.get, text_words)))
        else:
            ids = [word_ids.get(word, unknown) for word in text_words]
        ids = ids[-length:] if settings.truncating == "pre" else ids[:length]
        if ids:
            if settings.padding == "pre":
                rows[row, length - len(ids) :] = ids
            else:
                rows[row, : len(ids)] = ids
    return rows


@dataclass(frozen=True)
class ReviewTable:
    texts: list[str]
    labels: pd.Series | None


def read_review_table(
    path: str, has_header: bool, text_column: ColumnSelection, label_column: ColumnSelection | None
) -> ReviewTable:
    what = "texts table"
    table = read_text_table(path, has_header, what, TEXTS)
    names = header_names(table, has_header)
    text_index = _one_column(text_column, names, what, has_header, "text")
    texts = table.iloc[:, text_index]
    empty = texts.str.strip() == ""
    if empty.all():
        raise UserInputError(
            f"the text column ({names[text_index]}) of the {what} is empty in every row: choose the column "
            "that holds the texts."
        )
    labels = None
    if label_column is not None:
        labels = table.iloc[:, _one_column(label_column, names, what, has_header, "label")]
        missing = labels.str.strip() == ""
        if missing.any():
            line = int(np.argmax(missing.to_numpy())) + (2 if has_header else 1)
            raise UserInputError(f"line {line} of the {what} has no label: fill it in or remove the row.")
    return ReviewTable(texts=texts.tolist(), labels=labels)


def _one_column(selection: ColumnSelection, names: list[str], what: str, has_header: bool, role: str) -> int:
    columns = selection.indices(names, f"{what} ({role} column)", has_header)
    if len(columns) != 1:
        raise UserInputError(
            f"{len(columns)} columns are selected as the {role} column of the {what}: select exactly one."
        )
    return columns[0]


def read_vocabulary(path: str) -> tuple[TokenizerSettings, dict[str, int]]:
    what = "vocabulary table"
    sample_lines(path, what)  # refuses a binary, UTF-16 or damaged gzip file
    try:
        with open_text(path) as handle:
            settings = TokenizerSettings.from_line(handle.readline().rstrip("\r\n"), what)
            if handle.readline().rstrip("\r\n").split("\t") != VOCABULARY_HEADER:
                raise UserInputError(
                    f"the {what} lacks its 'word, index, count' header: give the vocabulary output of a fit run."
                )
            word_ids = _checked_word_ids(_numbered_rows(handle, what), settings, what)
    except GZIP_ERRORS:
        raise damaged_gzip(what) from None
    if not word_ids:
        raise UserInputError(f"the {what} holds no words: give the vocabulary output of a fit run.")
    return settings, word_ids


def _numbered_rows(lines: Iterable[str], what: str) -> Iterator[tuple[int, str, int]]:
    """(line, word, id) of each row below the header (lines 1 and 2: settings and header); empty lines skipped.

    Split at tabs as ``write_vocabulary`` joins them: a word holds no tab or line break (``words`` splits at
    whitespace), and may be of any length (Python's csv module refuses a field above 128 KiB).
    """
    for line, text in enumerate(lines, start=3):
        row = text.rstrip("\r\n")
        if not row:
            continue
        fields = row.split("\t")
        if len(fields) != len(VOCABULARY_HEADER) or not re.fullmatch(r"-?\d+", fields[1].strip()):
            raise UserInputError(
                f"line {line} of the {what} is not a word, a whole-number index and a count, separated by tabs: "
                "fix that row, or run the fit mode again."
            )
        yield line, fields[0], int(fields[1])


def _checked_word_ids(rows: Iterable[tuple[int, str, int]], settings: TokenizerSettings, what: str) -> dict[str, int]:
    """Word -> id, refusing what an edit can break: a repeated word, a shared id, an id outside the vocabulary."""
    line_of_word: dict[str, int] = {}
    word_of_id: dict[int, tuple[str, int]] = {}
    for line, word, index in rows:
        if word in line_of_word:
            raise UserInputError(
                f"line {line} of the {what} repeats the word '{word}' of line {line_of_word[word]}: remove one of "
                "the two rows."
            )
        if not settings.first_word_id <= index < settings.vocabulary_size:
            raise UserInputError(
                f"line {line} of the {what} gives the word '{word}' the id {index}, but word ids run from "
                f"{settings.first_word_id} to {settings.vocabulary_size - 1} ({_reserved_ids(settings)}, and the "
                f"vocabulary size is {settings.vocabulary_size}): fix the id, or run the fit mode again."
            )
        if index in word_of_id:
            other, other_line = word_of_id[index]
            raise UserInputError(
                f"line {line} of the {what} gives the word '{word}' the id {index}, which line {other_line} gives "
                f"'{other}' already: give every word its own id, or run the fit mode again."
            )
        line_of_word[word], word_of_id[index] = line, (word, line)
    return {word: index for index, (word, _) in word_of_id.items()}


def _reserved_ids(settings: TokenizerSettings) -> str:
    marked = settings.first_word_id > UNKNOWN_ID
    return f"{PADDING_ID} is padding" + (f", {UNKNOWN_ID} marks unknown words" if marked else "")


def write_vocabulary(path: str, settings: TokenizerSettings, vocabulary: list[tuple[str, int, int]]) -> None:
    """The settings line, the header and one row per word, tab-separated, as ``read_vocabulary`` reads them."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(settings.to_line() + "\n")
        handle.write("\t".join(VOCABULARY_HEADER) + "\n")
        handle.writelines(f"{word}\t{index}\t{count}\n" for word, index, count in vocabulary)


def write_sequences(path: str, sequences: np.ndarray) -> None:
    """The id table, no header, as the tutorial's X_train / X_test."""
    as_text = np.array([str(number) for number in range(int(sequences.max(initial=0)) + 1)], dtype=object)
    with open(path, "w") as handle:
        for start in range(0, len(sequences), 2048):
            block = sequences[start : start + 2048]
            handle.write("".join("\t".join(as_text[row]) + "\n" for row in block))


def write_labels(path: str, labels: pd.Series) -> None:
    with open(path, "w") as handle:
        handle.writelines(f"{label}\n" for label in labels)


def tokenize(
    table: ReviewTable, settings: TokenizerSettings, vocabulary_path: str | None, outputs: dict[str, str | None]
) -> None:
    """Fit (no ``vocabulary_path``) or apply; write X, y (when there are labels) and, when fitting, the vocabulary."""
    settings.check()
    check_fits(
        np.dtype(np.int32).itemsize * len(table.texts) * settings.sequence_length,
        f"an id table of {settings.sequence_length:,} ids per text for {len(table.texts):,} text(s)",
        "",
        "use fewer words per text",
    )
    tokenized = [words(text) for text in table.texts]
    if vocabulary_path is None:
        vocabulary = build_vocabulary(tokenized, settings)
        if not vocabulary:
            raise UserInputError(
                f"the texts hold fewer than {settings.skip_top + 1} different words, so no word is kept: "
                "lower the number of words to skip."
            )
        write_vocabulary(outputs["vocabulary"], settings, vocabulary)
        word_ids = {word: index for word, index, _ in vocabulary}
    else:
        fitted, word_ids = read_vocabulary(vocabulary_path)
        if fitted != settings:
            differences = ", ".join(
                f"{name} {getattr(fitted, name)} there but {getattr(settings, name)} here"
                for name in asdict(settings)
                if getattr(fitted, name) != getattr(settings, name)
            )
            raise UserInputError(
                f"the vocabulary was built with other settings ({differences}): use the fit run's settings, so that "
                "the model gets rows of the shape it was trained on."
            )
    write_sequences(outputs["sequences"], to_sequences(tokenized, word_ids, settings))
    if table.labels is not None and outputs.get("labels"):
        write_labels(outputs["labels"], table.labels)
