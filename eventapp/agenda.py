"""The agenda: rooms, items, clashes, releases and their changelog (rules: no FastAPI here).

Organisers edit the draft (the `agenda_item` and `room` rows). "Release" copies the draft into
a numbered `AgendaRelease` snapshot, with the changes since the previous release, in one
transaction. Public pages and exports read only the latest snapshot, so a half-finished edit
never shows; the organisers' preview renders the draft through the same code.

    draft rows --release--> snapshot 1 --release--> snapshot 2 ...   (public: the latest)

A snapshot is plain JSON: {"format": 1, "rooms": [...], "items": [...]}; `Programme` reads one.
Each snapshot item carries `sequence`, raised at each release in which the item changed, so
calendar apps replace their copy (iCalendar SEQUENCE).
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session

from eventapp import activity
from eventapp.events import StaleEdit
from eventapp.i18n import gettext as _
from eventapp.models import AgendaItem, AgendaRelease, Event, ItemKind, Room, User, utcnow

SNAPSHOT_FORMAT = 1
TITLE_MAX = 300
DESCRIPTION_MAX = 20_000
TRACK_MAX = 100
ROOM_NAME_MAX = 100
COMMENT_MAX = 500

# What "add an item" proposes as its length, by kind.
DEFAULT_MINUTES = {
    ItemKind.OPENING_REMARKS: 15,
    ItemKind.WELCOME: 10,
    ItemKind.KEYNOTE: 30,
    ItemKind.ADDRESS: 15,
    ItemKind.PANEL: 60,
    ItemKind.PRESENTATION: 20,
    ItemKind.DISCUSSION: 45,
    ItemKind.BREAK: 15,
    ItemKind.LUNCH: 60,
    ItemKind.NETWORKING: 30,
    ItemKind.CLOSING_REMARKS: 15,
    ItemKind.OTHER: 30,
}
# Kinds shown as pauses in the programme rather than sessions.
PAUSE_KINDS = frozenset({ItemKind.BREAK, ItemKind.LUNCH, ItemKind.NETWORKING})
DAY_STARTS = time(9, 0)


class OutsideEventDates(Exception):
    """An item may only start on one of the event's days (in the event's timezone)."""


def kind_labels() -> dict[str, str]:
    """Each kind's name in the current language."""
    return {
        ItemKind.OPENING_REMARKS: _("Opening remarks"),
        ItemKind.WELCOME: _("Welcome"),
        ItemKind.KEYNOTE: _("Keynote"),
        ItemKind.ADDRESS: _("Formal address"),  # "Address" alone is a postal one
        ItemKind.PANEL: _("Panel discussion"),
        ItemKind.PRESENTATION: _("Presentation"),
        ItemKind.DISCUSSION: _("Discussion"),
        ItemKind.BREAK: _("Break"),
        ItemKind.LUNCH: _("Lunch"),
        ItemKind.NETWORKING: _("Networking"),
        ItemKind.CLOSING_REMARKS: _("Closing remarks"),
        ItemKind.OTHER: _("Other"),
    }


class EndsBeforeStart(Exception):
    pass


class UnknownRoom(Exception):
    """The room does not exist or belongs to another event."""


class RoomInUse(Exception):
    """A room that items are planned in cannot be deleted; move them first."""

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} items")
        self.count = count


class NothingToRelease(Exception):
    """The draft is the same as the latest release."""


@dataclass
class ItemDetails:
    """What the item form sets (times already in UTC)."""

    kind: ItemKind
    starts_at: datetime
    ends_at: datetime
    room_id: int | None
    titles: dict[str, str]
    descriptions: dict[str, str] = field(default_factory=dict)
    track: str = ""


ITEM_FIELDS = ["kind", "starts_at", "ends_at", "room_id", "track", "titles", "descriptions"]


# The event's days ----------------------------------------------------------------------------


def zone_of(event: Event) -> ZoneInfo:
    return ZoneInfo(event.timezone)


def event_days(event: Event) -> list[date]:
    """Each local date the event runs on, first to last."""
    zone = zone_of(event)
    first = event.starts_at.astimezone(zone).date()
    last = max(first, event.ends_at.astimezone(zone).date())
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def local_day(event: Event, moment: datetime) -> date:
    return moment.astimezone(zone_of(event)).date()


def is_within_dates(event: Event, moment: datetime) -> bool:
    days = event_days(event)
    return days[0] <= local_day(event, moment) <= days[-1]


