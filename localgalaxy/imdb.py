"""The main job: the IMDB sentiment workflow from review texts, end to end, in a local Galaxy.

    python -m localgalaxy imdb [--data DIR] [--results DIR] [--epochs N] [--batch-size N]

It finds the IMDB reviews (``../shared/data/imdb`` next to this repository, ``--data``, or the original archive
downloaded from Stanford and checked), starts Galaxy, uploads them, runs ``imdb-sentiment-from-text.ga`` through
Galaxy's API while showing progress, prints the test accuracy and the confusion matrix, downloads every workflow
output into the results folder, and stops Galaxy, also on Ctrl-C or an error.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from localgalaxy.environments import REPO_ROOT
from localgalaxy.server import RunningGalaxy, running_galaxy

if TYPE_CHECKING:  # bioblend is only in Galaxy's environment; the unit tests import this module in the tools' one
    from bioblend.galaxy import GalaxyInstance

WORKFLOW = REPO_ROOT / "workflows" / "imdb-sentiment-lstm" / "imdb-sentiment-from-text.ga"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data" / "imdb"
ARCHIVE_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
ARCHIVE_MD5 = "7c2ac02c03563afcf9b574c7e56c153a"
POLL_S = 5


class DataUnavailableError(Exception):
    """The reviews are neither here nor downloadable."""


def find_reviews(data: Path | None, cache: Path) -> tuple[Path, Path]:
    """(train, test) review tables: given, shared on this machine, cached, or made from the original archive."""
    for folder in (data, SHARED_DATA, cache):
        if folder and (folder / "train.tsv.gz").exists() and (folder / "test.tsv.gz").exists():
            return folder / "train.tsv.gz", folder / "test.tsv.gz"
    archive = cache / "aclImdb_v1.tar.gz"
    if not archive.exists():
        download(ARCHIVE_URL, archive)
    convert_archive(archive, cache)
    return cache / "train.tsv.gz", cache / "test.tsv.gz"


def download(url: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    print(f"[imdb] downloading {url}", flush=True)
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(partial, "wb") as handle:
            while block := response.read(1 << 20):
                handle.write(block)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        partial.unlink(missing_ok=True)
        raise DataUnavailableError(
            f"cannot download the IMDB reviews from {url} ({error}). This machine seems offline: download "
            f"aclImdb_v1.tar.gz elsewhere and put it in {target.parent}, or pass --data with a folder holding "
            "train.tsv.gz and test.tsv.gz."
        ) from None
    digest = hashlib.md5(partial.read_bytes(), usedforsecurity=False).hexdigest()
    if digest != ARCHIVE_MD5:
        partial.unlink()
        raise DataUnavailableError(
            f"the download of {url} is damaged (MD5 {digest}, expected {ARCHIVE_MD5}): try again."
        )
    partial.rename(target)


def archive_reviews(archive: Path, part: str) -> Iterator[tuple[str, str, str, str]]:
    """(id, rating, label, text) of every labelled review of one part (train or test), as the shared tables."""
    name = re.compile(rf"aclImdb/{part}/(pos|neg)/(\d+)_(\d+)\.txt$")
    rows = []
    with tarfile.open(archive) as bundle:
        for member in bundle:
            match = name.match(member.name)
            if match and member.isfile():
                text = bundle.extractfile(member).read().decode("utf-8", errors="replace")
                sentiment, number, rating = match.groups()
                text = " ".join(text.replace("\t", " ").splitlines())
                rows.append((sentiment == "pos", int(number), f"{sentiment}_{number}", rating, text))
    for positive, _, review_id, rating, text in sorted(rows):
        yield review_id, rating, "1" if positive else "0", text


def convert_archive(archive: Path, folder: Path) -> None:
    for part in ("train", "test"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
        writer.writerow(["id", "rating", "label", "text"])
        writer.writerows(archive_reviews(archive, part))
        (folder / f"{part}.tsv.gz").write_bytes(gzip.compress(buffer.getvalue().encode()))


def upload(gi: GalaxyInstance, history_id: str, path: Path) -> str:
    """Upload a file from this machine by its path (Galaxy reads it in place); return the dataset id."""
    element = {"src": "path", "path": str(path.resolve()), "ext": "tabular", "name": path.name.removesuffix(".gz")}
    payload = {"history_id": history_id, "targets": [{"destination": {"type": "hdas"}, "elements": [element]}]}
    response = gi.make_post_request(f"{gi.url}/tools/fetch", payload=payload)
    return response["outputs"][0]["id"]


TERMINAL = ("ok", "error", "failed", "deleted", "skipped")


@dataclass
class JobClocks:
    """Each Galaxy job's own clock: seconds since this poller first saw it running (or already ended)."""

    started: dict[str, float] = field(default_factory=dict)  # job id -> time.monotonic() when first seen running

    def see(self, job_id: str, state: str, now: float) -> None:
        if state in ("running", *TERMINAL):
            self.started.setdefault(job_id, now)

    def seconds(self, job_id: str | None, now: float) -> float | None:
        started = self.started.get(job_id) if job_id else None
        return None if started is None else now - started


