"""Where a training job's time goes: the training and search scripts as Galaxy runs them, taken apart by
benchmarks/probe.py into start to first batch, epochs, the end of fit, scoring, saving and exit."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import probe
from benchmarks.common import BENCH, SCRIPTS, Context, suite_plan, training_form, training_outputs
from benchmarks.sections.search import CANDIDATES, SEARCH_ROWS, search_form

TRAINING_RUNS = 5  # of each model, whatever --repeats says: the goal holds for every run, so the worst one matters
EPOCHS = 2
GOAL_S = 2.0  # after the last epoch: at most scoring + saving + this


@dataclass(frozen=True)
class Timeline:
    """One job's stamps (benchmarks/probe.py), in seconds since the process was started, and when it was reaped."""

    stamps: list[tuple[str, float]]
    ended: float

    def all(self, event: str) -> list[float]:
        return [seconds for name, seconds in self.stamps if name == event]

    def first(self, event: str) -> float:
        return self.all(event)[0]


def probed(ctx: Context, script: str, form: dict, *outputs: str | Path) -> Timeline:
    """Run one script through the probe, as ``ctx.script`` runs it otherwise; its stamps on this process's clock."""
    folder = ctx.work / "timeline"
    folder.mkdir(parents=True, exist_ok=True)
    form_path, stamps_path = folder / f"{script}.form.json", folder / f"{script}.stamps"
    form_path.write_text(json.dumps(form))
    started = time.monotonic()
    ctx.run(ctx.python, BENCH / "probe.py", stamps_path, SCRIPTS / script, "--inputs", form_path, *outputs)
    ended = time.monotonic() - started
    lines = (line.split() for line in stamps_path.read_text().splitlines())
    return Timeline([(event, float(clock) - started) for event, clock in lines], ended)


@dataclass(frozen=True)
class TrainingJob:
    """A training job taken apart; the parts after the last epoch add up to ``after_epochs``."""

    to_first_batch: float  # imports, reading the tables, building the model and the pipeline, starting fit
    epochs: list[float]  # the first from the first batch, each to its end (training and per-epoch validation)
    fit_end: float  # the last epoch's end to scoring: fit returning, where the stall was
    scoring: float  # predicting and scoring the held-out rows
    saving: float  # writing the metrics and history tables, saving the model
    exit: float  # the interpreter ending, until the process is reaped

    @classmethod
    def of(cls, timeline: Timeline) -> TrainingJob:
        first_batch, ends = timeline.first(probe.FIRST_BATCH), timeline.all(probe.EPOCH_END)
        scoring, scored = timeline.first(probe.SCORING), timeline.first(probe.SCORED)
        return cls(
            to_first_batch=first_batch,
            epochs=[end - begin for begin, end in zip([first_batch, *ends], ends, strict=False)],
            fit_end=scoring - ends[-1],
            scoring=scored - scoring,
            saving=timeline.first(probe.SAVED) - scored,
            exit=timeline.ended - timeline.first(probe.SAVED),
        )

    @property
    def after_epochs(self) -> float:
        return self.fit_end + self.scoring + self.saving + self.exit

    @property
    def overshoot(self) -> float:
        """What the time after the last epoch holds besides scoring and saving (goal: at most GOAL_S)."""
        return self.after_epochs - self.scoring - self.saving

    @property
    def total(self) -> float:
        return self.to_first_batch + sum(self.epochs) + self.after_epochs

    def cells(self) -> list[str]:
        parts = [self.to_first_batch, *self.epochs, self.after_epochs, self.fit_end, self.scoring, self.saving]
        return [f"{seconds:.1f}" for seconds in [*parts, self.exit, self.overshoot, self.total]]


@dataclass(frozen=True)
class SearchJob:
    """A search job taken apart: its candidates' epochs against its wall time."""

    wall: float
    to_first_batch: float
    epochs: float  # every candidate's, from its first batch to its last epoch's end
    fit_ends: list[float]  # each candidate's, from its last epoch's end until fit returned

    @classmethod
    def of(cls, timeline: Timeline) -> SearchJob:
        """Each fit's stamps come in order: first batch, epoch ends, train end, fit returned."""
        epochs, fit_ends, first_batch, last_end = 0.0, [], 0.0, 0.0
        for event, seconds in timeline.stamps:
            if event == probe.FIRST_BATCH:
                first_batch = seconds
            elif event == probe.EPOCH_END:
                last_end = seconds
            elif event == probe.FIT_RETURNED:
                epochs += last_end - first_batch
                fit_ends.append(seconds - last_end)
        return cls(timeline.ended, timeline.first(probe.FIRST_BATCH), epochs, fit_ends)

    def cells(self) -> list[str]:
        rest = self.wall - self.to_first_batch - self.epochs - sum(self.fit_ends)
        return [
            f"{self.wall:.1f}",
            f"{self.to_first_batch:.1f}",
            f"{self.epochs:.1f}",
            f"{sum(self.fit_ends):.2f} ({max(self.fit_ends):.2f})",
            f"{rest:.1f}",
            f"{self.epochs / self.wall:.2f}",
        ]