def local_to_utc(day: date, moment: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock time in `zone`; None when the clocks skip that time."""
    local = datetime.combine(day, moment.replace(second=0, microsecond=0), tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def day_bounds(event: Event, day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which a local day begins and the next one begins."""
    zone = zone_of(event)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


# Rooms ---------------------------------------------------------------------------------------


def rooms_of(db: Session, event: Event) -> list[Room]:
    return list(
        db.scalars(select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.id))
    )


def room_of(db: Session, event: Event, room_id: int) -> Room | None:
    room = db.get(Room, room_id)
    return room if room is not None and room.event_id == event.id else None


def add_room(
    db: Session, event: Event, *, actor: User, name: str, capacity: int | None = None
) -> Room:
    position = db.scalar(select(func.max(Room.position)).where(Room.event_id == event.id))
    room = Room(
        event_id=event.id,
        name=name,
        capacity=capacity,
        position=0 if position is None else position + 1,
    )
    db.add(room)
    db.flush()
    activity.record(
        db, actor=actor, action="room.add", event_id=event.id, obj=room, summary=room.name
    )
    return room


def update_room(
    db: Session,
    room: Room,
    *,
    actor: User,
    name: str,
    capacity: int | None,
    expected_version: int,
) -> dict[str, list]:
    db.refresh(room, with_for_update=True)
    if room.version != expected_version:
        raise StaleEdit(room)
    before = activity.snapshot(room, ["name", "capacity"])
    room.name, room.capacity = name, capacity
    changes = activity.diff(before, activity.snapshot(room, ["name", "capacity"]))
    if changes:
        room.version += 1
        activity.record(
            db,
            actor=actor,
            action="room.edit",
            event_id=room.event_id,
            obj=room,
            summary=room.name,
            changes=changes,
        )
        db.flush()
    return changes


def delete_room(db: Session, room: Room, *, actor: User) -> None:
    used = db.scalar(select(func.count()).where(AgendaItem.room_id == room.id))
    if used:
        raise RoomInUse(used)
    activity.record(
        db, actor=actor, action="room.delete", event_id=room.event_id, obj=room, summary=room.name
    )
    db.delete(room)
    db.flush()


def move_room(db: Session, event: Event, room: Room, *, actor: User, offset: int) -> bool:
    """Move a room up (-1) or down (+1) in the order; False when it is already at that end."""
    rooms = rooms_of(db, event)
    index = next(i for i, r in enumerate(rooms) if r.id == room.id)
    target = index + offset
    if not 0 <= target < len(rooms):
        return False
    rooms.insert(target, rooms.pop(index))
    for position, each in enumerate(rooms):
        each.position = position
    activity.record(
        db, actor=actor, action="room.move", event_id=event.id, obj=room, summary=room.name
    )
    db.flush()
    return True


# Items ---------------------------------------------------------------------------------------


def items_of(db: Session, event: Event) -> list[AgendaItem]:
    return list(
        db.scalars(
            select(AgendaItem)
            .where(AgendaItem.event_id == event.id)
            .order_by(AgendaItem.starts_at, AgendaItem.ends_at, AgendaItem.id)
        )
    )


def item_of(db: Session, event: Event, item_id: int) -> AgendaItem | None:
    item = db.get(AgendaItem, item_id)
    return item if item is not None and item.event_id == event.id else None


def title_of(titles: dict[str, str], languages: list[str], language: str | None = None) -> str:
    """The title in `language`, else in the event's languages in order, else any."""
    for code in ([language] if language else []) + languages:
        if titles.get(code):
            return titles[code]
    return next((text for text in titles.values() if text), "")


def missing_languages(item: AgendaItem | dict, languages: list[str]) -> list[str]:
    titles = item["titles"] if isinstance(item, dict) else item.titles
    return [code for code in languages if not (titles.get(code) or "").strip()]


def _check(db: Session, event: Event, details: ItemDetails) -> None:
    if details.ends_at <= details.starts_at:
        raise EndsBeforeStart()
    if not is_within_dates(event, details.starts_at):
        raise OutsideEventDates()
    if details.room_id is not None and room_of(db, event, details.room_id) is None:
        raise UnknownRoom()


def _clean(texts: dict[str, str], languages: list[str]) -> dict[str, str]:
    return {code: texts[code].strip() for code in languages if (texts.get(code) or "").strip()}


