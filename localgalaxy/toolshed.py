"""The suite as a Galaxy admin meets it: published to a Tool Shed, installed from there into a fresh Galaxy.

    python -m localgalaxy toolshed

starts a Tool Shed (``galaxy-tool-shed`` from PyPI, the release of the test Galaxy) on 127.0.0.1, creates the
repository that ``tools/.shed.yml`` describes and uploads it with ``planemo shed_create``, starts a Galaxy whose
own toolbox is empty, installs the repository through Galaxy's API (as ephemeris ``shed-tools install`` does),
checks that the tools carry Tool Shed ids, runs every tool test of the installed copy and every workflow test on the
shipped workflow files as they are (they name the tools by their main Tool Shed ids), and checks that Galaxy refuses,
naming the tool, a workflow that needs a tool version it has not installed.
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
from bioblend import ConnectionError as GalaxyRequestError
from bioblend.galaxy import GalaxyInstance

from localgalaxy.environments import REPO_ROOT
from localgalaxy.repository import shed_repository, tool_definitions, tool_files
from localgalaxy.server import (
    SECTION_NAME,
    RunningGalaxy,
    api_call,
    create_user,
    free_port,
    running_galaxy,
    start_process,
    stop_process,
    wait_for_api,
)
from localgalaxy.testing import planemo, planemo_test
from localgalaxy.workflow_tools import WORKFLOWS, short_tool_id, workflow_files

REPOSITORY_SOURCE = REPO_ROOT / "tools"
TEST_DATA = REPO_ROOT / "test-data"
# The tool whose version a server lacks in the refusal test.
MISSING_TOOL = "keras3_model_prediction"
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


def check_installed_ids(galaxy: RunningGalaxy, installed: Path, shed_url: str) -> None:
    """Galaxy knows every installed tool by ``<this shed>/repos/<owner>/<name>/<tool>/<version>``, the id that the
    workflows name with the main Tool Shed's host."""
    known = {tool["id"] for tool in GalaxyInstance(galaxy.url, key=galaxy.api_key).tools.get_tools()}
    repository, shed = shed_repository(REPOSITORY_SOURCE), shed_url.split("://", 1)[1]
    for tool in tool_definitions(installed):
        tool_id = repository.tool_id(tool.id, tool.version, tool_shed=shed)
        if tool_id not in known:
            raise RuntimeError(f"Galaxy has no tool {tool_id}: the installation is incomplete")
        print(f"[localgalaxy] installed: {tool_id}", flush=True)


def newer_release(workflow: Path, target: Path) -> Path:
    """A copy of ``workflow`` whose prediction steps name the next release of their tool, which no server has yet:
    what a user meets who imports a newer workflow than the tools their Galaxy installed."""
    definition = json.loads(workflow.read_text())
    for step in definition["steps"].values():
        if step["type"] == "tool" and short_tool_id(step["tool_id"]) == MISSING_TOOL:
            version = f"{step['tool_version']}.next"
            step["tool_id"] = step["content_id"] = step["tool_id"].replace(step["tool_version"], version)
            step["tool_version"] = version
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(definition, indent=4))
    return target


def check_refused_without_tool(galaxy: RunningGalaxy, workflow: Path, report: Path) -> tuple[int, int]:
    """Galaxy refuses to invoke a workflow one of whose tools it lacks, and names that tool; (passed, failed).

    Its data inputs get one small table: Galaxy checks the inputs before the tools, and the tools before any job.
    """
    gi = GalaxyInstance(galaxy.url, key=galaxy.api_key)
    history_id = gi.histories.create_history("a workflow that needs a tool this Galaxy lacks")["id"]
    table = gi.tools.upload_file(str(TEST_DATA / "imdb_y_test.tsv"), history_id, file_type="tabular")["outputs"][0]
    gi.datasets.wait_for_dataset(table["id"])
    definition = json.loads(workflow.read_text())
    inputs = {
        step["label"]: {"src": "hda", "id": table["id"]}
        for step in definition["steps"].values()
        if step["type"] == "data_input"
    }
    workflow_id = gi.workflows.import_workflow_from_local_path(str(workflow))["id"]
    try:
        gi.workflows.invoke_workflow(
            workflow_id, inputs=inputs, inputs_by="name", history_id=history_id, require_exact_tool_versions=True
        )
        outcome = "the invocation was accepted"
    except GalaxyRequestError as error:
        message = json.loads(error.body or "{}").get("err_msg", str(error))
        print(f"[localgalaxy] Galaxy refused the invocation: {message}", flush=True)
        named = f"/{MISSING_TOOL}/" in message and "required tools are not installed" in message
        outcome = "" if named else f"the refusal does not name {MISSING_TOOL}: {message}"
    if outcome:
        print(f"[localgalaxy] FAILED: {outcome}", flush=True)
    status = "failure" if outcome else "success"
    report.write_text(json.dumps({"tests": [{"id": "refused without a tool", "data": {"status": status}}]}))
    return (0, 1) if outcome else (1, 0)


def test_installed_repository(workdir: Path, tools_env: Path, results: Path) -> int:
    """Publish, install, then every tool test of the installed copy, every workflow test and the refusal of a
    workflow that needs a tool Galaxy lacks; 'N passed, N failed'."""
    started = time.monotonic()
    with running_toolshed(workdir / "toolshed") as shed:
        owner, name, changeset = publish(shed, REPOSITORY_SOURCE)
        configure = shed_configuration(shed.url)
        with running_galaxy(workdir / "galaxy", tools_env, tools=[], configure=configure) as galaxy:
            installed = install(galaxy, shed.url, owner, name, changeset)
            check_installed_ids(galaxy, installed, shed.url)
            tools = [str(tool) for tool in tool_files(installed)]
            tool_counts = planemo_test(galaxy, tools, results / "toolshed-tools.json", installed / "test-data")
            # The workflow files as shipped: they name the tools by their main Tool Shed ids, which Galaxy finds
            # among the tools it installed from this Tool Shed (whose URL is in its tool_sheds_conf.xml).
            workflows = [str(path) for path in workflow_files()]
            print(f"[localgalaxy] testing the shipped workflow files: {' '.join(workflows)}", flush=True)
            workflow_counts = planemo_test(galaxy, workflows, results / "toolshed-workflows.json", TEST_DATA)
            refusal = newer_release(WORKFLOWS / "imdb-sentiment-lstm" / "imdb-sentiment-lstm.ga", workdir / "newer.ga")
            refusal_counts = check_refused_without_tool(galaxy, refusal, results / "toolshed-refusal.json")
    counts = (tool_counts, workflow_counts, refusal_counts)
    passed, failed = sum(count[0] for count in counts), sum(count[1] for count in counts)
    print(f"[localgalaxy] toolshed: {time.monotonic() - started:.0f} s", flush=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0