def progress_line(elapsed: float, job_seconds: float | None, text: str) -> str:
    """One line of progress: seconds since the workflow started, the job's own seconds (blank before it runs), text.

    The job's seconds put each line of a job's output on that job's own clock, so that a pause inside a job (between
    its last epoch and its end, say) shows where it happens; they are as exact as the polling (POLL_S)."""
    job = f"job {job_seconds:5.0f} s" if job_seconds is not None else ""
    return f"[imdb] {elapsed:7.0f} s  {job:<11}  {text}"


def step_label(step: dict) -> str:
    return step.get("workflow_step_label") or f"step {step['order_index']}"


def job_states(gi: GalaxyInstance, invocation: dict) -> dict[str, str]:
    """State of each tool step's job, by step label; steps without a job yet are 'waiting'."""
    states = {}
    for step in invocation["steps"]:
        if step.get("job_id"):
            states[step_label(step)] = gi.jobs.show_job(step["job_id"])["state"]
        elif step.get("state") != "scheduled":
            states[step_label(step)] = "waiting"
    return states


def new_console_lines(gi: GalaxyInstance, job_id: str, shown: int) -> tuple[list[str], int]:
    """The complete lines a job has written to stdout since character ``shown``, and the new count.

    While the job runs, Galaxy reads them from the job's folder (the destination's ``live_tool_output_reporting``);
    once it has ended, it returns the whole stdout.
    """
    console = gi.make_get_request(
        f"{gi.url}/jobs/{job_id}/console_output",
        params={"stdout_position": shown, "stdout_length": 1_000_000, "stderr_position": 0, "stderr_length": 0},
    ).json()
    text = console.get("stdout") or ""
    if console["state"] != "running":
        text = text[shown:]
    complete = text[: text.rfind("\n") + 1]
    return complete.splitlines(), shown + len(complete)


def wait_for_invocation(gi: GalaxyInstance, invocation_id: str, started: float) -> dict:
    """Poll until every step's job is done; print each step's state when it changes, and its output as it comes,
    each line with the job's own seconds (``progress_line``)."""
    shown: dict[str, str] = {}
    console_shown: dict[str, int] = {}
    clocks = JobClocks()
    while True:
        invocation = gi.invocations.show_invocation(invocation_id)
        states = job_states(gi, invocation)
        now = time.monotonic()
        job_ids = {step_label(step): step["job_id"] for step in invocation["steps"] if step.get("job_id")}
        for label, state in states.items():
            if label in job_ids:
                clocks.see(job_ids[label], state, now)
            if shown.get(label) != state:
                shown[label] = state
                job_seconds = clocks.seconds(job_ids.get(label), now)
                print(progress_line(now - started, job_seconds, f"{label:<30} {state}"), flush=True)
        for label, job_id in job_ids.items():
            if states.get(label) in ("running", *TERMINAL):
                lines, console_shown[job_id] = new_console_lines(gi, job_id, console_shown.get(job_id, 0))
                for line in lines:
                    print(progress_line(now - started, clocks.seconds(job_id, now), f"{label}: {line}"), flush=True)
        if invocation["state"] in ("failed", "cancelled"):
            raise RuntimeError(f"the workflow invocation {invocation['state']}: see {invocation_id} in Galaxy")
        # Galaxy 26.1 turns a scheduled invocation into "completed" once its jobs have finished.
        if invocation["state"] in ("scheduled", "completed") and all(state in TERMINAL for state in states.values()):
            failed = [label for label, state in states.items() if state != "ok"]
            if failed:
                raise RuntimeError(f"workflow steps failed: {', '.join(failed)}; see the job stderr in Galaxy")
            return invocation
        time.sleep(POLL_S)


