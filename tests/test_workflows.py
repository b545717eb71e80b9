"""The shipped workflows name each tool by its main Tool Shed id at the tool's current version."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from localgalaxy.repository import MAIN_TOOL_SHED, shed_repository, tool_versions
from localgalaxy.workflow_tools import (
    WORKFLOWS,
    out_of_date,
    stale_steps,
    tool_steps,
    update_workflow,
    workflow_files,
)

WORKFLOW = WORKFLOWS / "imdb-sentiment-lstm" / "imdb-sentiment-lstm.ga"


def test_every_shipped_workflow_names_the_tools_current_versions_by_tool_shed_id() -> None:
    problems = out_of_date()
    assert not problems, "\n".join(problems)


def test_every_tool_step_names_a_tool_of_the_repository() -> None:
    repository, versions = shed_repository(), tool_versions()
    prefix = f"{MAIN_TOOL_SHED}/repos/{repository.owner}/{repository.name}/"
    for workflow in workflow_files():
        for step in tool_steps(json.loads(workflow.read_text())):
            assert step["tool_id"].startswith(prefix), (workflow.name, step["label"])
            assert step["tool_id"].split("/")[-2] in versions, (workflow.name, step["label"])


def with_step_version(tmp_path: Path, label: str, version: str) -> Path:
    """A copy of the workflow whose step ``label`` names another version of its tool."""
    definition = json.loads(WORKFLOW.read_text())
    (step,) = (step for step in tool_steps(definition) if step["label"] == label)
    old = step["tool_version"]
    step["tool_id"] = step["content_id"] = step["tool_id"].replace(f"/{old}", f"/{version}")
    step["tool_version"] = version
    copy = tmp_path / WORKFLOW.name
    copy.write_text(json.dumps(definition, indent=4) + "\n")
    return copy


def test_a_step_naming_an_old_version_is_reported_with_both_versions(tmp_path: Path) -> None:
    versions = tool_versions()
    copy = with_step_version(tmp_path, "Predict test sentiment", "3.14.0+galaxy0")
    (stale,) = stale_steps(copy, versions, shed_repository())
    message = str(stale)
    assert "step 'Predict test sentiment'" in message
    assert "version 3.14.0+galaxy0" in message
    assert f"the tool's version is {versions['keras3_model_prediction']}" in message


def test_a_short_id_is_reported(tmp_path: Path) -> None:
    definition = json.loads(WORKFLOW.read_text())
    step = tool_steps(definition)[0]
    step["tool_id"] = step["content_id"] = "keras3_model_config"
    copy = tmp_path / WORKFLOW.name
    copy.write_text(json.dumps(definition, indent=4) + "\n")
    (stale,) = stale_steps(copy, tool_versions(), shed_repository())
    assert "names keras3_model_config, not the tool's main Tool Shed id" in str(stale)


def test_the_update_command_brings_a_stale_workflow_back_to_the_shipped_file(tmp_path: Path) -> None:
    copy = with_step_version(tmp_path, "Train and evaluate", "3.14.0+galaxy0")
    assert update_workflow(copy, tool_versions(), shed_repository())
    assert copy.read_text() == WORKFLOW.read_text()
    assert not update_workflow(copy, tool_versions(), shed_repository())


def test_a_changeset_adds_the_tool_shed_repository_block_to_every_tool_step(tmp_path: Path) -> None:
    copy = tmp_path / WORKFLOW.name
    shutil.copy(WORKFLOW, copy)
    repository = shed_repository()
    update_workflow(copy, tool_versions(), repository, changeset="0123456789ab")
    for step in tool_steps(json.loads(copy.read_text())):
        assert step["tool_shed_repository"] == {
            "changeset_revision": "0123456789ab",
            "name": repository.name,
            "owner": repository.owner,
            "tool_shed": MAIN_TOOL_SHED,
        }
