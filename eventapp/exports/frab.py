"""The Frab schedule (schedule.xml and schedule.json), as pretalx emits it, from a release.

Read by Giggity, EventFahrplan, the C3VOC tools and pretalx-aware signage; both forms validate
against `shared/formats/schedule.xml.xsd` and `schema.json` (draft-06). One neutral document is
built (the JSON shape) and the XML is written from it, so the two never disagree.

Choices the formats leave open:

- acronym: the event slug in ASCII, words joined by "_" ("eu-thailand-scams-2025" ->
  "eu_thailand_scams_2025"): the JSON schema allows no "-" after the first character, and the
  XML slug pattern wants the acronym hyphen-free in front of its first "-". A slug without
  ASCII letters (a Thai one) becomes "event_<id>", followed by any digits it had.
- slug: "<acronym>-<item id>-<ASCII words of the title>", or the kind when the title has none
  (a Thai-only title): unique through the id, and within both patterns.
- guid: the item's uid, unchanged across releases; rooms get a uuid5 of the site, event and room.
- plenary items (no room) sit once, in a room named "Plenary" (in the event's first language),
  listed first; an organiser's own room of that name is the same room. Apps then show a
  "Plenary" column instead of a copy of the item in every room.
- title is in the event's first language (or the first one the item has), subtitle the other
  languages' titles joined with " / "; abstract is the description in the title's language,
  description the other languages' descriptions. language is the title's language.
- recording: no one has been asked, so the items are marked opted out (do_not_record).
- persons: the item's public line-up (`public_lineup`), in its order: id is the person's id,
  guid a uuid5 of the site and that id (never of the email, which is private and could be
  guessed back from it), name as on the agenda ("(to be confirmed)" added for someone invited
  who has not confirmed, in the event's first language), url their speaker page. The JSON
  person is pretalx's shape (name, not Frab's public_name: the schema takes one or the other).
- days run from the first item's start to the last item's end (an item spanning midnight
  belongs to the day it starts on); a day with no items runs from midnight to midnight.
"""

import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from eventapp import __version__, events, i18n
from eventapp.agenda import Programme, ProgrammeItem, ProgrammeRoom
from eventapp.models import Event
from eventapp.public_lineup import OnStage, labelled_name

GENERATOR = "eventapp"
TIMESLOT = "00:05"
# XML 1.0 allows tab, line feed and carriage return among the C0 controls, and no
# surrogates or U+FFFE/U+FFFF; DEL and C1 controls are legal but never wanted in text.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_TIME_ZONE_NAME = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")  # schema.json's pattern
_SLUG_WORDS = 60  # characters of title in an item's slug


def printable(text: str | None) -> str:
    """`text` without the characters XML forbids (and other controls), line ends as "\\n"."""
    if not text:
        return ""
    return _ILLEGAL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def plenary_name(event: Event) -> str:
    with i18n.language(event.language_list[0] if event.language_list else "en"):
        return i18n.gettext("Plenary")


def room_name(event: Event, room: ProgrammeRoom | None) -> str:
    return printable(room.name) if room is not None else plenary_name(event)


def _ascii_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", events.slugify(text))


def acronym_of(event: Event) -> str:
    words = _ascii_words(event.slug)
    acronym = "_".join(words)
    if not re.search(r"[a-z]", acronym):
        acronym = "_".join([f"event_{event.id}", *words])
    return acronym


def languages_of(programme: Programme, item: ProgrammeItem) -> list[str]:
    """The event's languages, the item's title language first (the first one it has)."""
    languages = programme.event.language_list
    first = next((code for code in languages if item.titles.get(code)), None)
    if first is None:
        return languages
    return [first, *(code for code in languages if code != first)]


def item_slug(acronym: str, item: ProgrammeItem, languages: list[str]) -> str:
    words: list[str] = []
    for code in languages:
        words = _ascii_words(item.titles.get(code, ""))
        if words:
            break
    title = "-".join(words)[:_SLUG_WORDS].strip("-") or str(item.kind)
    return f"{acronym}-{item.id}-{title}"


