"""The Python environments the project builds for itself, once per checkout.

- The Galaxy environment: Galaxy, planemo, a Tool Shed and the linters, pinned in
  ``localgalaxy/galaxy-requirements.txt``. Every command that runs Galaxy uses it.
- The Pulsar environment (``pulsar-requirements.txt``): the Pulsar server, apart as on a remote node.
- The tools' environment: the requirements that ``tools/macros.xml`` declares (TensorFlow, Keras, ...), which is
  what a Galaxy job runs with. Galaxy 26.1 and TensorFlow cannot share one environment (they pin different h5py
  releases). Galaxy finds it the way a production server finds any tool dependency: its ``galaxy_packages``
  resolver sources ``<deps>/<name>/<version>/env.sh`` for each requirement.

Each environment carries a stamp of its pins and is installed again only when they change.
"""

from __future__ import annotations

import hashlib
import subprocess
import venv
from pathlib import Path

from localgalaxy.repository import REPO_ROOT, tool_requirements

GALAXY_REQUIREMENTS = Path(__file__).resolve().parent / "galaxy-requirements.txt"
PULSAR_REQUIREMENTS = Path(__file__).resolve().parent / "pulsar-requirements.txt"
GALAXY_ENV = REPO_ROOT / ".tox" / "galaxy-env"
PULSAR_ENV = REPO_ROOT / ".tox" / "pulsar-env"
TOOLS_ENV = REPO_ROOT / ".tox" / "tools-env"
# Test and lint tools that the unit tests and benchmarks run with the tools' own interpreter.
DEVELOPMENT_PACKAGES = ("pytest==9.2.0", "ruff==0.17.6")


def read_requirements(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def ensure_env(env_dir: Path, pins: list[str], label: str) -> Path:
    """Create or update a virtual environment with ``pins``; return its python. No pip when the pins are unchanged."""
    stamp = env_dir / "requirements.sha256"
    digest = hashlib.sha256("\n".join(pins).encode()).hexdigest()
    python = env_dir / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    print(f"[localgalaxy] installing the {label} in {env_dir}: {' '.join(pins)}", flush=True)
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(env_dir)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *pins], check=True)
    stamp.write_text(digest)
    return python


def ensure_tools_env(env_dir: Path = TOOLS_ENV) -> Path:
    pins = [f"{name}=={version}" for name, version in tool_requirements()] + list(DEVELOPMENT_PACKAGES)
    return ensure_env(env_dir, pins, "tools environment")


def ensure_galaxy_env(env_dir: Path = GALAXY_ENV) -> Path:
    return ensure_env(env_dir, read_requirements(GALAXY_REQUIREMENTS), "Galaxy environment")


def ensure_pulsar_env(env_dir: Path = PULSAR_ENV) -> Path:
    return ensure_env(env_dir, read_requirements(PULSAR_REQUIREMENTS), "Pulsar environment")


def write_dependency_dir(deps_dir: Path, env_dir: Path) -> Path:
    """One ``env.sh`` per requirement that puts the tools environment first on the job's PATH."""
    for name, version in tool_requirements():
        target = deps_dir / name / version
        target.mkdir(parents=True, exist_ok=True)
        # A bin/ symlink would not work: python started through it misses the venv's pyvenv.cfg.
        (target / "env.sh").write_text(f'PATH="{env_dir / "bin"}:$PATH"; export PATH\n')
    return deps_dir
