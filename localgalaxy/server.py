"""A throw-away Galaxy 26.1 server: sqlite, one uvicorn process, the suite's tools, jobs run locally.

``galaxy-web`` (not the gravity launchers, which refuse to run as root) serves the API and the UI, runs the
jobs and schedules workflows. The server stops when the ``with`` block ends, also on Ctrl-C or an error.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from localgalaxy.environments import ensure_tools_env, write_dependency_dir
from localgalaxy.repository import MAIN_TOOL_SHED, REPO_ROOT, TOOLS, shed_repository, tool_definitions

ADMIN_EMAIL = "admin@localgalaxy.test"
STARTUP_TIMEOUT_S = 300


@dataclass(frozen=True)
class RunningGalaxy:
    url: str
    api_key: str  # of the admin user
    admin_password: str
    workdir: Path
    log: Path
    admin_email: str = ADMIN_EMAIL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SECTION_NAME = "Deep learning (Keras 3)"


# The folder name that stands for an installed changeset of the repository, for the checkout's tools.
CHECKOUT_REVISION = "checkout"


def _tool_conf(entries: list[str]) -> str:
    lines = "\n".join(f"    {entry}" for entry in entries)
    section = f'  <section id="keras3" name="{SECTION_NAME}">\n{lines}\n  </section>\n' if entries else ""
    return f'<toolbox monitor="false">\n{section}</toolbox>\n'


def plain_tool_entries(tools: list[Path]) -> list[str]:
    """Tool conf entries that load tool files under their own (short) ids."""
    return [f'<tool file="{path}"/>' for path in tools]


def checkout_tool_entries(workdir: Path) -> list[str]:
    """Tool conf entries that load the checkout's tools under the ids Galaxy gives them when it installs them from
    the main Tool Shed, so that the shipped workflows, which name tools by those ids, run here unchanged.

    Galaxy loads a ``<tool guid=...>`` entry under its guid, with no install record, when the file's path holds
    ``<tool shed>/repos/<owner>/<name>/<changeset>/``: a link of that name in ``workdir`` leads to tools/. The short
    id still finds each tool, as it finds installed ones (tool tests and forms use it).
    """
    repository = shed_repository()
    revision = workdir / "shed_tools" / MAIN_TOOL_SHED / "repos" / repository.owner / repository.name
    revision /= CHECKOUT_REVISION
    revision.mkdir(parents=True)
    (revision / repository.name).symlink_to(TOOLS, target_is_directory=True)
    return [
        f'<tool file="{revision / repository.name / tool.path.name}" '
        f'guid="{repository.tool_id(tool.id, tool.version)}">'
        f"<tool_shed>{MAIN_TOOL_SHED}</tool_shed><repository_name>{repository.name}</repository_name>"
        f"<repository_owner>{repository.owner}</repository_owner>"
        f"<installed_changeset_revision>{CHECKOUT_REVISION}</installed_changeset_revision>"
        f"<id>{tool.id}</id><version>{tool.version}</version></tool>"
        for tool in tool_definitions()
    ]


def local_job_config(job_workers: int) -> dict:
    """Every job on the local runner; each may use every core (GALAXY_SLOTS), as jobs rarely overlap here.

    ``live_tool_output_reporting`` lets the API show a running job's output (the main job prints training's epochs).
    """
    local = {"runner": "local", "local_slots": os.cpu_count() or 1, "live_tool_output_reporting": True}
    return {
        "runners": {"local": {"load": "galaxy.jobs.runners.local:LocalJobRunner", "workers": job_workers}},
        "execution": {"default": "local", "environments": {"local": local}},
    }


def _galaxy_config(workdir: Path, deps_dir: Path, api_key: str, job_workers: int) -> dict:
    return {
        "galaxy": {
            "data_dir": str(workdir / "data"),
            "database_connection": f"sqlite:///{workdir / 'galaxy.sqlite'}?isolation_level=IMMEDIATE",
            "database_auto_migrate": True,
            "tool_config_file": str(workdir / "tool_conf.xml"),
            "tool_test_data_directories": str(REPO_ROOT / "test-data"),
            "tool_dependency_dir": str(deps_dir),
            "dependency_resolvers": [{"type": "galaxy_packages", "base_path": str(deps_dir)}],
            "conda_auto_init": False,
            "conda_auto_install": False,
            "bootstrap_admin_api_key": api_key,
            "admin_users": ADMIN_EMAIL,
            "allow_path_paste": True,
            "allow_local_account_creation": True,
            "id_secret": secrets.token_hex(16),
            # Uploads and metadata run as Celery tasks in one warm worker process, not as one job script each
            # that imports Galaxy anew (about 13 s of the 20 s a small job took here).
            "enable_celery_tasks": True,
            "metadata_strategy": "directory_celery",
            "interactivetools_enable": False,
            "involucro_auto_init": False,
            "watch_tools": "false",
            "check_migrate_tools": False,
            "use_tasked_jobs": False,
            "cleanup_job": "onsuccess",
            "job_config": local_job_config(job_workers),
        }
    }


CELERY_WORKER_ARGUMENTS = [
    "--app",
    "galaxy.celery",
    "worker",
    "--concurrency",
    "2",
    "--pool",
    "threads",
    "--loglevel",
    "INFO",
    "--queues",
    "celery,galaxy.internal,galaxy.external",
]


def start_process(command: list[str], log: Path, workdir: Path, environment: dict[str, str]) -> subprocess.Popen:
    with open(log, "wb") as log_handle:
        return subprocess.Popen(
            command, stdout=log_handle, stderr=subprocess.STDOUT, cwd=workdir, env=environment, start_new_session=True
        )


def wait_for_api(url: str, processes: list[subprocess.Popen], log: Path) -> None:
    """Wait until ``url``/api/version answers; fail at once when one of ``processes`` exits meanwhile."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(
                    f"a server process exited with code {process.returncode} while starting; see the logs "
                    f"in {log.parent}"
                )
        try:
            with urllib.request.urlopen(f"{url}/api/version", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(2)
    raise RuntimeError(f"{url} did not answer within {STARTUP_TIMEOUT_S} s; see {log}")


def api_call(url: str, key: str, method: str, path: str, payload: dict | None = None) -> object:
    """One call of a Galaxy or Tool Shed API (``/api/<path>``) with an API key; the decoded JSON answer."""
    request = urllib.request.Request(
        f"{url}/api/{path}",
        data=None if payload is None else json.dumps(payload).encode(),
        headers={"x-api-key": key, "content-type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def create_user(url: str, bootstrap_key: str, email: str, username: str, password: str) -> str:
    """A new user of a Galaxy or a Tool Shed, made with its bootstrap admin key; the user's API key."""
    user = api_call(url, bootstrap_key, "POST", "users", {"email": email, "username": username, "password": password})
    return str(api_call(url, bootstrap_key, "POST", f"users/{user['id']}/api_key"))


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def running_galaxy(
    workdir: Path,
    tools_env: Path,
    tools: list[Path] | None = None,
    configure: Callable[[Path], dict] | None = None,
    job_workers: int = 2,
) -> Iterator[RunningGalaxy]:
    """Start Galaxy in a fresh ``workdir``; stop it when the block ends.

    ``tools``: the tool files in its toolbox, under their own ids (default: the checkout's tools/, under their main
    Tool Shed ids). ``configure``: called with the new
    workdir before Galaxy starts; writes what it needs there and returns settings that replace the defaults.
    """
    python = ensure_tools_env(tools_env)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    deps_dir = write_dependency_dir(workdir / "deps", python.parent.parent)
    api_key = secrets.token_hex(16)
    entries = checkout_tool_entries(workdir) if tools is None else plain_tool_entries(tools)
    (workdir / "tool_conf.xml").write_text(_tool_conf(entries))
    settings = _galaxy_config(workdir, deps_dir, api_key, job_workers)
    settings["galaxy"].update(configure(workdir) if configure else {})
    config = workdir / "galaxy.yml"
    config.write_text(json.dumps(settings, indent=2))  # JSON is YAML
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / "galaxy.log"
    print(f"[localgalaxy] starting Galaxy at {url} (log: {log})", flush=True)
    started = time.monotonic()
    bin_dir = Path(sys.executable).parent
    # Galaxy's own python must come first on PATH for the job scripts, however this was started.
    environment = {
        **os.environ,
        "VIRTUAL_ENV": sys.prefix,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "GALAXY_CONFIG_FILE": str(config),
    }
    processes: list[subprocess.Popen] = []
    previous_sigterm = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        processes.append(
            start_process(
                [str(bin_dir / "galaxy-web"), "--config", str(config), "--bind", f"127.0.0.1:{port}"],
                log,
                workdir,
                environment,
            )
        )
        wait_for_api(url, processes, log)
        # The worker starts once the web process has created the database; tasks sent meanwhile wait in the queue.
        processes.append(
            start_process(
                [str(bin_dir / "celery"), *CELERY_WORKER_ARGUMENTS], workdir / "celery.log", workdir, environment
            )
        )
        password = secrets.token_hex(12)
        # The bootstrap key is no user and cannot own histories: tests run as an admin user.
        user_key = create_user(url, api_key, ADMIN_EMAIL, "admin", password)
        print(f"[localgalaxy] Galaxy is up after {time.monotonic() - started:.0f} s", flush=True)
        yield RunningGalaxy(url=url, api_key=user_key, admin_password=password, workdir=workdir, log=log)
    finally:
        for process in processes:
            stop_process(process)
        signal.signal(signal.SIGTERM, previous_sigterm)
        print("[localgalaxy] Galaxy stopped", flush=True)
