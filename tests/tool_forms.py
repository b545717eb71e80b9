"""The tools' forms as Galaxy reads them, macros expanded: what a form offers, its ranges and its defaults."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fixture_models import TEST_DATA
from galaxy_keras.catalogue import Setting

TOOLS = TEST_DATA.parent / "tools"
KINDS = {"integer": int, "float": float, "boolean": bool, "select": str, "text": str}


def expanded_tool(file_name: str) -> ET.Element:
    """A tool's XML with every ``<expand macro=...>`` replaced by the macro, its tokens filled in."""
    root = ET.parse(TOOLS / file_name).getroot()
    macros = {macro.get("name"): macro for macro in root.iter("xml")}
    for imported in root.iter("import"):
        macros |= {macro.get("name"): macro for macro in ET.parse(TOOLS / imported.text).getroot().iter("xml")}
    _expand(root, macros)
    return root


def _expand(element: ET.Element, macros: dict[str, ET.Element]) -> None:
    children: list[ET.Element] = []
    for child in element:
        if child.tag == "expand":
            children.extend(_filled_in(macros[child.get("macro")], child))
        else:
            children.append(child)
    element[:] = children
    for child in element:
        _expand(child, macros)


def _filled_in(macro: ET.Element, expand: ET.Element) -> list[ET.Element]:
    tokens = {
        f"@{name.removeprefix('token_').upper()}@": value
        for name, value in macro.attrib.items()
        if name.startswith("token_")
    }
    tokens |= {f"@{name.upper()}@": value for name, value in expand.attrib.items() if name != "macro"}
    parts = []
    for part in macro:
        text = ET.tostring(part, encoding="unicode")
        for token, value in tokens.items():
            text = text.replace(token, value)
        parts.append(ET.fromstring(text))  # a new element: the macro itself stays as it is for the next expand
    return parts


def form_setting(param: ET.Element) -> Setting:
    """What a form's param accepts, as a catalogue Setting: its type, its range, its options."""
    kind = KINDS[param.get("type")]
    if kind is str:
        choices = tuple(option.get("value") for option in param.iter("option"))
        return Setting(str, choices=choices)
    low, high = _end(param, "min"), _end(param, "max")
    return Setting(kind, low[0], high[0], low[1], high[1])


def _end(param: ET.Element, side: str) -> tuple[float | None, bool]:
    """(bound, excluded) of one end of a number param: its min/max attribute, or an in_range validator's."""
    ends = [(param.get(side), False)] if param.get(side) is not None else []
    for validator in param.iter("validator"):
        if validator.get("type") == "in_range" and validator.get(side) is not None:
            ends.append((validator.get(side), validator.get(f"exclude_{side}") == "true"))
    assert len(ends) <= 1, f"{param_name(param)}: its {side} is given more than once"
    return (float(ends[0][0]), ends[0][1]) if ends else (None, False)


def default(param: ET.Element) -> object:
    """The value the form starts with (None for an empty optional number)."""
    kind = KINDS[param.get("type")]
    if kind is bool:
        return param.get("checked") == "true"
    if param.get("type") == "select":
        options = list(param.iter("option"))
        return next((option for option in options if option.get("selected") == "true"), options[0]).get("value")
    value = param.get("value")
    return None if value in (None, "") else kind(value)


def param_name(param: ET.Element) -> str:
    """A param's name as Galaxy derives it: its name, or else its argument without leading dashes."""
    return param.get("name") or param.get("argument").lstrip("-").replace("-", "_")


def params(container: ET.Element) -> dict[str, ET.Element]:
    """The params directly inside a when, section or repeat."""
    return {param_name(param): param for param in container.findall("param")}
