"""docs/gtn-tutorials.md names the tools' fields as the forms label them.

Every row of the page's step tables gives, in its "tool here" column, the fields to fill as *Field label*: `value`
(or *Field label:* `value` where the label ends in a colon). Each italic phrase there must be a label of the forms in
tools/ (a param, an option, a section, a repeat such as "Layer" numbered "Layer 2", or an output such as "trained model
(.keras)"), and each value given for a select must be one of its options; a switch takes Yes or No.
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
PAGE = ROOT / "docs" / "gtn-tutorials.md"

# An italic phrase: one asterisk each side (not bold), no space just inside them.
ITALIC = re.compile(r"(?<!\*)\*(?=[^\s*])([^*]+?)(?<=\S)\*(?!\*)")
# The value that follows a field's label: *label*: `value` or *label:* `value`.
VALUE_AFTER = re.compile(r":?\s*`([^`]+)`")
OUTPUT_LABEL = "${on_string}: "
SWITCH_VALUES = frozenset({"Yes", "No"})


def tool_files() -> list[Path]:
    """The tool wrappers in tools/ (not the macro files)."""
    return [path for path in sorted(TOOLS.glob("*.xml")) if ET.parse(path).getroot().tag == "tool"]


def expanded_tool(path: Path) -> ET.Element:
    """A tool's XML as Galaxy reads it: every <expand> replaced by its macro, tokens filled in, <yield/> filled."""
    root = ET.parse(path).getroot()
    macros = {macro.get("name"): macro for macro in root.iter("xml")}
    for imported in root.iter("import"):
        macros |= {macro.get("name"): macro for macro in ET.parse(TOOLS / imported.text).getroot().iter("xml")}
    _expand(root, macros)
    return root


def _expand(element: ET.Element, macros: dict[str, ET.Element]) -> None:
    while any(child.tag == "expand" for child in element):  # a macro may itself hold <expand> at its top level
        children: list[ET.Element] = []
        for child in element:
            children.extend(_filled_in(macros[child.get("macro")], child) if child.tag == "expand" else [child])
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
        parts.append(ET.fromstring(text))
    return _yielded(parts, list(expand))


def _yielded(parts: list[ET.Element], given: list[ET.Element]) -> list[ET.Element]:
    """The parts with each <yield/> replaced by the children of the <expand> element."""
    result = []
    for part in parts:
        if part.tag == "yield":
            result.extend(copy.deepcopy(given))
        else:
            part[:] = _yielded(list(part), given)
            result.append(part)
    return result


@cache
def forms() -> list[ET.Element]:
    """The expanded forms of every tool, read once."""
    return [expanded_tool(path) for path in tool_files()]


def params_by_label() -> dict[str, list[ET.Element]]:
    """Every labelled param of every form, by its label."""
    params: dict[str, list[ET.Element]] = defaultdict(list)
    for form in forms():
        for param in form.find("inputs").iter("param"):
            if param.get("label"):
                params[param.get("label")].append(param)
    return params


def other_names() -> set[str]:
    """Option texts, section titles, repeat titles (also numbered: "Layer 2") and output labels."""
    names: set[str] = set()
    for form in forms():
        inputs = form.find("inputs")
        names |= {option.text.strip() for option in inputs.iter("option") if option.text}
        names |= {section.get("title") for section in inputs.iter("section")}
        names |= {repeat.get("title") for repeat in inputs.iter("repeat")}
        for output in form.find("outputs").iter("data"):
            label = output.get("label", "")
            if OUTPUT_LABEL in label:
                names.add(label.split(OUTPUT_LABEL, 1)[1])
    return names


def repeat_titles() -> set[str]:
    return {repeat.get("title") for form in forms() for repeat in form.find("inputs").iter("repeat")}


def allowed_values(params: list[ET.Element]) -> set[str] | None:
    """What the page may give for fields of this label: options or Yes/No; None for free values (text, numbers)."""
    allowed: set[str] = set()
    for param in params:
        if param.get("type") == "select":
            allowed |= {option.get("value") for option in param.iter("option")}
            allowed |= {option.text.strip() for option in param.iter("option") if option.text}
        elif param.get("type") == "boolean":
            allowed |= SWITCH_VALUES
        else:
            return None
    return allowed


def tool_cells() -> list[tuple[int, str]]:
    """(line number, text) of each "tool here" cell of the page's tables."""
    cells = []
    column = None
    for number, line in enumerate(PAGE.read_text().splitlines(), start=1):
        stripped = line.strip()
        if not stripped.startswith("|"):
            column = None
            continue
        row = split_row(stripped)
        if column is None:  # the header row of a table
            column = next((index for index, name in enumerate(row) if name.startswith("tool here")), -1)
        elif column >= 0 and not set(stripped) <= set("|-: "):
            cells.append((number, row[column]))
    return cells


def split_row(line: str) -> list[str]:
    return [cell.strip() for cell in line.removeprefix("|").removesuffix("|").split("|")]


def table_rows() -> list[tuple[int, int, int]]:
    """(line number, cells, cells of its table's header) of every row of the page's tables."""
    rows = []
    width = None
    for number, line in enumerate(PAGE.read_text().splitlines(), start=1):
        stripped = line.strip()
        if not stripped.startswith("|"):
            width = None
            continue
        cells = len(split_row(stripped))
        width = cells if width is None else width
        rows.append((number, cells, width))
    return rows


def test_every_table_row_has_its_headers_columns() -> None:
    wrong = [f"line {number}: {cells} cells, header {width}" for number, cells, width in table_rows() if cells != width]
    assert not wrong, "\n".join(wrong)


def test_the_page_has_tool_columns_to_check() -> None:
    cells = tool_cells()
    assert len(cells) > 100
    assert sum(len(ITALIC.findall(text)) for _, text in cells) > 200


def test_every_italic_phrase_of_a_tool_column_is_a_label_of_the_forms() -> None:
    labels = set(params_by_label()) | other_names()
    numbered = re.compile(rf"(?:{'|'.join(map(re.escape, repeat_titles()))}) \d+")
    unknown = [
        f"line {number}: *{phrase}*"
        for number, text in tool_cells()
        for phrase in ITALIC.findall(text)
        if phrase not in labels and not numbered.fullmatch(phrase)
    ]
    assert not unknown, "not a label of the forms:\n" + "\n".join(unknown)


def test_every_value_given_for_a_select_or_switch_is_one_it_offers() -> None:
    params = params_by_label()
    wrong = []
    checked = 0
    for number, text in tool_cells():
        for match in ITALIC.finditer(text):
            value = VALUE_AFTER.match(text, match.end())
            allowed = allowed_values(params.get(match.group(1), []))
            if value is None or not allowed:
                continue
            checked += 1
            if value.group(1) not in allowed:
                wrong.append(f"line {number}: *{match.group(1)}* `{value.group(1)}`")
    assert checked > 100
    assert not wrong, "not an option of that field:\n" + "\n".join(wrong)


def test_the_expansion_fills_in_yielded_fields() -> None:
    """Conv2D's padding select reaches the form through a <yield/> of its macro."""
    config = expanded_tool(TOOLS / "keras3_model_config.xml")
    conv2d = next(when for when in config.iter("when") if when.get("value") == "Conv2D")
    padding = [param for param in conv2d.iter("param") if param.get("label") == "padding"]
    assert [option.get("value") for option in padding[0].iter("option")] == ["valid", "same"]


def test_the_page_has_no_draft_markers() -> None:
    text = PAGE.read_text()
    for marker in ("(check)", "planned", "Draft"):
        assert marker not in text, marker
