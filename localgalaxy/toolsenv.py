"""The tools' Python environment, built from the requirements that ``tools/macros.xml`` declares.

Galaxy 26.1 and TensorFlow 2.21 cannot share one environment (they pin different h5py releases), so the
tools run in an environment of their own. Galaxy finds it the way a production server finds any tool
dependency: its ``galaxy_packages`` resolver sources ``<deps>/<name>/<version>/env.sh`` for each requirement.
The requirement versions live only in ``tools/macros.xml``; this module reads them from there.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import venv
import xml.etree.ElementTree as ET
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MACROS = REPO_ROOT / "tools" / "macros.xml"
# Test and lint tools that the unit tests and benchmarks run with the tools' own interpreter.
DEVELOPMENT_PACKAGES = ("pytest==9.2.0", "ruff==0.17.6")


def tool_requirements(macros: Path = MACROS) -> list[tuple[str, str]]:
    """(name, version) of every package requirement in the macros file, with tokens expanded."""
    root = ET.parse(macros).getroot()
    tokens = {token.get("name"): (token.text or "").strip() for token in root.iter("token")}

    def expand(text: str) -> str:
        return re.sub(r"@[A-Z_]+@", lambda match: tokens.get(match[0], match[0]), text)

    return [
        (expand((element.text or "").strip()), expand(element.get("version", "")))
        for element in root.iter("requirement")
        if element.get("type") == "package"
    ]


def ensure_tools_env(env_dir: Path) -> Path:
    """Create or update the environment; return its python. Skips pip when the requirements did not change."""
    pins = [f"{name}=={version}" for name, version in tool_requirements()] + list(DEVELOPMENT_PACKAGES)
    stamp = env_dir / "requirements.sha256"
    digest = hashlib.sha256("\n".join(pins).encode()).hexdigest()
    python = env_dir / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    print(f"[localgalaxy] installing the tools environment in {env_dir}: {' '.join(pins)}", flush=True)
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(env_dir)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *pins], check=True)
    stamp.write_text(digest)
    return python


def write_dependency_dir(deps_dir: Path, env_dir: Path) -> Path:
    """One ``env.sh`` per requirement that puts the tools environment first on the job's PATH."""
    for name, version in tool_requirements():
        target = deps_dir / name / version
        target.mkdir(parents=True, exist_ok=True)
        # A bin/ symlink would not work: python started through it misses the venv's pyvenv.cfg.
        (target / "env.sh").write_text(f'PATH="{env_dir / "bin"}:$PATH"; export PATH\n')
    return deps_dir


if __name__ == "__main__":
    print(ensure_tools_env(Path(sys.argv[1])))
