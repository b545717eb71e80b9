"""What the repository's files say about the tools: their files, ids and versions, the requirements, the Tool Shed
repository. The standard library only: any Python 3.11 imports this, before an environment is built.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TOOLS = REPO_ROOT / "tools"
MAIN_TOOL_SHED = "toolshed.g2.bx.psu.edu"


def macro_tokens(tools_dir: Path = TOOLS) -> dict[str, str]:
    root = ET.parse(tools_dir / "macros.xml").getroot()
    return {token.get("name", ""): (token.text or "").strip() for token in root.iter("token")}


def expand_tokens(text: str, tokens: dict[str, str]) -> str:
    return re.sub(r"@[A-Z_]+@", lambda match: tokens.get(match[0], match[0]), text)


def tool_requirements(tools_dir: Path = TOOLS) -> list[tuple[str, str]]:
    """(name, version) of every package requirement in the macros file, with tokens expanded."""
    tokens = macro_tokens(tools_dir)
    return [
        (expand_tokens((element.text or "").strip(), tokens), expand_tokens(element.get("version", ""), tokens))
        for element in ET.parse(tools_dir / "macros.xml").getroot().iter("requirement")
        if element.get("type") == "package"
    ]


def tool_files(tools_dir: Path = TOOLS) -> list[Path]:
    """The tool XML files of a folder (the checkout's tools/ or an installed repository), macros left out."""
    return [path for path in sorted(tools_dir.glob("*.xml")) if not path.name.endswith("macros.xml")]


@dataclass(frozen=True)
class ToolFile:
    path: Path
    id: str
    version: str  # as Galaxy reads it: tokens of ``macros.xml`` expanded


def tool_definitions(tools_dir: Path = TOOLS) -> list[ToolFile]:
    tokens = macro_tokens(tools_dir)
    definitions = []
    for path in tool_files(tools_dir):
        tool = ET.parse(path).getroot()
        definitions.append(ToolFile(path, tool.get("id", ""), expand_tokens(tool.get("version", ""), tokens)))
    return definitions


def tool_versions(tools_dir: Path = TOOLS) -> dict[str, str]:
    """Each tool's version, by its id."""
    return {tool.id: tool.version for tool in tool_definitions(tools_dir)}


@dataclass(frozen=True)
class ShedRepository:
    owner: str
    name: str

    def tool_id(self, tool: str, version: str, tool_shed: str = MAIN_TOOL_SHED) -> str:
        """The id Galaxy gives a tool of this repository installed from ``tool_shed`` (host and port, no scheme)."""
        return f"{tool_shed}/repos/{self.owner}/{self.name}/{tool}/{version}"


def shed_repository(tools_dir: Path = TOOLS) -> ShedRepository:
    """Owner and name of the Tool Shed repository, from ``.shed.yml`` (top-level ``owner:`` and ``name:`` lines)."""
    fields = dict(re.findall(r"^(owner|name):\s*(\S+)\s*$", (tools_dir / ".shed.yml").read_text(), re.MULTILINE))
    return ShedRepository(owner=fields["owner"], name=fields["name"])
