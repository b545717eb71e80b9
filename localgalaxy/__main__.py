"""Commands that tox runs against throw-away local servers (Galaxy, a Tool Shed, Pulsar).

python -m localgalaxy galaxy-env           build the Galaxy environment (once per checkout) and print its python
python -m localgalaxy tools-env            build the tools' environment and print its python
python -m localgalaxy test tools/          planemo test of every tool of the checkout, in one Galaxy
python -m localgalaxy test workflows/      planemo test of every workflow
python -m localgalaxy toolshed             publish to a Tool Shed, install into a fresh Galaxy, test tools and workflows
python -m localgalaxy pulsar               every tool test with its job run by a Pulsar server
python -m localgalaxy serve                run Galaxy with the suite until Ctrl-C
python -m localgalaxy summary results/tests   total of the test reports: N passed, N failed
python -m localgalaxy workflow-tools     name the tools' current versions in the workflows (--check: list stale steps)

The commands that run Galaxy start again in the Galaxy environment, so any Python 3.11 can call them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from localgalaxy.environments import GALAXY_ENV, REPO_ROOT, TOOLS_ENV, ensure_galaxy_env, ensure_tools_env

DEFAULT_WORKDIR = REPO_ROOT / ".tox" / "localgalaxy"
RESULTS = REPO_ROOT / "results" / "tests"
NEEDS_GALAXY = {"test", "toolshed", "pulsar", "serve", "imdb", "ui"}


def restart_in_galaxy_env() -> None:
    """Replace this process by the same command in the Galaxy environment, unless it already runs there."""
    if Path(sys.prefix).resolve() == GALAXY_ENV.resolve():
        return
    python = ensure_galaxy_env()
    os.execv(python, [str(python), "-m", "localgalaxy", *sys.argv[1:]])


def serve(workdir: Path, tools_env: Path) -> int:
    from localgalaxy.server import running_galaxy

    with running_galaxy(workdir, tools_env) as galaxy:
        print(f"[localgalaxy] open {galaxy.url} ; admin API key: {galaxy.api_key} ; Ctrl-C stops", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def run_tests(targets: list[str], workdir: Path, tools_env: Path, results: Path) -> int:
    from localgalaxy.server import running_galaxy
    from localgalaxy.testing import expand_targets, planemo_test

    targets, are_workflows = expand_targets(targets)
    with running_galaxy(workdir, tools_env) as galaxy:
        report = results / ("workflows.json" if are_workflows else "tools.json")
        _, failed = planemo_test(galaxy, targets, report, REPO_ROOT / "test-data")
    return 1 if failed else 0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m localgalaxy", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--workdir", type=Path, default=DEFAULT_WORKDIR, help="the servers' files (replaced on every start)"
    )
    parser.add_argument("--tools-env", type=Path, default=TOOLS_ENV, help="the tools' Python environment")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("galaxy-env", help="create or update the Galaxy environment; print its python")
    commands.add_parser("tools-env", help="create or update the tools environment; print its python")
    test = commands.add_parser("test", help="planemo test of tools or workflows")
    test.add_argument("targets", nargs="+")
    test.add_argument("--results", type=Path, default=RESULTS)
    for name, text in (
        ("toolshed", "the suite published to a local Tool Shed and installed from it: every tool and workflow test"),
        ("pulsar", "every tool test with its job sent to a local Pulsar server"),
    ):
        commands.add_parser(name, help=text)
    commands.add_parser("serve", help="run Galaxy with the suite until Ctrl-C (to try the tools in a browser)")
    imdb = commands.add_parser("imdb", help="the main job: the IMDB workflow from review texts on the full data")
    imdb.add_argument(
        "--data", type=Path, help="a folder with train.tsv.gz and test.tsv.gz (default: ../shared/data/imdb)"
    )
    imdb.add_argument("--results", type=Path, default=REPO_ROOT / "results" / "imdb", help="where the outputs go")
    imdb.add_argument("--epochs", type=int, default=2)
    imdb.add_argument("--batch-size", type=int, default=128)
    ui = commands.add_parser("ui", help="drive the tool forms in headless Chromium, with a screenshot per step")
    ui.add_argument("--results", type=Path, default=REPO_ROOT / "results" / "ui", help="where the screenshots go")
    workflow_tools = commands.add_parser(
        "workflow-tools", help="rewrite the workflows' tool steps to the tools' main Tool Shed ids and versions"
    )
    workflow_tools.add_argument("--check", action="store_true", help="only list the stale steps; exit 1 if any")
    workflow_tools.add_argument(
        "--changeset", help="the repository's changeset on the main Tool Shed: write tool_shed_repository blocks"
    )
    summary_command = commands.add_parser("summary", help="total the test reports in a folder: N passed, N failed")
    summary_command.add_argument("results", type=Path)
    return parser.parse_args()


def main() -> int:
    args = parse_arguments()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    if args.command in NEEDS_GALAXY:
        restart_in_galaxy_env()
    # The modules below need the Galaxy environment (bioblend, planemo, PyYAML, Selenium); imported when used.
    if args.command == "galaxy-env":
        print(ensure_galaxy_env())
        return 0
    if args.command == "tools-env":
        print(ensure_tools_env(args.tools_env))
        return 0
    if args.command == "workflow-tools":
        from localgalaxy.workflow_tools import main as update_workflow_tools

        return update_workflow_tools(args.check, args.changeset)
    if args.command == "summary":
        from localgalaxy.testing import summary

        return summary(args.results)
    if args.command == "toolshed":
        from localgalaxy.toolshed import test_installed_repository

        return test_installed_repository(args.workdir, args.tools_env, RESULTS)
    if args.command == "pulsar":
        from localgalaxy.pulsar import test_on_pulsar

        return test_on_pulsar(args.workdir, args.tools_env, RESULTS)
    if args.command == "imdb":
        from localgalaxy.imdb import main_job

        return main_job(args.workdir, args.tools_env, args.data, args.results, args.epochs, args.batch_size)
    if args.command == "ui":
        from localgalaxy.ui import run_ui

        return run_ui(args.workdir, args.tools_env, args.results, RESULTS / "ui.json")
    if args.command == "serve":
        return serve(args.workdir, args.tools_env)
    return run_tests(args.targets, args.workdir, args.tools_env, args.results)


if __name__ == "__main__":
    sys.exit(main())
