"""Reviews per second: the suite's tokenizer against keras.layers.TextVectorization and sklearn CountVectorizer."""

from __future__ import annotations

import statistics

from benchmarks.common import SHARED_IMDB, Context, spread


def tokenizer(ctx: Context) -> None:
    reviews = ctx.work / "train_reviews.tsv"
    if not reviews.exists():
        import gzip

        reviews.write_bytes(gzip.decompress((SHARED_IMDB / "train.tsv.gz").read_bytes()))
    results = {name: [] for name in ("suite", "textvectorization", "countvectorizer")}
    for _ in range(ctx.repeats):
        for name in results:
            output = ctx.measure(f"tokenize-{name}", reviews).output
            results[name].append(output["reviews"] / output["seconds"])
    suite = statistics.median(results["suite"])
    ctx.report += [
        "## 6. Tokenizer throughput",
        "",
        "The 25,000 training reviews: build the vocabulary and turn every review into ids (reading excluded). "
        "TextVectorization (adapt + call, 10,000 tokens, 500 per review) and CountVectorizer (fit_transform, 10,000 "
        "features) do the same vocabulary work.",
        "",
        "| | reviews per second: median (min-max) | suite is faster by |",
        "|---|---|---|",
        f"| suite | {spread(results['suite'])} | |",
        f"| keras.layers.TextVectorization | {spread(results['textvectorization'])} | "
        f"{suite / statistics.median(results['textvectorization']):.2f}x |",
        f"| sklearn CountVectorizer | {spread(results['countvectorizer'])} | "
        f"{suite / statistics.median(results['countvectorizer']):.2f}x |",
        "",
    ]
