"""Shared fixtures: test-data/ files, tables written on the fly, and the suite's scripts run as Galaxy runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixture_models import TEST_DATA

SCRIPTS = TEST_DATA.parent / "scripts"


@pytest.fixture
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture
def write_table(tmp_path: Path):
    """Write text to a file in the test's folder; return its path as a string."""

    def write(text: str, name: str = "table.tsv") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


def run_script(
    script: str, *arguments: str, cwd: Path | None = None, environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run one of scripts/*.py with the tools' interpreter, as a Galaxy job does."""
    environment = {key: value for key, value in os.environ.items() if key != "GALAXY_KERAS_TRACEBACK"} | (
        environment or {}
    )
    return subprocess.run(
        [sys.executable, str(SCRIPTS / script), *arguments],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        check=False,
    )
