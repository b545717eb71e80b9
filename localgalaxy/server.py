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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from localgalaxy.toolsenv import REPO_ROOT, ensure_tools_env, write_dependency_dir

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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tool_conf(tools_dir: Path) -> str:
    tool_files = "\n".join(
        f'    <tool file="{path}"/>' for path in sorted(tools_dir.glob("*.xml")) if not path.name.endswith("macros.xml")
    )
    section = f'  <section id="keras3" name="Deep learning (Keras 3)">\n{tool_files}\n  </section>\n'
    return f'<toolbox monitor="false">\n{section}</toolbox>\n'


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
            "job_config": {
                "runners": {"local": {"load": "galaxy.jobs.runners.local:LocalJobRunner", "workers": job_workers}},
                # Each job may use every core (GALAXY_SLOTS); jobs rarely overlap here.
                "execution": {
                    "default": "local",
                    "environments": {"local": {"runner": "local", "local_slots": os.cpu_count() or 1}},
                },
            },
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


def _start(command: list[str], log: Path, workdir: Path, environment: dict[str, str]) -> subprocess.Popen:
    with open(log, "wb") as log_handle:
        return subprocess.Popen(
            command, stdout=log_handle, stderr=subprocess.STDOUT, cwd=workdir, env=environment, start_new_session=True
        )


def _wait_for_api(url: str, processes: list[subprocess.Popen], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(
                    f"a Galaxy process exited with code {process.returncode} while starting; see the logs "
                    f"in {log.parent}"
                )
        try:
            with urllib.request.urlopen(f"{url}/api/version", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(2)
    raise RuntimeError(f"Galaxy did not answer within {STARTUP_TIMEOUT_S} s; see {log}")


def _api(url: str, key: str, method: str, path: str, payload: dict | None = None) -> object:
    request = urllib.request.Request(
        f"{url}/api/{path}",
        data=None if payload is None else json.dumps(payload).encode(),
        headers={"x-api-key": key, "content-type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def _create_admin_user(url: str, bootstrap_key: str, password: str) -> str:
    """Galaxy's bootstrap key is no user and cannot own histories: make the admin user; return its API key."""
    user = _api(url, bootstrap_key, "POST", "users", {"email": ADMIN_EMAIL, "username": "admin", "password": password})
    return str(_api(url, bootstrap_key, "POST", f"users/{user['id']}/api_key"))


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def running_galaxy(workdir: Path, tools_env: Path, job_workers: int = 2) -> Iterator[RunningGalaxy]:
    """Start Galaxy with the suite's tools in a fresh ``workdir``; stop it when the block ends."""
    python = ensure_tools_env(tools_env)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    deps_dir = write_dependency_dir(workdir / "deps", python.parent.parent)
    api_key = secrets.token_hex(16)
    (workdir / "tool_conf.xml").write_text(_tool_conf(REPO_ROOT / "tools"))
    config = workdir / "galaxy.yml"
    config.write_text(json.dumps(_galaxy_config(workdir, deps_dir, api_key, job_workers), indent=2))  # JSON is YAML
    port = _free_port()
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
            _start(
                [str(bin_dir / "galaxy-web"), "--config", str(config), "--bind", f"127.0.0.1:{port}"],
                log,
                workdir,
                environment,
            )
        )
        _wait_for_api(url, processes, log)
        # The worker starts once the web process has created the database; tasks sent meanwhile wait in the queue.
        processes.append(
            _start([str(bin_dir / "celery"), *CELERY_WORKER_ARGUMENTS], workdir / "celery.log", workdir, environment)
        )
        password = secrets.token_hex(12)
        user_key = _create_admin_user(url, api_key, password)
        print(f"[localgalaxy] Galaxy is up after {time.monotonic() - started:.0f} s", flush=True)
        yield RunningGalaxy(url=url, api_key=user_key, admin_password=password, workdir=workdir, log=log)
    finally:
        for process in processes:
            _stop(process)
        signal.signal(signal.SIGTERM, previous_sigterm)
        print("[localgalaxy] Galaxy stopped", flush=True)
