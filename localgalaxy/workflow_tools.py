"""The shipped workflows name every tool by its main Tool Shed id, at the tool's current version.

    python3.11 -m localgalaxy workflow-tools              rewrite the workflows' tool steps to the tools' versions
    python3.11 -m localgalaxy workflow-tools --check      list the steps that name another version; exit 1 if any
    python3.11 -m localgalaxy workflow-tools --changeset REV
                                                          also write each step's tool_shed_repository block

A tool step names ``toolshed.g2.bx.psu.edu/repos/<owner>/<repository>/<tool>/<version>`` (owner and repository from
``tools/.shed.yml``, the version from the tool's XML and ``macros.xml``), as IWC workflows do. Galaxy invokes a
workflow with exact tool versions and finds an installed tool by that id, whichever Tool Shed of its
``tool_sheds_conf.xml`` the tool came from. A step gets a ``tool_shed_repository`` block (which planemo and ephemeris
read to install the repository) only once the repository is on the main Tool Shed and its changeset is known:
before that, ``planemo workflow_lint`` would ask the main Tool Shed about a repository it does not have.

The same command writes ``workflows/tools.yml``, the list that ephemeris ``shed-tools install -t`` installs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from localgalaxy.repository import (
    MAIN_TOOL_SHED,
    REPO_ROOT,
    TOOLS,
    ShedRepository,
    shed_repository,
    tool_versions,
)

WORKFLOWS = REPO_ROOT / "workflows"
TOOL_LIST = "tools.yml"
TOOL_PANEL_SECTION = "Deep learning (Keras 3)"


def workflow_files(workflows_dir: Path = WORKFLOWS) -> list[Path]:
    return sorted(workflows_dir.rglob("*.ga"))


def tool_steps(definition: dict) -> list[dict]:
    return [step for step in definition["steps"].values() if step["type"] == "tool"]


def short_tool_id(tool_id: str) -> str:
    """``keras3_model_config`` of ``<shed>/repos/<owner>/<name>/keras3_model_config/<version>`` (or of itself)."""
    return tool_id.split("/")[-2] if "/repos/" in tool_id else tool_id


@dataclass(frozen=True)
class StaleStep:
    workflow: str
    step: str
    named: str  # the step's tool_id
    named_version: str  # the step's tool_version
    expected: str  # the main Tool Shed id of the tool as it is now

    def __str__(self) -> str:
        current = self.expected.rsplit("/", 1)[1]
        if self.named_version != current:
            problem = f"names version {self.named_version} of {self.named}, but the tool's version is {current}"
        else:
            problem = f"names {self.named}, not the tool's main Tool Shed id"
        return f"{self.workflow}, step '{self.step}': {problem}: the step should name {self.expected}"


def stale_steps(workflow: Path, versions: dict[str, str], repository: ShedRepository) -> list[StaleStep]:
    """The tool steps whose tool_id, content_id or tool_version differ from the tool's main Tool Shed id now."""
    stale = []
    for step in tool_steps(json.loads(workflow.read_text())):
        tool = short_tool_id(step["tool_id"])
        current = versions.get(tool, "(none: tools/ has no such tool)")
        expected = repository.tool_id(tool, current)
        if {step["tool_id"], step.get("content_id")} != {expected} or step.get("tool_version") != current:
            label = step.get("label") or f"step {step['id']}"
            stale.append(StaleStep(workflow.name, label, step["tool_id"], str(step.get("tool_version")), expected))
    return stale


def update_workflow(
    workflow: Path, versions: dict[str, str], repository: ShedRepository, changeset: str | None = None
) -> bool:
    """Rewrite the tool steps to the tools' main Tool Shed ids (and ``tool_shed_repository`` blocks, given the
    repository's changeset on the main Tool Shed); whether the file changed."""
    text = workflow.read_text()
    definition = json.loads(text)
    for step in tool_steps(definition):
        tool = short_tool_id(step["tool_id"])
        step["tool_id"] = step["content_id"] = repository.tool_id(tool, versions[tool])
        step["tool_version"] = versions[tool]
        if changeset:
            step["tool_shed_repository"] = {
                "changeset_revision": changeset,
                "name": repository.name,
                "owner": repository.owner,
                "tool_shed": MAIN_TOOL_SHED,
            }
    updated = json.dumps(definition, indent=4, ensure_ascii=False) + "\n"
    if updated == text:
        return False
    workflow.write_text(updated)
    return True


def tool_list(repository: ShedRepository) -> str:
    """What ephemeris ``shed-tools install -t`` takes: the one repository every workflow needs, newest revision."""
    return (
        "# The Tool Shed repository that every workflow here needs. ephemeris installs it:\n"
        "#   shed-tools install -g https://your.galaxy -a ADMIN_API_KEY -t workflows/tools.yml\n"
        "# Written by `python3.11 -m localgalaxy workflow-tools` from tools/.shed.yml.\n"
        "tools:\n"
        f"- name: {repository.name}\n"
        f"  owner: {repository.owner}\n"
        f"  tool_shed_url: https://{MAIN_TOOL_SHED}\n"
        f"  tool_panel_section_label: {TOOL_PANEL_SECTION}\n"
    )


def out_of_date(workflows_dir: Path = WORKFLOWS, tools_dir: Path = TOOLS) -> list[str]:
    """Every step that names another tool version than tools/ has, and a tool list that is not as written."""
    versions, repository = tool_versions(tools_dir), shed_repository(tools_dir)
    problems = [str(step) for path in workflow_files(workflows_dir) for step in stale_steps(path, versions, repository)]
    listed = workflows_dir / TOOL_LIST
    if not listed.exists() or listed.read_text() != tool_list(repository):
        problems.append(f"{listed} does not list {repository.owner}/{repository.name} as the command writes it")
    return problems


def main(check_only: bool, changeset: str | None) -> int:
    if check_only:
        problems = out_of_date()
        for problem in problems:
            print(problem)
        if problems:
            print("run `python3.11 -m localgalaxy workflow-tools` to update them")
        return 1 if problems else 0
    versions, repository = tool_versions(), shed_repository()
    for path in workflow_files():
        if update_workflow(path, versions, repository, changeset):
            print(f"updated {path.relative_to(REPO_ROOT)}")
    (WORKFLOWS / TOOL_LIST).write_text(tool_list(repository))
    return 0
