"""tox -e bench: the suite against plain Keras 3 and other tools, side by side on this machine; writes BENCHMARKS.md.

    python -m benchmarks.run [--sections overhead,training,...] [--repeats 3]

Every comparison alternates A and B and repeats them; the report gives medians and the min-max spread, and ratios,
because single times mean little on a shared machine. The last line printed is ``overhead_ratio=<suite/plain>``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import Context, machine, tokenize_imdb
from benchmarks.sections.end_to_end import end_to_end
from benchmarks.sections.overhead import overhead
from benchmarks.sections.padding import padding_batches
from benchmarks.sections.prediction import prediction_throughput
from benchmarks.sections.reading import reading
from benchmarks.sections.scaling import scaling
from benchmarks.sections.search import search
from benchmarks.sections.streaming import streaming
from benchmarks.sections.timeline import timeline
from benchmarks.sections.tokenizer import tokenizer
from benchmarks.sections.training import training
from benchmarks.sections.wide_tables import wide_table_section
from localgalaxy.environments import REPO_ROOT, ensure_tools_env

SECTIONS = (
    "overhead",
    "training",
    "padding",
    "prediction",
    "reading",
    "tokenizer",
    "scaling",
    "streaming",
    "end-to-end",
    "search",
    "timeline",
    "wide-tables",
)
# The closing figures, each measured by one section; overhead_ratio is printed last.
FIGURES = ("train_speedup", "predict_speedup", "masked_test_accuracy", "e2e_ratio", "overhead_ratio")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, from: {', '.join(SECTIONS)}")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=REPO_ROOT / ".bench")
    args = parser.parse_args()
    sections = args.sections.split(",")
    ctx = Context(ensure_tools_env(), args.work, os.cpu_count() or 1, args.repeats)
    ctx.work.mkdir(parents=True, exist_ok=True)
    full = tokenize_imdb(ctx)
    steps: dict[str, Callable[[], dict[str, float] | None]] = {
        "overhead": lambda: overhead(ctx, full),
        "training": lambda: training(ctx, full),
        "padding": lambda: padding_batches(ctx, full),
        "prediction": lambda: prediction_throughput(ctx),
        "reading": lambda: reading(ctx),
        "tokenizer": lambda: tokenizer(ctx),
        "scaling": lambda: scaling(ctx),
        "streaming": lambda: streaming(ctx),
        "end-to-end": lambda: end_to_end(ctx),
        "search": lambda: search(ctx, full),
        "timeline": lambda: timeline(ctx, full),
        "wide-tables": lambda: wide_table_section(ctx),
    }
    for name in SECTIONS:
        if name in sections:
            print(f"[bench] {name} ...", flush=True)
            record_section(ctx, name, steps[name])
            write_report(ctx.work / "sections")
    print("\n".join(ctx.report), flush=True)
    print("\n".join(closing_figures(ctx.work / "sections")), flush=True)
    return 0


def closing_figures(sections: Path) -> list[str]:
    """The goal figures, each from the latest measurement of its section (nan where it was never measured)."""
    measured: dict[str, float] = {}
    for path in sorted(sections.glob("*.json")):
        measured.update(json.loads(path.read_text()))
    return [f"{name}={measured.get(name, float('nan')):.3f}" for name in FIGURES]


def record_section(ctx: Context, name: str, step: Callable[[], dict[str, float] | None]) -> None:
    """Run one section and keep its report and figures, stamped, so that measuring one section again keeps the
    others."""
    first, started = len(ctx.report), time.perf_counter()
    figures = step()
    heading, *body = ctx.report[first:]
    stamp = (
        f"_Measured {time.strftime('%Y-%m-%d %H:%M')} in {time.perf_counter() - started:.0f} s: "
        f"`python -m benchmarks.run --sections {name} --repeats {ctx.repeats}`._"
    )
    folder = ctx.work / "sections"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.md").write_text("\n".join([heading, "", stamp, *body]) + "\n")
    if figures:
        (folder / f"{name}.json").write_text(json.dumps(figures))


def write_report(sections: Path) -> None:
    """BENCHMARKS.md from the latest report of every section, in order."""
    header = [
        "# Benchmarks",
        "",
        "Command: `tox -e bench` measures every section; `tox -e bench -- --sections NAME[,NAME]` measures some again "
        "and keeps the others. Each section says when and how it was measured.",
        "",
        f"Machine: {machine()}.",
        "",
        "A and B alternate within one run; figures are medians with the min-max spread. This machine is shared: "
        "compare the ratios, not the absolute times.",
        "",
    ]
    reports = [(sections / f"{name}.md").read_text() for name in SECTIONS if (sections / f"{name}.md").exists()]
    closing = ["## Closing figures", "", "```", *closing_figures(sections), "```", ""]
    (REPO_ROOT / "BENCHMARKS.md").write_text("\n".join(header) + "\n" + "\n".join(reports) + "\n" + "\n".join(closing))


if __name__ == "__main__":
    sys.exit(main())