def training_jobs(ctx: Context, full: dict[str, Path]) -> list[tuple[str, TrainingJob]]:
    """TRAINING_RUNS runs of the training script with each plan, the masked and the tutorial's model taking turns."""
    folder = ctx.work / "timeline"
    plans = {}
    for model, mask_padding in (("masked", True), ("tutorial", False)):
        suite_plan(ctx, full, EPOCHS, folder / model, mask_padding)
        plans[model] = folder / model / "plan.json"
    jobs = []
    for _ in range(TRAINING_RUNS):
        for model, plan in plans.items():
            form = training_form(plan, full)
            jobs.append((model, TrainingJob.of(probed(ctx, "train_and_evaluate.py", form, *training_outputs(folder)))))
    return jobs


def search_jobs(ctx: Context, full: dict[str, Path]) -> list[SearchJob]:
    """The search section's search (the masked tutorial plan's), ``--repeats`` times."""
    plan, folder = ctx.work / "timeline" / "masked" / "plan.json", ctx.work / "timeline" / "search"
    folder.mkdir(parents=True, exist_ok=True)
    outputs = ["--results", folder / "results.tsv", "--best-plan", folder / "plan.json", "--plot", folder / "plot.png"]
    form = search_form(plan, full)
    return [SearchJob.of(probed(ctx, "search_hyperparameters.py", form, *outputs)) for _ in range(ctx.repeats)]


def median_epoch(jobs: list[tuple[str, TrainingJob]], model: str) -> float:
    return statistics.median(seconds for name, job in jobs if name == model for seconds in job.epochs)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def timeline(ctx: Context, full: dict[str, Path]) -> None:
    """Training jobs and search jobs taken apart; every run is reported, and the worst one."""
    jobs = training_jobs(ctx, full)
    searches = search_jobs(ctx, full)
    worst_model, worst = max(jobs, key=lambda job: job[1].overshoot)
    epochs = [f"epoch {number}" for number in range(1, EPOCHS + 1)]
    header = [
        "run",
        "model",
        "start to first batch",
        *epochs,
        "after the last epoch",
        "of which: fit's end",
        "scoring",
        "writing + saving",
        "exit",
        f"after the last epoch - scoring - saving (goal <= {GOAL_S:.0f})",
        "total",
    ]
    rows = [[str(number // 2 + 1), model, *job.cells()] for number, (model, job) in enumerate(jobs)]
    ctx.report += [
        "## Where a training job's time goes",
        "",
        f"The training script as Galaxy runs it (`scripts/train_and_evaluate.py`, its own process, `GALAXY_SLOTS="
        f"{ctx.cores}`) on the full IMDB training table (25,000 rows of 500 ids; 10% held out and scored), the "
        f"tutorial's plan ({EPOCHS} epochs of 128, seed 0) with the Embedding's 'Mask padding (id 0)' (masked: "
        f"padding-aware batches) and without it (tutorial), {TRAINING_RUNS} runs of each, taking turns. "
        "`benchmarks/probe.py` runs the script and writes down when fit's first batch starts, each epoch ends, "
        "scoring and saving begin and end; the benchmark adds when it started and reaped the process. Seconds:",
        "",
        *table(header, rows),
        f"| **worst run** | {worst_model} | " + " | ".join(f"**{cell}**" for cell in worst.cells()) + " |",
        "",
        f"Median epoch: masked {median_epoch(jobs, 'masked'):.1f} s, tutorial {median_epoch(jobs, 'tutorial'):.1f} s. "
        "Fit's end runs from the last epoch's end until scoring starts: fit returning to the script.",
        "",
        f"The search section's random search ({CANDIDATES} candidates of the masked tutorial plan on a "
        f"{SEARCH_ROWS:,}-row sample), `scripts/search_hyperparameters.py`, {ctx.repeats} runs. Seconds:",
        "",
        *table(
            [
                "run",
                "job wall time",
                "start to first batch",
                "candidates' epochs, sum (each with the held-out scoring the search does at its end)",
                "candidates' fit ends, sum (longest)",
                "the rest: models built, held-out rows scored, outputs written, exit",
                "epochs / wall time",
            ],
            [[str(number + 1), *job.cells()] for number, job in enumerate(searches)],
        ),
        "",
    ]
