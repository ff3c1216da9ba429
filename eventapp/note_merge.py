"""Two people saved one note from the same revision: merge their texts against that revision,
part by part and line by line (merge3, the three-way merge of Breezy), so that only lines both
of them changed need a person's choice.

    outcome   the part as the form now holds it
    same      both wrote the same text
    theirs    only they changed it: their text
    yours     only you changed it: your text
    merged    both changed different lines: both changes
    both      both changed the same lines: your text, theirs shown beside it to choose from

Action items merge the same way, one row a line. Nothing here saves: the person checks the
merged form and saves it (with the version they now hold).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import merge3

from eventapp.models import NOTE_SECTIONS

ACTION_FIELDS = ("what", "who", "by")


@dataclass
class Part:
    name: str
    outcome: str
    theirs: str
    yours: str


@dataclass
class NoteMerge:
    sections: dict[str, str]
    action_items: list[dict[str, str]]
    parts: list[Part]

    @property
    def conflicts(self) -> list[Part]:
        return [part for part in self.parts if part.outcome == "both"]

    @property
    def merged(self) -> list[Part]:
        return [part for part in self.parts if part.outcome in ("theirs", "yours", "merged")]


def _three_way(base: Sequence, theirs: Sequence, yours: Sequence) -> tuple[str, list | None]:
    """The outcome, and the merged sequence (None where both changed the same place)."""
    if list(theirs) == list(yours):
        return "same", list(yours)
    if list(yours) == list(base):
        return "theirs", list(theirs)
    if list(theirs) == list(base):
        return "yours", list(yours)
    merged: list = []
    for group in merge3.Merge3(list(base), list(theirs), list(yours)).merge_groups():
        if group[0] == "conflict":
            return "both", None
        merged.extend(group[1])
    return "merged", merged


def _lines(text: str) -> list[str]:
    """A text's lines as compared: the form may send back CRLF and trailing blanks."""
    return text.replace("\r\n", "\n").rstrip().split("\n") if text.strip() else []


def merge_section(base: str, theirs: str, yours: str) -> tuple[str, str]:
    """(outcome, the text the form should hold) for one part of the note."""
    outcome, merged = _three_way(_lines(base), _lines(theirs), _lines(yours))
    if outcome == "theirs":
        return outcome, theirs
    if merged is None or outcome in ("same", "yours"):
        return outcome, yours
    return outcome, "\n".join(merged)


def _row(entry: dict[str, Any]) -> tuple[str, ...]:
    return tuple(" ".join(str(entry.get(name) or "").split()) for name in ACTION_FIELDS)


def _rows(entries: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    return [row for row in (_row(entry) for entry in entries) if any(row)]


def merge_note(
    names: list[str],
    base: tuple[dict[str, str], list[dict[str, Any]]] | None,
    theirs: tuple[dict[str, str], list[dict[str, Any]]],
    yours: tuple[dict[str, str], list[dict[str, Any]]],
    *,
    with_action_items: bool,
) -> NoteMerge:
    """Merge the parts `names` (and the action items) of two saves from `base`, given as
    (sections, action_items); None when that revision is unknown: then every part the two
    texts differ in is for the person to choose."""
    base_sections, base_items = base if base is not None else ({}, [])
    sections: dict[str, str] = {}
    parts = []
    for name in [n for n in NOTE_SECTIONS if n in names]:
        their_text, your_text = theirs[0].get(name, ""), yours[0].get(name, "")
        if base is None and _lines(their_text) != _lines(your_text):
            outcome, text = "both", your_text
        else:
            outcome, text = merge_section(base_sections.get(name, ""), their_text, your_text)
        sections[name] = text
        parts.append(Part(name, outcome, their_text, your_text))
    items = normal_items(yours[1])
    if with_action_items:
        their_rows, your_rows = _rows(theirs[1]), _rows(yours[1])
        if base is None and their_rows != your_rows:
            outcome, merged = "both", None
        else:
            outcome, merged = _three_way(_rows(base_items), their_rows, your_rows)
        if merged is not None:
            items = [dict(zip(ACTION_FIELDS, row, strict=True)) for row in merged]
        parts.append(Part("action_items", outcome, _listed(their_rows), _listed(your_rows)))
    return NoteMerge(sections=sections, action_items=items, parts=parts)


def normal_items(entries: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Action item rows as compared: blank rows dropped, spaces collapsed."""
    return [dict(zip(ACTION_FIELDS, row, strict=True)) for row in _rows(entries)]


def _listed(rows: list[tuple[str, ...]]) -> str:
    return "\n".join("- " + " · ".join(value for value in row if value) for row in rows)