def _apply(item: AgendaItem, event: Event, details: ItemDetails) -> None:
    languages = event.language_list
    item.kind = details.kind
    item.starts_at = details.starts_at
    item.ends_at = details.ends_at
    item.room_id = details.room_id
    item.track = details.track.strip()
    item.titles = _clean(details.titles, languages)
    item.descriptions = _clean(details.descriptions, languages)


def _summary(item: AgendaItem, event: Event) -> str:
    return title_of(item.titles, event.language_list)


def add_item(db: Session, event: Event, *, actor: User, details: ItemDetails) -> AgendaItem:
    _check(db, event, details)
    item = AgendaItem(
        event_id=event.id,
        uid=str(uuid.uuid4()),
        starts_at=details.starts_at,
        ends_at=details.ends_at,
    )
    _apply(item, event, details)
    db.add(item)
    db.flush()
    activity.record(
        db,
        actor=actor,
        action="item.add",
        event_id=event.id,
        obj=item,
        summary=_summary(item, event),
        changes=activity.diff({}, activity.snapshot(item, ITEM_FIELDS)),
    )
    return item


def update_item(
    db: Session,
    event: Event,
    item: AgendaItem,
    *,
    actor: User,
    details: ItemDetails,
    expected_version: int,
    action: str = "item.edit",
) -> dict[str, list]:
    """Save the item form; StaleEdit (with the saved item) when someone saved in between.

    The row is locked and re-read first, so of two saves naming the same version exactly one
    wins, on PostgreSQL too. Returns the changes; nothing is written when there are none.
    """
    _check(db, event, details)
    db.refresh(item, with_for_update=True)
    if item.version != expected_version:
        raise StaleEdit(item)
    before = activity.snapshot(item, ITEM_FIELDS)
    _apply(item, event, details)
    changes = activity.diff(before, activity.snapshot(item, ITEM_FIELDS))
    if not changes:
        return {}
    item.version += 1
    item.updated_at = utcnow()
    activity.record(
        db,
        actor=actor,
        action=action,
        event_id=event.id,
        obj=item,
        summary=_summary(item, event),
        changes=changes,
    )
    db.flush()
    return changes


def details_of(item: AgendaItem) -> ItemDetails:
    return ItemDetails(
        kind=ItemKind(item.kind),
        starts_at=item.starts_at,
        ends_at=item.ends_at,
        room_id=item.room_id,
        titles=dict(item.titles),
        descriptions=dict(item.descriptions),
        track=item.track,
    )


def move_item(
    db: Session,
    event: Event,
    item: AgendaItem,
    *,
    actor: User,
    starts_at: datetime,
    room_id: int | None,
    expected_version: int,
) -> dict[str, list]:
    """Move an item to another time, day or room, keeping its length."""
    details = details_of(item)
    length = item.ends_at - item.starts_at
    details.starts_at, details.ends_at, details.room_id = starts_at, starts_at + length, room_id
    return update_item(
        db,
        event,
        item,
        actor=actor,
        details=details,
        expected_version=expected_version,
        action="item.move",
    )


def duplicate_item(db: Session, event: Event, item: AgendaItem, *, actor: User) -> AgendaItem:
    """A copy starting where the original ends, in the same room."""
    details = details_of(item)
    length = item.ends_at - item.starts_at
    details.starts_at, details.ends_at = item.ends_at, item.ends_at + length
    if not is_within_dates(event, details.starts_at):
        details.starts_at, details.ends_at = item.starts_at, item.ends_at
    return add_item(db, event, actor=actor, details=details)


def delete_item(
    db: Session, event: Event, item: AgendaItem, *, actor: User, expected_version: int
) -> None:
    db.refresh(item, with_for_update=True)
    if item.version != expected_version:
        raise StaleEdit(item)
    activity.record(
        db,
        actor=actor,
        action="item.delete",
        event_id=event.id,
        obj=item,
        summary=_summary(item, event),
        changes=activity.diff(activity.snapshot(item, ITEM_FIELDS), {}),
    )
    db.delete(item)
    db.flush()


