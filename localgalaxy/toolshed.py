"""The suite as a Galaxy admin meets it: published to a Tool Shed, installed from there into a fresh Galaxy.

    python -m localgalaxy toolshed

starts a Tool Shed (``galaxy-tool-shed`` from PyPI, the release of the test Galaxy) on 127.0.0.1, creates the
repository that ``tools/.shed.yml`` describes and uploads it with ``planemo shed_create``, starts a Galaxy whose
own toolbox is empty, installs the repository through Galaxy's API (as ephemeris ``shed-tools install`` does),
checks that the tools carry Tool Shed ids, and runs every tool test of the installed copy and both workflow tests.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import yaml
from bioblend.galaxy import GalaxyInstance

from localgalaxy.environments import REPO_ROOT
from localgalaxy.server import (
    SECTION_NAME,
    RunningGalaxy,
    api_call,
    create_user,
    free_port,
    running_galaxy,
    start_process,
    stop_process,
    tool_files,
    wait_for_api,
)
from localgalaxy.testing import planemo, planemo_test

REPOSITORY_SOURCE = REPO_ROOT / "tools"
WORKFLOWS = REPO_ROOT / "workflows"
TEST_DATA = REPO_ROOT / "test-data"
INSTALL_TIMEOUT_S = 300


@dataclass(frozen=True)
class RunningToolShed:
    url: str
    bootstrap_key: str


@contextmanager
def running_toolshed(workdir: Path) -> Iterator[RunningToolShed]:
    """A Tool Shed with an empty database in a fresh ``workdir`` (API only); stopped when the block ends."""
    shutil.rmtree(workdir, ignore_errors=True)
    for folder in ("repos", "hgweb", "tmp"):
        (workdir / folder).mkdir(parents=True)
    bootstrap_key = secrets.token_hex(16)
    settings = {
        "tool_shed": {
            "database_connection": f"sqlite:///{workdir / 'toolshed.sqlite'}?isolation_level=IMMEDIATE",
            "file_path": str(workdir / "repos"),
            "hgweb_config_dir": str(workdir / "hgweb"),
            "new_file_path": str(workdir / "tmp"),
            "id_secret": secrets.token_hex(16),
            "admin_users": "admin@toolshed.test",
            "bootstrap_admin_api_key": bootstrap_key,
        }
    }
    config = workdir / "tool_shed.yml"
    config.write_text(json.dumps(settings, indent=2))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / "toolshed.log"
    bin_dir = Path(sys.executable).parent
    # The Tool Shed stores repositories with Mercurial: its hg must be on PATH.
    environment = {**os.environ, "TOOL_SHED_CONFIG_FILE": str(config), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    command = [sys.executable, "-m", "uvicorn", "--factory", "tool_shed.webapp.fast_factory:factory"]
    print(f"[localgalaxy] starting a Tool Shed at {url} (log: {log})", flush=True)
    started = time.monotonic()
    process = start_process([*command, "--host", "127.0.0.1", "--port", str(port)], log, workdir, environment)
    try:
        wait_for_api(url, [process], log)
        print(f"[localgalaxy] the Tool Shed is up after {time.monotonic() - started:.0f} s", flush=True)
        yield RunningToolShed(url=url, bootstrap_key=bootstrap_key)
    finally:
        stop_process(process)


def publish(shed: RunningToolShed, source: Path) -> tuple[str, str, str]:
    """Create the owner, the categories and the repository of ``source``/.shed.yml; (owner, name, changeset)."""
    description = yaml.safe_load((source / ".shed.yml").read_text())
    owner, name = description["owner"], description["name"]
    owner_key = create_user(shed.url, shed.bootstrap_key, f"{owner}@toolshed.test", owner, secrets.token_hex(12))
    for category in description["categories"]:
        api_call(shed.url, shed.bootstrap_key, "POST", "categories", {"name": category, "description": category})
    if planemo("shed_create", "--shed_target", shed.url, "--shed_key", owner_key, str(source)) != 0:
        raise RuntimeError(f"planemo shed_create could not publish {source} to {shed.url}")
    query = urlencode({"name": name, "owner": owner})
    revisions = api_call(shed.url, shed.bootstrap_key, "GET", f"repositories/get_ordered_installable_revisions?{query}")
    if not revisions:
        raise RuntimeError(f"the Tool Shed has no installable revision of {owner}/{name}")
    print(f"[localgalaxy] published {owner}/{name} revision {revisions[-1]} to {shed.url}", flush=True)
    return owner, name, revisions[-1]


def shed_configuration(shed_url: str) -> Callable[[Path], dict]:
    """Galaxy settings that let it install from the local Tool Shed into ``<workdir>/shed_tools``."""

    def configure(workdir: Path) -> dict:
        (workdir / "tool_sheds_conf.xml").write_text(
            f'<tool_sheds>\n  <tool_shed name="local" url="{shed_url}/"/>\n</tool_sheds>\n'
        )
        (workdir / "shed_tool_conf.xml").write_text(f'<toolbox tool_path="{workdir / "shed_tools"}">\n</toolbox>\n')
        return {
            "tool_config_file": f"{workdir / 'tool_conf.xml'},{workdir / 'shed_tool_conf.xml'}",
            "shed_tool_config_file": str(workdir / "shed_tool_conf.xml"),
            "tool_sheds_config_file": str(workdir / "tool_sheds_conf.xml"),
        }

    return configure


def install(galaxy: RunningGalaxy, shed_url: str, owner: str, name: str, changeset: str) -> Path:
    """Install the repository through Galaxy's API; the folder of the installed copy."""
    gi = GalaxyInstance(galaxy.url, key=galaxy.api_key)
    started = time.monotonic()
    gi.toolshed.install_repository_revision(
        shed_url,
        name,
        owner,
        changeset,
        install_tool_dependencies=False,
        install_repository_dependencies=False,
        install_resolver_dependencies=False,
        new_tool_panel_section_label=SECTION_NAME,
    )
    while time.monotonic() - started < INSTALL_TIMEOUT_S:
        states = {repository["status"] for repository in gi.toolshed.get_repositories() if repository["name"] == name}
        if states == {"Installed"}:
            break
        if "Error" in states:
            raise RuntimeError(f"Galaxy could not install {owner}/{name}; see {galaxy.log}")
        time.sleep(2)
    else:
        raise RuntimeError(f"{owner}/{name} was not installed within {INSTALL_TIMEOUT_S} s; see {galaxy.log}")
    print(f"[localgalaxy] Galaxy installed {owner}/{name} in {time.monotonic() - started:.0f} s", flush=True)
    installed = sorted(galaxy.workdir.glob(f"shed_tools/**/{name}/keras3_model_config.xml"))
    if len(installed) != 1:
        raise RuntimeError(f"expected one installed copy of {owner}/{name} under {galaxy.workdir / 'shed_tools'}")
    return installed[0].parent


