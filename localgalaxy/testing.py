"""planemo test against a running Galaxy, and the counts every test command ends with: N passed, N failed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

from localgalaxy.environments import REPO_ROOT
from localgalaxy.repository import tool_files
from localgalaxy.server import RunningGalaxy

PLANEMO = str(Path(sys.executable).parent / "planemo")


def planemo(*arguments: str) -> int:
    """Run the Galaxy environment's planemo from the repository root; its exit code."""
    return subprocess.run([PLANEMO, *arguments], cwd=REPO_ROOT).returncode


def count_results(report: Path) -> tuple[int, int]:
    """(passed, failed) from planemo's JSON test report."""
    if not report.exists():
        return 0, 0
    tests = json.loads(report.read_text()).get("tests", [])
    passed = sum(1 for test in tests if test.get("data", {}).get("status") == "success")
    return passed, len(tests) - passed


def count_junit(report: Path) -> tuple[int, int]:
    """(passed, failed) from pytest's JUnit XML report; skipped tests count as neither."""
    suite = ET.parse(report).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    total, failed = int(suite.get("tests", 0)), int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    return total - failed - int(suite.get("skipped", 0)), failed


def summary(results: Path) -> int:
    """Print the total of every test report in ``results``: one line, 'N passed, N failed'."""
    passed = failed = 0
    for report in sorted(results.glob("*.json")) + sorted(results.glob("*.xml")):
        counts = count_results(report) if report.suffix == ".json" else count_junit(report)
        passed, failed = passed + counts[0], failed + counts[1]
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed or not passed else 0


def expand_targets(targets: list[str]) -> tuple[list[str], bool]:
    """Tool files and folders as given; workflow folders become their .ga files (planemo tests no folder of those)."""
    workflows = [
        str(path)
        for target in targets
        for path in ([Path(target)] if Path(target).suffix == ".ga" else sorted(Path(target).rglob("*.ga")))
    ]
    return (workflows, True) if workflows else (targets, False)


# planemo test processes at once, each on its share of the targets: the test Galaxy runs two jobs at a time (two
# local runner workers, or Pulsar's two), and a test spends much of its time waiting on uploads, job states and
# downloads, so a second process fills those waits.
SHARDS = 2
# A workflow test runs each of its tool steps as a job; a search test trains several candidates.
SLOW_TOOL_WEIGHT = {"keras3_hyperparameter_search": 3}


def job_weight(target: Path) -> int:
    """About how many small jobs the tests of a tool file or a workflow run, to share the targets out evenly."""
    if target.suffix == ".ga":
        tests = target.with_name(f"{target.stem}-tests.yml").read_text()
        steps = json.loads(target.read_text())["steps"].values()
        return len(re.findall(r"^- ", tests, re.MULTILINE)) * sum(1 for step in steps if step["type"] == "tool")
    tool = ET.parse(target).getroot()
    return len(tool.findall("tests/test")) * SLOW_TOOL_WEIGHT.get(tool.get("id", ""), 1)


def shares(targets: list[Path], n: int) -> list[list[Path]]:
    """``targets`` in at most ``n`` groups of about the same weight (the heaviest first, each to the lightest group)."""
    groups: list[list[Path]] = [[] for _ in range(min(n, len(targets)))]
    weights = [0] * len(groups)
    for weight, target in sorted(((job_weight(target), target) for target in targets), reverse=True):
        lightest = weights.index(min(weights))
        groups[lightest].append(target)
        weights[lightest] += weight
    return groups


def target_files(targets: list[str]) -> list[Path]:
    """Tool files and workflow files; a folder stands for its tool files."""
    paths = [Path(target) for target in targets]
    return [file for path in paths for file in (tool_files(path) if path.is_dir() else [path])]


def _stream(process: subprocess.Popen, prefix: str) -> None:
    for line in process.stdout:
        print(f"{prefix} {line}", end="", flush=True)


def merge_reports(reports: list[Path], merged: Path) -> None:
    """One planemo JSON report of the shards' reports; a report that was not written adds no test (``planemo_test``
    writes a failed one in its place where planemo itself failed)."""
    tests = []
    for report in reports:
        tests += json.loads(report.read_text()).get("tests", []) if report.exists() else []
    failed = sum(1 for test in tests if test.get("data", {}).get("status") != "success")
    summary = {"num_tests": len(tests), "num_failures": failed, "num_errors": 0, "num_skips": 0}
    merged.write_text(json.dumps({"version": "0.1", "summary": summary, "tests": tests}, indent=1))


def planemo_test(galaxy: RunningGalaxy, targets: list[str], report: Path, test_data: Path) -> tuple[int, int]:
    """Run the tests of ``targets`` (tool files or folders, or workflow files) in ``galaxy``, ``SHARDS`` planemo
    processes at once; write one JSON and one HTML report; print and return (passed, failed)."""
    report.parent.mkdir(parents=True, exist_ok=True)
    report.unlink(missing_ok=True)
    keys = ["--galaxy_admin_key", galaxy.api_key, "--galaxy_user_key", galaxy.api_key]
    with tempfile.TemporaryDirectory() as scratch:
        runs = []
        for number, share in enumerate(shares(target_files(targets), SHARDS), start=1):
            shard_report = Path(scratch) / f"{number}.json"
            command = [PLANEMO, "test", "--engine", "external_galaxy", "--galaxy_url", galaxy.url, *keys]
            command += ["--test_data", str(test_data), "--test_output_json", str(shard_report), "--summary", "minimal"]
            process = subprocess.Popen(
                [*command, *map(str, share)], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            reader = threading.Thread(target=_stream, args=(process, f"[planemo {number}]"), daemon=True)
            reader.start()
            runs.append((process, reader, shard_report))
        for process, reader, shard_report in runs:
            process.wait()
            reader.join()
            if process.returncode != 0 and count_results(shard_report)[1] == 0:
                # planemo itself failed: record it, so that neither this line nor the CI total can read as green
                shard_report.write_text(json.dumps({"tests": [{"id": "planemo", "data": {"status": "error"}}]}))
        merge_reports([shard_report for _, _, shard_report in runs], report)
    planemo("test_reports", str(report), "--test_output", str(report.with_suffix(".html")))
    passed, failed = count_results(report)
    print(f"{passed} passed, {failed} failed", flush=True)
    return passed, failed