def shift_after(
    db: Session,
    event: Event,
    item: AgendaItem,
    *,
    actor: User,
    minutes: int,
    lengthen: bool = True,
    expected_version: int | None = None,
) -> list[AgendaItem]:
    """For the day a session overruns: every item on the same day that starts when this one
    ends or later moves by `minutes` (negative: earlier); with `lengthen`, this one ends
    `minutes` later too. Returns the items that moved.

    The item is locked and re-read first (StaleEdit when it changed since `expected_version`),
    so the items that move are the ones after where it ends now."""
    db.refresh(item, with_for_update=True)
    if expected_version is not None and item.version != expected_version:
        raise StaleEdit(item)
    _start, day_end = day_bounds(event, local_day(event, item.starts_at))
    later = list(
        db.scalars(
            select(AgendaItem)
            .where(
                AgendaItem.event_id == event.id,
                AgendaItem.starts_at >= item.ends_at,
                AgendaItem.starts_at < day_end,
                AgendaItem.id != item.id,
            )
            .order_by(AgendaItem.starts_at)
            .with_for_update()
        )
    )
    delta = timedelta(minutes=minutes)
    now = utcnow()
    moved = []
    for each in later:
        each.starts_at += delta
        each.ends_at += delta
        each.version += 1
        each.updated_at = now
        moved.append(each)
    if lengthen and item.ends_at + delta > item.starts_at:
        item.ends_at += delta
        item.version += 1
        item.updated_at = now
        moved.insert(0, item)
    activity.record(
        db,
        actor=actor,
        action="item.shift",
        event_id=event.id,
        obj=item,
        summary=_summary(item, event),
        changes={"minutes": [None, minutes], "items": [None, len(moved)]},
    )
    db.flush()
    return moved


def next_slot(
    db: Session, event: Event, *, day: date, room_id: int | None, kind: ItemKind
) -> tuple[datetime, datetime]:
    """Where "add an item" proposes to put a new one: right after the last item of that day in
    that room (plenary items count in every room), or at the start of the day."""
    day_start, day_end = day_bounds(event, day)
    query = select(func.max(AgendaItem.ends_at)).where(
        AgendaItem.event_id == event.id,
        AgendaItem.starts_at >= day_start,
        AgendaItem.starts_at < day_end,
    )
    if room_id is not None:
        query = query.where((AgendaItem.room_id == room_id) | (AgendaItem.room_id.is_(None)))
    last_end = db.scalar(query)
    if last_end is not None:
        starts = last_end.replace(tzinfo=UTC) if last_end.tzinfo is None else last_end
    elif day == event_days(event)[0]:
        starts = event.starts_at
    else:
        starts = datetime.combine(day, DAY_STARTS, tzinfo=zone_of(event)).astimezone(UTC)
    return starts, starts + timedelta(minutes=DEFAULT_MINUTES[kind])


# Snapshots and the programme they describe ---------------------------------------------------


def _item_record(item: AgendaItem, sequence: int = 0) -> dict[str, Any]:
    return {
        "id": item.id,
        "uid": item.uid,
        "kind": str(item.kind),
        "starts_at": item.starts_at.astimezone(UTC).isoformat(),
        "ends_at": item.ends_at.astimezone(UTC).isoformat(),
        "room_id": item.room_id,
        "track": item.track,
        "titles": dict(item.titles),
        "descriptions": dict(item.descriptions),
        "sequence": sequence,
    }


def draft_snapshot(db: Session, event: Event) -> dict[str, Any]:
    """The draft as a snapshot, sequences continued from the latest release (for the preview
    and for releasing)."""
    latest = latest_release(db, event)
    previous = {i["uid"]: i for i in (latest.snapshot.get("items", []) if latest else [])}
    rooms = [
        {"id": r.id, "name": r.name, "capacity": r.capacity, "position": r.position}
        for r in rooms_of(db, event)
    ]
    # A renamed room changes the item's place as calendars show it, so it counts as a change.
    old_names = {r["id"]: r["name"] for r in (latest.snapshot.get("rooms", []) if latest else [])}
    new_names = {r["id"]: r["name"] for r in rooms}
    items = []
    for item in items_of(db, event):
        record = _item_record(item)
        before = previous.get(item.uid)
        if before is not None:
            renamed = old_names.get(before["room_id"]) != new_names.get(record["room_id"])
            changed = _differs(before, record) or renamed
            record["sequence"] = before["sequence"] + (1 if changed else 0)
        items.append(record)
    return {"format": SNAPSHOT_FORMAT, "rooms": rooms, "items": items}


_COMPARED = ("kind", "starts_at", "ends_at", "room_id", "track", "titles", "descriptions")