def installed_tool_ids(galaxy: RunningGalaxy, installed: Path, shed_url: str, owner: str, name: str) -> dict[str, str]:
    """The Tool Shed id of every installed tool, by its short id; fails unless Galaxy knows each one by it."""
    gi = GalaxyInstance(galaxy.url, key=galaxy.api_key)
    prefix = f"{shed_url.split('://', 1)[1]}/repos/{owner}/{name}/"
    known = {tool["id"] for tool in gi.tools.get_tools()}
    ids = {}
    for tool in tool_files(installed):
        ids[tool.stem] = next((i for i in known if i.startswith(f"{prefix}{tool.stem}/")), "")
        if not ids[tool.stem]:
            raise RuntimeError(f"Galaxy has no tool {prefix}{tool.stem}/...: the installation is incomplete")
        print(f"[localgalaxy] installed: {ids[tool.stem]}", flush=True)
    return ids


def workflows_for_installed_tools(tool_ids: dict[str, str], target: Path) -> list[str]:
    """Copies of the workflows and their tests whose steps name the installed tools by their Tool Shed ids.

    A workflow that names a tool by its short id does not run on tools installed from a Tool Shed: Galaxy invokes
    workflows with exact tool versions, and finds those by the full id only (IWC workflows name tools that way).
    """
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    (target / "test-data").symlink_to(TEST_DATA)  # the tests name their inputs ../../test-data/...
    copies = []
    for workflow in sorted(WORKFLOWS.rglob("*.ga")):
        folder = target / "workflows" / workflow.parent.name
        folder.mkdir(parents=True, exist_ok=True)
        definition = json.loads(workflow.read_text())
        for step in definition["steps"].values():
            if step.get("tool_id") in tool_ids:
                step["tool_id"] = step["content_id"] = tool_ids[step["tool_id"]]
        (folder / workflow.name).write_text(json.dumps(definition, indent=4))
        tests = workflow.with_name(f"{workflow.stem}-tests.yml")
        shutil.copy(tests, folder / tests.name)
        copies.append(str(folder / workflow.name))
    return copies


def test_installed_repository(workdir: Path, tools_env: Path, results: Path) -> int:
    """Publish, install, then every tool test of the installed copy and both workflow tests; 'N passed, N failed'."""
    started = time.monotonic()
    with running_toolshed(workdir / "toolshed") as shed:
        owner, name, changeset = publish(shed, REPOSITORY_SOURCE)
        configure = shed_configuration(shed.url)
        with running_galaxy(workdir / "galaxy", tools_env, tools=[], configure=configure) as galaxy:
            installed = install(galaxy, shed.url, owner, name, changeset)
            tool_ids = installed_tool_ids(galaxy, installed, shed.url, owner, name)
            tools = [str(tool) for tool in tool_files(installed)]
            tool_counts = planemo_test(galaxy, tools, results / "toolshed-tools.json", installed / "test-data")
            workflows = workflows_for_installed_tools(tool_ids, workdir / "installed-workflows")
            workflow_counts = planemo_test(galaxy, workflows, results / "toolshed-workflows.json", TEST_DATA)
    passed, failed = tool_counts[0] + workflow_counts[0], tool_counts[1] + workflow_counts[1]
    print(f"[localgalaxy] toolshed: {time.monotonic() - started:.0f} s", flush=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0
