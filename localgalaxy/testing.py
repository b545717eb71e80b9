"""planemo test against a running Galaxy, and the counts every test command ends with: N passed, N failed."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from localgalaxy.environments import REPO_ROOT
from localgalaxy.server import RunningGalaxy


def planemo(*arguments: str) -> int:
    """Run the Galaxy environment's planemo from the repository root; its exit code."""
    return subprocess.run([str(Path(sys.executable).parent / "planemo"), *arguments], cwd=REPO_ROOT).returncode


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


def planemo_test(galaxy: RunningGalaxy, targets: list[str], report: Path, test_data: Path) -> tuple[int, int]:
    """Run the tests of ``targets`` (tool files or workflows) in ``galaxy``; print and return (passed, failed)."""
    report.parent.mkdir(parents=True, exist_ok=True)
    report.unlink(missing_ok=True)
    code = planemo(
        "test",
        "--engine",
        "external_galaxy",
        "--galaxy_url",
        galaxy.url,
        "--galaxy_admin_key",
        galaxy.api_key,
        "--galaxy_user_key",
        galaxy.api_key,
        "--test_data",
        str(test_data),
        "--test_output_json",
        str(report),
        "--test_output",
        str(report.with_suffix(".html")),
        "--summary",
        "minimal",
        *targets,
    )
    passed, failed = count_results(report)
    if code != 0 and failed == 0:
        # planemo itself failed: record it, so that neither this line nor the CI total can read as green
        failed = 1
        report.write_text(json.dumps({"tests": [{"id": "planemo", "data": {"status": "error"}}]}))
    print(f"{passed} passed, {failed} failed", flush=True)
    return passed, failed