def _differs(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return any(before.get(key) != after.get(key) for key in _COMPARED)


def latest_release(db: Session, event: Event) -> AgendaRelease | None:
    return db.scalar(
        select(AgendaRelease)
        .where(AgendaRelease.event_id == event.id)
        .order_by(AgendaRelease.number.desc())
        .limit(1)
    )


def latest_release_number(db: Session, event_id: int) -> int:
    """0 when nothing is released yet: one indexed query, for caches and "newer version" checks."""
    number = db.scalar(
        select(func.max(AgendaRelease.number)).where(AgendaRelease.event_id == event_id)
    )
    return number or 0


def releases_of(db: Session, event: Event) -> list[AgendaRelease]:
    return list(
        db.scalars(
            select(AgendaRelease)
            .where(AgendaRelease.event_id == event.id)
            .order_by(AgendaRelease.number.desc())
        )
    )


def release_of(db: Session, event: Event, number: int) -> AgendaRelease | None:
    return db.scalar(
        select(AgendaRelease).where(
            AgendaRelease.event_id == event.id, AgendaRelease.number == number
        )
    )


def has_unreleased_changes(db: Session, event: Event) -> bool:
    latest = latest_release(db, event)
    draft = draft_snapshot(db, event)
    if latest is None:
        return bool(draft["items"])
    return changelog(latest.snapshot, draft) != [] or _rooms_differ(latest.snapshot, draft)


def _rooms_differ(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return before.get("rooms", []) != after.get("rooms", [])


def release(db: Session, event: Event, *, actor: User, comment: str = "") -> AgendaRelease:
    """Publish the draft as the next numbered release, with its changelog.

    The event row is locked first, so two organisers releasing at once make releases n and
    n+1 (on SQLite the write transaction already serialises them).
    """
    db.refresh(event, with_for_update=True)
    latest = latest_release(db, event)
    snapshot = draft_snapshot(db, event)
    changes, has_changes = pending_changes(latest, snapshot)
    if not has_changes:
        raise NothingToRelease()
    entry = AgendaRelease(
        event_id=event.id,
        number=(latest.number if latest else 0) + 1,
        comment=comment.strip()[:COMMENT_MAX],
        snapshot=snapshot,
        changes=changes,
        released_by_id=actor.id,
        released_at=utcnow(),
    )
    db.add(entry)
    db.flush()
    activity.record(
        db,
        actor=actor,
        action="agenda.release",
        event_id=event.id,
        obj=entry,
        summary=f"{entry.number}: {entry.comment}" if entry.comment else str(entry.number),
        changes={"changes": [None, len(changes)]},
    )
    return entry


def pending_changes(
    latest: AgendaRelease | None, snapshot: dict[str, Any]
) -> tuple[list[dict[str, Any]], bool]:
    """(the changelog a release of `snapshot` would have, whether there is anything to release):
    the first release adds every item (an empty first agenda is nothing); later ones also
    release a change to the rooms alone."""
    if latest is None:
        changes = [_change("added", record) for record in snapshot["items"]]
        return changes, bool(changes)
    changes = changelog(latest.snapshot, snapshot)
    return changes, bool(changes) or _rooms_differ(latest.snapshot, snapshot)


def _change(kind: str, after: dict[str, Any], before: dict[str, Any] | None = None) -> dict:
    change: dict[str, Any] = {"change": kind, "uid": after["uid"], "after": _brief(after)}
    if before is not None:
        change["before"] = _brief(before)
    return change


def _brief(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "titles": record["titles"],
        "starts_at": record["starts_at"],
        "ends_at": record["ends_at"],
        "room_id": record["room_id"],
    }


def changelog(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two snapshots, in programme order: items added, cancelled, moved
    in time or room, retitled, or otherwise updated (one entry per item and kind of change)."""
    old = {i["uid"]: i for i in before.get("items", [])}
    new = {i["uid"]: i for i in after.get("items", [])}
    changes: list[dict[str, Any]] = []
    for record in after.get("items", []):
        previous = old.get(record["uid"])
        if previous is None:
            changes.append(_change("added", record))
            continue
        moved = any(previous[key] != record[key] for key in ("starts_at", "ends_at", "room_id"))
        if moved:
            changes.append(_change("moved", record, previous))
        if previous["titles"] != record["titles"]:
            changes.append(_change("retitled", record, previous))
        elif not moved and _differs(previous, record):
            changes.append(_change("updated", record, previous))
    for record in before.get("items", []):
        if record["uid"] not in new:
            changes.append(_change("cancelled", record))
    return changes


@dataclass
class ProgrammeRoom:
    id: int
    name: str
    capacity: int | None
    position: int


@dataclass
class ProgrammeItem:
    """An item of a snapshot, with its times back as datetimes and its room resolved."""

    id: int
    uid: str
    kind: ItemKind
    starts_at: datetime
    ends_at: datetime
    room: ProgrammeRoom | None
    track: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    sequence: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_plenary(self) -> bool:
        return self.room is None

    @property
    def is_pause(self) -> bool:
        return self.kind in PAUSE_KINDS

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass
class Programme:
    """A snapshot read back: rooms in order, items in time order, grouped by local day."""

    event: Event
    rooms: list[ProgrammeRoom]
    items: list[ProgrammeItem]
    number: int = 0  # the release shown; 0 for the draft

    @classmethod
    def from_snapshot(cls, event: Event, snapshot: dict[str, Any], *, number: int = 0):
        rooms = [
            ProgrammeRoom(r["id"], r["name"], r.get("capacity"), r.get("position", 0))
            for r in snapshot.get("rooms", [])
        ]
        by_id = {room.id: room for room in rooms}
        known = {f for f in ProgrammeItem.__dataclass_fields__ if f != "extra"}
        items = [
            ProgrammeItem(
                id=r["id"],
                uid=r["uid"],
                kind=ItemKind(r["kind"]),
                starts_at=datetime.fromisoformat(r["starts_at"]),
                ends_at=datetime.fromisoformat(r["ends_at"]),
                room=by_id.get(r["room_id"]) if r["room_id"] is not None else None,
                track=r.get("track", ""),
                titles=r.get("titles", {}),
                descriptions=r.get("descriptions", {}),
                sequence=r.get("sequence", 0),
                extra={k: v for k, v in r.items() if k not in known and k != "room_id"},
            )
            for r in snapshot.get("items", [])
        ]
        items.sort(key=lambda i: (i.starts_at, i.ends_at, i.room.position if i.room else -1))
        return cls(event=event, rooms=rooms, items=items, number=number)

    @property
    def zone(self) -> ZoneInfo:
        return zone_of(self.event)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def days(self) -> list[tuple[date, list[ProgrammeItem]]]:
        """Every event day (and any day an item falls on outside them), with its items."""
        by_day: dict[date, list[ProgrammeItem]] = {day: [] for day in event_days(self.event)}
        for item in self.items:
            by_day.setdefault(self.local(item.starts_at).date(), []).append(item)
        return sorted(by_day.items())

    def item(self, item_id: int) -> ProgrammeItem | None:
        return next((i for i in self.items if i.id == item_id), None)

    def title(self, item: ProgrammeItem, language: str | None = None) -> str:
        return title_of(item.titles, self.event.language_list, language)

    def description(self, item: ProgrammeItem, language: str | None = None) -> str:
        return title_of(item.descriptions, self.event.language_list, language)

    def clashes(self) -> list["Clash"]:
        return find_clashes(self.event, self.items)


def draft_programme(db: Session, event: Event) -> Programme:
    return Programme.from_snapshot(event, draft_snapshot(db, event))


def published_programme(db: Session, event: Event) -> Programme | None:
    latest = latest_release(db, event)
    if latest is None:
        return None
    return Programme.from_snapshot(event, latest.snapshot, number=latest.number)


# Clashes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clash:
    """A warning, never a refusal: `kind` is "room" (two items in one room at once),
    "plenary" (an item overlapping a plenary item) or "outside" (outside the event's dates)."""

    kind: str
    item_ids: tuple[int, ...]


def _overlap(a: ProgrammeItem, b: ProgrammeItem) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def find_clashes(event: Event, items: Iterable[ProgrammeItem]) -> list[Clash]:
    """Every clash among the items; sorted by time, so a sweep finds overlaps in O(n log n)
    plus the overlaps themselves."""
    ordered = sorted(items, key=lambda i: (i.starts_at, i.id))
    clashes: list[Clash] = []
    for item in ordered:
        if not is_within_dates(event, item.starts_at):
            clashes.append(Clash("outside", (item.id,)))
    active: list[ProgrammeItem] = []
    for item in ordered:
        active = [other for other in active if other.ends_at > item.starts_at]
        for other in active:
            if not _overlap(other, item):
                continue
            if other.is_plenary or item.is_plenary:
                clashes.append(Clash("plenary", (other.id, item.id)))
            elif other.room.id == item.room.id:
                clashes.append(Clash("room", (other.id, item.id)))
        active.append(item)
    return clashes


def clashes_by_item(clashes: list[Clash]) -> dict[int, list[Clash]]:
    found: dict[int, list[Clash]] = {}
    for clash in clashes:
        for item_id in clash.item_ids:
            found.setdefault(item_id, []).append(clash)
    return found
