"""tox -e bench starts in a bare Python (its tox env installs nothing): what it imports must be the standard library;
the measurements that need NumPy, pandas or Keras run in the tools' environment (benchmarks/measure.py and alike)."""

from __future__ import annotations

import subprocess
import sys

from localgalaxy.environments import REPO_ROOT


def test_the_benchmark_runner_imports_without_site_packages() -> None:
    result = subprocess.run(
        [sys.executable, "-S", "-c", "import benchmarks.run"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
