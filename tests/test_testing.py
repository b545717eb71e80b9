"""The test runner's own logic: tool files and workflows shared out evenly between planemo processes, and their
reports merged so that a failure in any of them counts."""

from __future__ import annotations

import json
from pathlib import Path

from localgalaxy.repository import TOOLS, tool_files
from localgalaxy.testing import count_results, job_weight, merge_reports, shares, target_files
from localgalaxy.workflow_tools import workflow_files


def test_every_tool_file_and_workflow_goes_to_exactly_one_share_of_about_the_same_weight() -> None:
    targets = tool_files() + workflow_files()
    groups = shares(targets, 2)
    assert sorted(target for group in groups for target in group) == sorted(targets)
    weights = [sum(job_weight(target) for target in group) for group in groups]
    assert max(weights) - min(weights) <= max(job_weight(target) for target in targets)


def test_a_folder_stands_for_its_tool_files_and_fewer_targets_than_processes_make_fewer_shares() -> None:
    assert target_files([str(TOOLS)]) == tool_files()
    assert shares(tool_files()[:1], 2) == [tool_files()[:1]]


def test_weights_count_each_tests_jobs() -> None:
    config = TOOLS / "keras3_model_config.xml"
    assert job_weight(config) == config.read_text().count("<test>") + config.read_text().count("<test ")
    workflow = next(path for path in workflow_files() if path.stem == "imdb-sentiment-lstm")
    tool_steps = [step for step in json.loads(workflow.read_text())["steps"].values() if step["type"] == "tool"]
    assert job_weight(workflow) == len(tool_steps)  # one test, a job per tool step


def test_merged_reports_count_every_shards_tests(tmp_path: Path) -> None:
    first, second, missing = tmp_path / "1.json", tmp_path / "2.json", tmp_path / "3.json"  # no tests ran in 3
    first.write_text(json.dumps({"tests": [{"id": "a-0", "data": {"status": "success"}}]}))
    second.write_text(json.dumps({"tests": [{"id": "b-0", "data": {"status": "failure"}}]}))
    merged = tmp_path / "merged.json"
    merge_reports([first, second, missing], merged)
    assert count_results(merged) == (1, 1)
    assert json.loads(merged.read_text())["summary"]["num_tests"] == 2