def step_times(gi: GalaxyInstance, invocation: dict) -> list[tuple[str, float]]:
    """Wall time of each tool step's job, from Galaxy's job records."""
    times = []
    for step in invocation["steps"]:
        if step.get("job_id"):
            job = gi.jobs.show_job(step["job_id"], full_details=True)
            runtime = next(
                (
                    float(metric["raw_value"])
                    for metric in job.get("job_metrics", [])
                    if metric["name"] == "runtime_seconds"
                ),
                None,
            )
            times.append((step.get("workflow_step_label") or job["tool_id"], runtime or 0.0))
    return times


def download_outputs(gi: GalaxyInstance, invocation: dict, results: Path) -> dict[str, Path]:
    results.mkdir(parents=True, exist_ok=True)
    paths = {}
    for label, output in invocation["outputs"].items():
        dataset = gi.datasets.show_dataset(output["id"])
        path = results / f"{label.replace(' ', '_')}.{dataset['extension']}"
        gi.datasets.download_dataset(output["id"], file_path=str(path), use_default_filename=False)
        paths[label] = path
    return paths


def report(paths: dict[str, Path]) -> None:
    rows = list(csv.reader(paths["Classification report"].read_text().splitlines(), delimiter="\t"))
    accuracy = next(row for row in rows if row[0] == "accuracy")
    print(f"[imdb] test accuracy: {float(accuracy[3]):.4f} on {accuracy[4]} reviews", flush=True)
    print("[imdb] confusion matrix (rows: true label, columns: predicted label):", flush=True)
    print(paths["Confusion matrix table"].read_text(), flush=True)


def run(galaxy: RunningGalaxy, train: Path, test: Path, results: Path, epochs: int, batch_size: int) -> None:
    from bioblend.galaxy import GalaxyInstance

    gi = GalaxyInstance(galaxy.url, key=galaxy.api_key)
    started = time.monotonic()
    history_id = gi.histories.create_history("IMDB sentiment analysis")["id"]
    print(f"[imdb] uploading {train.name} and {test.name}", flush=True)
    inputs = {"Training reviews": upload(gi, history_id, train), "Test reviews": upload(gi, history_id, test)}
    for dataset_id in inputs.values():
        gi.datasets.wait_for_dataset(dataset_id, maxwait=3600)
    print(f"[imdb] {time.monotonic() - started:7.0f} s  uploads done", flush=True)
    workflow_id = gi.workflows.import_workflow_from_local_path(str(WORKFLOW))["id"]
    parameters = {
        "Training reviews": {"src": "hda", "id": inputs["Training reviews"]},
        "Test reviews": {"src": "hda", "id": inputs["Test reviews"]},
        "Epochs": epochs,
        "Batch size": batch_size,
    }
    invocation = gi.workflows.invoke_workflow(workflow_id, inputs=parameters, history_id=history_id, inputs_by="name")
    invocation = wait_for_invocation(gi, invocation["id"], started)
    paths = download_outputs(gi, invocation, results)
    print(f"[imdb] workflow done after {time.monotonic() - started:.0f} s; outputs in {results}", flush=True)
    for label, seconds in step_times(gi, invocation):
        print(f"[imdb]   {label:<28} {seconds:8.0f} s", flush=True)
    report(paths)


def main_job(workdir: Path, tools_env: Path, data: Path | None, results: Path, epochs: int, batch_size: int) -> int:
    started = time.monotonic()
    try:
        train, test = find_reviews(data, REPO_ROOT / ".cache" / "imdb")
    except DataUnavailableError as error:
        print(f"[imdb] error: {error}", flush=True)
        return 1
    with running_galaxy(workdir, tools_env) as galaxy:
        run(galaxy, train, test, results, epochs, batch_size)
    print(f"[imdb] total wall time {time.monotonic() - started:.0f} s", flush=True)
    return 0
