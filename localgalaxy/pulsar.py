"""The suite's jobs on a remote node: Galaxy sends every tool job to a Pulsar server, which stages it over HTTP.

    python -m localgalaxy pulsar

packs the Tool Shed repository (``planemo shed_build tools/``) and unpacks it into an empty folder, as an
installed repository looks, loads those tools into a Galaxy whose job configuration routes them to Pulsar
(``pulsar-app`` from PyPI on 127.0.0.1), and runs every tool test. Pulsar gets the inputs, the tool's scripts
(its ``<required_files>``) and the outputs by transfer (``default_file_action: transfer``), into a staging folder
of its own, and rewrites the job's paths (``rewrite_parameters``). The report shows where each job ran.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from localgalaxy.environments import REPO_ROOT, ensure_pulsar_env
from localgalaxy.repository import tool_files
from localgalaxy.server import (
    RunningGalaxy,
    api_call,
    free_port,
    local_job_config,
    running_galaxy,
    start_process,
    stop_process,
)
from localgalaxy.testing import SHARDS, planemo, planemo_test

STARTUP_TIMEOUT_S = 120


@dataclass(frozen=True)
class RunningPulsar:
    url: str
    token: str
    staging: Path


def _wait_for_pulsar(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Pulsar exited with code {process.returncode} while starting; see {log}")
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:  # any HTTP answer: the server is up
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)
    raise RuntimeError(f"Pulsar did not answer within {STARTUP_TIMEOUT_S} s; see {log}")


@contextmanager
def running_pulsar(workdir: Path) -> Iterator[RunningPulsar]:
    """A Pulsar server in a fresh ``workdir``, staging jobs in ``<workdir>/files/staging``; stopped after the block."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    bin_dir = ensure_pulsar_env().parent
    port, token = free_port(), secrets.token_hex(16)
    configure = [str(bin_dir / "pulsar-config"), "--directory", str(workdir), "--host", "127.0.0.1"]
    subprocess.run([*configure, "--port", str(port), "--private_token", token], check=True, stdout=subprocess.DEVNULL)
    with open(workdir / "app.yml", "a") as settings:
        # two jobs at a time, as the local runner runs them (Pulsar's default queue runs one)
        settings.write(f"managers:\n  _default_:\n    type: queued_python\n    num_concurrent_jobs: {SHARDS}\n")
    url = f"http://127.0.0.1:{port}/"
    log = workdir / "pulsar.log"
    print(f"[localgalaxy] starting Pulsar at {url} (log: {log})", flush=True)
    environment = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    # gunicorn, explicitly: the launcher prefers circus wherever it finds it, and fails without its chaussette
    process = start_process([str(bin_dir / "pulsar"), "--mode", "gunicorn"], log, workdir, environment)
    try:
        _wait_for_pulsar(url, process, log)
        yield RunningPulsar(url=url, token=token, staging=workdir / "files" / "staging")
    finally:
        stop_process(process)


def realized_repository(target: Path) -> Path:
    """``planemo shed_build tools/`` unpacked into an empty ``target``: the files an installed repository holds."""
    shutil.rmtree(target, ignore_errors=True)
    source = REPO_ROOT / "tools"
    if planemo("shed_build", str(source)) != 0:
        raise RuntimeError(f"planemo shed_build could not pack {source}")
    tarball = source.with_suffix(".tar.gz")  # planemo writes it beside the folder
    with tarfile.open(tarball) as archive:
        archive.extractall(target, filter="data")
    tarball.unlink()
    return target


def pulsar_job_configuration(pulsar: RunningPulsar, tool_ids: list[str]) -> Callable[[Path], dict]:
    """Galaxy settings that send the jobs of ``tool_ids`` to Pulsar; uploads and the rest stay local."""

    def configure(workdir: Path) -> dict:
        jobs = local_job_config(job_workers=2)
        jobs["runners"]["pulsar_rest"] = {"load": "galaxy.jobs.runners.pulsar:PulsarRESTJobRunner"}
        jobs["execution"]["environments"]["pulsar"] = {
            "runner": "pulsar_rest",
            "url": pulsar.url,
            "private_token": pulsar.token,
            "default_file_action": "transfer",
            "rewrite_parameters": True,
            # Galaxy resolves the requirements (the galaxy_packages env.sh files) and sends the lines that load them.
            "dependency_resolution": "local",
        }
        jobs["tools"] = [{"id": tool_id, "environment": "pulsar"} for tool_id in tool_ids]
        return {"job_config": jobs}

    return configure


def where_jobs_ran(galaxy: RunningGalaxy, job_ids: list[str], staging: Path) -> dict[str, str]:
    """Per job: 'pulsar job N' when Galaxy's job details (as an admin sees them) show that it ran in Pulsar's staging.

    Galaxy 26.1 clears a job's runner name once the job has finished, so the evidence is its command line, which
    Pulsar rewrote to its own staging folder, and its external id, which is Pulsar's job id.
    """
    places = {}
    for job_id in job_ids:
        details = api_call(galaxy.url, galaxy.api_key, "GET", f"jobs/{job_id}")
        remote = f"{staging}/{details.get('external_id')}/"
        places[job_id] = (
            f"pulsar job {details['external_id']}" if remote in (details.get("command_line") or "") else "local"
        )
    return places


def jobs_of(report: Path) -> list[str]:
    """The ids of the jobs that planemo's JSON report lists, one per tool test that ran."""
    tests = json.loads(report.read_text()).get("tests", []) if report.exists() else []
    return [test["data"]["job"]["id"] for test in tests if (test.get("data") or {}).get("job")]


def test_on_pulsar(workdir: Path, tools_env: Path, results: Path) -> int:
    """Every tool test, its job run by Pulsar; a line per job with its runner, then 'N passed, N failed'."""
    started = time.monotonic()
    repository = realized_repository(workdir / "repository")
    tools = tool_files(repository)
    report = results / "pulsar.json"
    with running_pulsar(workdir / "pulsar") as pulsar:
        configure = pulsar_job_configuration(pulsar, [tool.stem for tool in tools])
        with running_galaxy(workdir / "galaxy", tools_env, tools=tools, configure=configure) as galaxy:
            passed, failed = planemo_test(galaxy, [str(tool) for tool in tools], report, repository / "test-data")
            places = where_jobs_ran(galaxy, jobs_of(report), pulsar.staging)
    for job_id, place in places.items():
        print(f"[localgalaxy] Galaxy job {job_id}: {place}", flush=True)
    on_pulsar = sum(place != "local" for place in places.values())
    print(f"[localgalaxy] {on_pulsar} of {len(places)} jobs ran on Pulsar (staging: {pulsar.staging})", flush=True)
    if not places or on_pulsar < len(places):
        failed += 1
    print(f"[localgalaxy] pulsar: {time.monotonic() - started:.0f} s", flush=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0