def hh_mm(minutes: int) -> str:
    minutes = max(0, min(minutes, 99 * 60 + 59))  # the XML pattern allows two digits of hours
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _room_guid(base_url: str, event: Event, key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url}/#event-{event.id}-room-{key}"))


def person_guid(base_url: str, person_id: int) -> str:
    """The same for the person on every event of their team, and across releases."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url}/#person-{person_id}"))


def persons_of(
    lineup: list[OnStage], *, base_url: str, speaker_url: Callable[[int], str]
) -> list[dict[str, Any]]:
    return [
        {
            "id": stage.person.id,
            "guid": person_guid(base_url, stage.person.id),
            "name": printable(labelled_name(stage)),
            "url": speaker_url(stage.person.id),
        }
        for stage in lineup
    ]


@dataclass
class _Room:
    name: str
    guid: str
    capacity: int | None


def _rooms(programme: Programme, base_url: str) -> dict[int | None, _Room]:
    """Each programme room, and None (plenary), to the schedule room it is shown in; rooms of
    the same name are one room in the schedule (JSON days key their rooms by name)."""
    event = programme.event
    by_name: dict[str, _Room] = {}
    found: dict[int | None, _Room] = {}
    if any(item.is_plenary for item in programme.items):
        name = plenary_name(event)
        by_name[name] = _Room(name, _room_guid(base_url, event, "plenary"), None)
        found[None] = by_name[name]
    for room in programme.rooms:
        name = room_name(event, room)
        if name not in by_name:
            by_name[name] = _Room(name, _room_guid(base_url, event, str(room.id)), room.capacity)
        found[room.id] = by_name[name]
    return found


def schedule(
    programme: Programme,
    *,
    base_url: str,
    event_url: str,
    session_url: Callable[[ProgrammeItem], str],
    lineups: dict[int, list[OnStage]] | None = None,
    speaker_url: Callable[[int], str] | None = None,
) -> dict[str, Any]:
    """The schedule as the JSON document (schema.json); `schedule_xml` writes the same.
    `lineups`: each item's public line-up; `speaker_url`: a person id's speaker page."""
    event = programme.event
    lineups = lineups or {}
    zone = programme.zone
    acronym = acronym_of(event)
    rooms = _rooms(programme, base_url)
    ordered_rooms = list({room.name: room for room in rooms.values()}.values())
    programme_days = programme.days()
    days = []
    for index, (day, items) in enumerate(programme_days, start=1):
        by_room: dict[str, list[dict[str, Any]]] = {room.name: [] for room in ordered_rooms}
        for item in items:
            room = rooms[item.room.id if item.room else None]
            entry = _event(programme, item, room=room.name, acronym=acronym, url=session_url(item))
            if item.id in lineups and speaker_url is not None:
                with i18n.language(event.language_list[0] if event.language_list else "en"):
                    entry["persons"] = persons_of(
                        lineups[item.id], base_url=base_url, speaker_url=speaker_url
                    )
            by_room[room.name].append(entry)
        if items:
            day_start = min(i.starts_at for i in items).astimezone(zone)
            day_end = max(i.ends_at for i in items).astimezone(zone)
        else:
            day_start = datetime.combine(day, time(0), tzinfo=zone)
            day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        days.append(
            {
                "index": index,
                "date": day.isoformat(),
                "day_start": day_start.isoformat(),
                "day_end": day_end.isoformat(),
                "rooms": by_room,
            }
        )
    first_day, last_day = programme_days[0][0], programme_days[-1][0]
    tracks = sorted({printable(item.track) for item in programme.items if item.track.strip()})
    conference: dict[str, Any] = {
        "acronym": acronym,
        "title": printable(event.title),
        "start": first_day.isoformat(),
        "end": last_day.isoformat(),
        "daysCount": len(programme_days),
        "timeslot_duration": TIMESLOT,
        "time_zone_name": event.timezone,
        "url": event_url,
        "tracks": [{"name": name} for name in tracks],
        "rooms": [
            {"name": room.name, "guid": room.guid, "capacity": room.capacity, "description": None}
            for room in ordered_rooms
        ],
        "days": days,
    }
    if not _TIME_ZONE_NAME.search(event.timezone):
        # The schema's pattern refuses names such as "Etc/GMT-7" (left out of both forms,
        # which then agree); every date carries its offset anyway.
        del conference["time_zone_name"]
    return {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": GENERATOR, "version": __version__},
        "schedule": {
            "version": str(programme.number),
            "base_url": base_url + "/",
            "conference": conference,
        },
    }


def _event(
    programme: Programme, item: ProgrammeItem, *, room: str, acronym: str, url: str
) -> dict[str, Any]:
    languages = languages_of(programme, item)
    first, others = (languages[0], languages[1:]) if languages else ("", [])
    starts = programme.local(item.starts_at)
    other_titles = [printable(item.titles[code]) for code in others if item.titles.get(code)]
    other_descriptions = [
        printable(item.descriptions[code]) for code in others if item.descriptions.get(code)
    ]
    return {
        "id": item.id,
        "guid": item.uid,
        "date": starts.isoformat(),
        "start": starts.strftime("%H:%M"),
        "end": programme.local(item.ends_at).isoformat(),
        "duration": hh_mm(item.minutes),
        "room": room,
        "slug": item_slug(acronym, item, languages),
        "url": url,
        "title": printable(programme.title(item, first)),
        "subtitle": " / ".join(other_titles),
        "track": printable(item.track) or None,
        "type": str(item.kind),
        "language": first or None,
        "abstract": printable(item.descriptions.get(first, "")),
        "description": "\n\n".join(other_descriptions),
        "recording_license": "",
        "do_not_record": True,
        "persons": [],
        "links": [],
        "attachments": [],
    }


def schedule_json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def schedule_xml(document: dict[str, Any], *, url: str) -> bytes:
    """The XML form of `schedule(...)`; `url` is where this file is published."""
    data = document["schedule"]
    conference = data["conference"]
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", name=GENERATOR, version=__version__)
    _text(root, "url", url)
    _text(root, "version", data["version"])
    head = ET.SubElement(root, "conference")
    for key in ("acronym", "title", "start", "end"):
        _text(head, key, conference[key])
    _text(head, "days", str(conference["daysCount"]))
    _text(head, "timeslot_duration", conference["timeslot_duration"])
    _text(head, "base_url", data["base_url"])
    _text(head, "url", conference["url"])
    if "time_zone_name" in conference:
        _text(head, "time_zone_name", conference["time_zone_name"])
    for track in conference["tracks"]:
        ET.SubElement(head, "track", name=track["name"])
    guids = {room["name"]: room["guid"] for room in conference["rooms"]}
    for day in conference["days"]:
        day_element = ET.SubElement(
            root,
            "day",
            index=str(day["index"]),
            date=day["date"],
            start=day["day_start"],
            end=day["day_end"],
        )
        for name, items in day["rooms"].items():
            room = ET.SubElement(day_element, "room", name=name, guid=guids[name])
            for item in items:
                _xml_event(room, item)
    ET.indent(root)
    # Serialised as text and encoded once: with encoding="utf-8" ElementTree pushes each of
    # its many small writes through a codec, which doubles the time of a large programme.
    text = ET.tostring(root, encoding="unicode")
    return b"<?xml version='1.0' encoding='utf-8'?>\n" + text.encode() + b"\n"


def _xml_event(room: ET.Element, item: dict[str, Any]) -> None:
    element = ET.SubElement(room, "event", guid=item["guid"], id=str(item["id"]))
    for key in ("date", "start", "duration", "room", "slug", "url", "title", "subtitle"):
        _text(element, key, item[key])
    _text(element, "language", item["language"] or "")
    _text(element, "track", item["track"] or "")
    _text(element, "type", item["type"])
    _text(element, "abstract", item["abstract"])
    _text(element, "description", item["description"])
    recording = ET.SubElement(element, "recording")
    _text(recording, "license", item["recording_license"])
    _text(recording, "optout", "true" if item["do_not_record"] else "false")
    persons = ET.SubElement(element, "persons")
    for person in item["persons"]:
        _text(persons, "person", person["name"]).attrib.update(
            id=str(person["id"]), guid=person["guid"]
        )
    ET.SubElement(element, "links")
    ET.SubElement(element, "attachments")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element
