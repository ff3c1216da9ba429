"""Events and their co-hosts (rules: no FastAPI here).

Event status, changed only by its own buttons (never by the edit form, so a status change does
not make someone's open edit form stale):

    draft --publish--> published --cancel--> cancelled
      ^-----unpublish-----'  ^-----publish-----'  |
      ^----------------unpublish------------------'

Co-hosts: each EventHost points at an Organisation of its own. Editing a co-host that another
event also points at (the demo or an import could share one) first copies it, so editing one
event's co-host never changes another event.
"""

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import available_timezones

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session

from eventapp import activity
from eventapp.models import (
    ActivityLog,
    Event,
    EventHost,
    EventStatus,
    LineupOrder,
    Membership,
    Organisation,
    Role,
    Team,
    Upload,
    User,
    Visibility,
    utcnow,
)

SLUG_MAX = 100
EVENT_FIELDS = [
    "title",
    "slug",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "venue_name",
    "venue_address",
    "languages",
    "visibility",
]
HOST_FIELDS = ["name", "short_name", "website", "logo_id"]
# Languages an event may be held in: the working languages of the co-hosts this app is built
# for, and the EU's and ASEAN's most used ones. Names come from Babel, in each language's own.
LANGUAGE_CHOICES = [
    "en", "th", "fr", "de", "es", "it", "pt", "nl", "pl", "sv", "fi", "da", "el", "cs",
    "zh", "ja", "ko", "id", "ms", "vi", "km", "lo", "my", "fil", "hi", "ar", "ru",
]  # fmt: skip


class StaleEdit(Exception):
    """Someone saved the row since the form was opened; `current` is their version."""

    def __init__(self, current: object) -> None:
        super().__init__("stale edit")
        self.current = current


class SlugTaken(Exception):
    pass


class StatusChangeRefused(Exception):
    """The event cannot go to that status from where it is (or lacks what it needs)."""


class NeedsCoHost(StatusChangeRefused):
    """An event is published with at least one co-host."""


class LastCoHost(Exception):
    """A public event keeps at least one co-host."""


# Slugs ---------------------------------------------------------------------------------------

_LATIN_EXTRAS = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe", "Œ": "oe", "đ": "d",
     "Đ": "d", "ł": "l", "Ł": "l", "þ": "th", "Þ": "th", "ð": "d", "ı": "i"}
)  # fmt: skip


def slugify(text: str, *, max_length: int = SLUG_MAX) -> str:
    """A readable slug: 'Séminaire à Bangkok' -> 'seminaire-a-bangkok'; Thai stays Thai
    ('สัมมนา ไทย 2025' -> 'สัมมนา-ไทย-2025'), vowel and tone marks kept.

    Accents come off Latin letters only (NFKD, then the combining marks that follow an ASCII
    letter are dropped); in scripts such as Thai the marks are part of the letter and stay.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_LATIN_EXTRAS))
    kept: list[str] = []
    base_is_ascii = False
    for char in decomposed:
        category = unicodedata.category(char)
        if category.startswith("M"):
            if not base_is_ascii and kept and kept[-1] != "-":
                kept.append(char)
            continue
        base_is_ascii = char.isascii()
        if category[0] in "LN":
            kept.append(char.lower())
        elif kept and kept[-1] != "-":
            kept.append("-")
    slug = unicodedata.normalize("NFC", "".join(kept)).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[max_length // 2 :] else cut
        slug = slug.strip("-")
    return slug


def slug_is_taken(db: Session, slug: str, *, except_id: int | None = None) -> bool:
    query = select(Event.id).where(Event.slug == slug)
    if except_id is not None:
        query = query.where(Event.id != except_id)
    return db.scalar(query.limit(1)) is not None


def free_slug(db: Session, base: str, *, except_id: int | None = None) -> str:
    """`base`, or `base-2`, `base-3`... whichever is free first."""
    base = base or "event"
    taken = set(
        db.scalars(
            select(Event.slug).where(
                Event.slug.like(base + "%"),  # slugs hold no LIKE wildcards
                Event.id != (except_id or 0),
            )
        )
    )
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        number += 1


# Events --------------------------------------------------------------------------------------


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


@dataclass
class EventDetails:
    """What the edit form sets (times already in UTC). An empty slug means: from the title."""

    title: str
    slug: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue_name: str
    venue_address: str
    languages: list[str]
    visibility: Visibility


def _apply(db: Session, event: Event, details: EventDetails) -> None:
    if details.slug:
        if slug_is_taken(db, details.slug, except_id=event.id):
            raise SlugTaken(details.slug)
        event.slug = details.slug
    else:
        event.slug = free_slug(db, slugify(details.title), except_id=event.id)
    event.title = details.title
    event.description = details.description
    event.starts_at = details.starts_at
    event.ends_at = details.ends_at
    event.timezone = details.timezone
    event.venue_name = details.venue_name
    event.venue_address = details.venue_address
    event.languages = ",".join(details.languages)
    event.visibility = details.visibility


def _flush_slug(db: Session, event: Event) -> None:
    """Flush; two requests racing for one slug meet the unique index, and the loser hears
    SlugTaken rather than a server error."""
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        raise SlugTaken(event.slug) from None


# Teams: the events of one organiser team share a book of people (people.py) -----------------


def teams_of(db: Session, user: User) -> list[Team]:
    """The teams whose events `user` organises (owner or organiser), most recent event first."""
    rows = db.execute(
        select(Team, func.max(Event.id))
        .join(Event, Event.team_id == Team.id)
        .join(Membership, Membership.event_id == Event.id)
        .where(Membership.user_id == user.id, Membership.role.in_([Role.OWNER, Role.ORGANISER]))
        .group_by(Team.id)
        .order_by(func.max(Event.id).desc())
    ).all()
    return [team for team, _latest in rows]


def team_for_new_event(db: Session, user: User, team_id: int | None = None) -> Team:
    """The team a new event of `user` joins: the one they chose among theirs, else the team of
    their latest event, else a new team of their own."""
    teams = teams_of(db, user)
    chosen = next((team for team in teams if team.id == team_id), None)
    if chosen is not None:
        return chosen
    if teams:
        return teams[0]
    team = Team(name=user.name or user.email)
    db.add(team)
    db.flush()
    return team


def create_event(
    db: Session, *, actor: User, details: EventDetails, team_id: int | None = None
) -> Event:
    """A draft event with `actor` as its owner, in the team `team_id` (one of the actor's) or
    else their latest event's team (see `team_for_new_event`)."""
    team = team_for_new_event(db, actor, team_id)
    event = Event(
        slug="", title="", starts_at=details.starts_at, ends_at=details.ends_at, team_id=team.id
    )
    _apply(db, event, details)
    db.add(event)
    _flush_slug(db, event)
    db.add(Membership(event_id=event.id, user_id=actor.id, role=Role.OWNER))
    activity.record(
        db,
        actor=actor,
        action="event.create",
        event_id=event.id,
        obj=event,
        summary=event.title,
        changes=activity.diff({}, activity.snapshot(event, EVENT_FIELDS)),
    )
    db.flush()
    return event


def update_event(
    db: Session, event: Event, *, actor: User, details: EventDetails, expected_version: int
) -> dict[str, list]:
    """Save the form; returns the changes (empty: nothing changed and nothing was written).

    The row is locked and re-read first, so of two saves naming the same version exactly one
    wins on PostgreSQL too; the other raises StaleEdit with the winner's values.
    """
    db.refresh(event, with_for_update=True)
    if event.version != expected_version:
        raise StaleEdit(event)
    before = activity.snapshot(event, EVENT_FIELDS)
    _apply(db, event, details)
    changes = activity.diff(before, activity.snapshot(event, EVENT_FIELDS))
    if not changes:
        return {}
    event.version += 1
    event.updated_at = utcnow()
    _flush_slug(db, event)
    activity.record(
        db,
        actor=actor,
        action="event.edit",
        event_id=event.id,
        obj=event,
        summary=event.title,
        changes=changes,
    )
    db.flush()
    return changes


TRANSITIONS = {
    "publish": ({EventStatus.DRAFT, EventStatus.CANCELLED}, EventStatus.PUBLISHED),
    "unpublish": ({EventStatus.PUBLISHED, EventStatus.CANCELLED}, EventStatus.DRAFT),
    "cancel": ({EventStatus.PUBLISHED}, EventStatus.CANCELLED),
}


LINEUP_FIELDS = ["lineup_order", "show_unconfirmed", "reminder_days"]


def set_lineup_settings(
    db: Session,
    event: Event,
    *,
    actor: User,
    lineup_order: LineupOrder,
    show_unconfirmed: bool,
    reminder_days: int,
    is_new_version: bool = True,
) -> dict:
    """The line-up settings (public order, "to be confirmed" people, reminder delay); returns
    what changed. Called after `update_event` checked the version and locked the row, in its
    transaction; `is_new_version` is False when that save already raised the version."""
    values = {
        "lineup_order": LineupOrder(lineup_order),
        "show_unconfirmed": show_unconfirmed,
        "reminder_days": reminder_days,
    }
    changes = activity.diff(activity.snapshot(event, LINEUP_FIELDS), values)
    if not changes:
        return {}
    for name, value in values.items():
        setattr(event, name, value)
    if is_new_version:
        event.version += 1
    event.updated_at = utcnow()
    activity.record(
        db,
        actor=actor,
        action="event.edit",
        event_id=event.id,
        obj=event,
        summary=event.title,
        changes=changes,
    )
    db.flush()
    return changes


def allowed_transitions(event: Event) -> list[str]:
    return [name for name, (sources, _to) in TRANSITIONS.items() if event.status in sources]


def change_status(db: Session, event: Event, transition: str, *, actor: User) -> None:
    """publish, unpublish or cancel. Publishing needs at least one co-host."""
    db.refresh(event, with_for_update=True)
    sources, target = TRANSITIONS[transition]
    if event.status not in sources:
        raise StatusChangeRefused(transition)
    if target == EventStatus.PUBLISHED and not host_count(db, event):
        raise NeedsCoHost(transition)
    before = event.status
    event.status = target
    event.updated_at = utcnow()
    activity.record(
        db,
        actor=actor,
        action=f"event.{transition}",
        event_id=event.id,
        obj=event,
        summary=event.title,
        changes={"status": [str(before), str(target)]},
    )
    db.flush()


def events_for(db: Session, user: User) -> list[tuple[Event, Role | None]]:
    """The events a person works on, with their role (site administrators see every event;
    their role is None where they are not a member), latest first, in one query."""
    query = (
        select(Event, Membership.role)
        .outerjoin(Membership, and_(Membership.event_id == Event.id, Membership.user_id == user.id))
        .options(defer(Event.description))
        .order_by(Event.starts_at.desc(), Event.id.desc())
    )
    if not user.is_admin:
        query = query.where(Membership.id.is_not(None))
    return [(event, Role(role) if role else None) for event, role in db.execute(query).all()]


# Public pages --------------------------------------------------------------------------------


def public_events(db: Session, *, now: datetime | None = None) -> tuple[list[Event], list[Event]]:
    """Published (and cancelled: people need to see that), listed events: (upcoming or
    running, soonest first), (recent past, latest first)."""
    now = now or utcnow()
    base = (
        select(Event)
        .where(
            Event.status.in_([EventStatus.PUBLISHED, EventStatus.CANCELLED]),
            Event.visibility == Visibility.LISTED,
        )
        .options(defer(Event.description))
    )
    upcoming = db.scalars(base.where(Event.ends_at >= now).order_by(Event.starts_at, Event.id))
    past = db.scalars(
        base.where(Event.ends_at < now).order_by(Event.starts_at.desc(), Event.id).limit(20)
    )
    return list(upcoming.all()), list(past.all())


def event_by_slug(db: Session, slug: str) -> Event | None:
    return db.scalar(select(Event).where(Event.slug == slug))


def is_public(event: Event) -> bool:
    return event.status in (EventStatus.PUBLISHED, EventStatus.CANCELLED)


# Co-hosts ------------------------------------------------------------------------------------


@dataclass
class HostDetails:
    name: str
    short_name: str
    website: str


def hosts_of(
    db: Session, event_ids: list[int]
) -> dict[int, list[tuple[Organisation, Upload | None]]]:
    """Each event's co-hosts in their order, with logos (not their bytes), in one query for any
    number of events."""
    rows = db.execute(
        select(EventHost.event_id, Organisation, Upload)
        .join(Organisation, Organisation.id == EventHost.organisation_id)
        .outerjoin(Upload, Upload.id == Organisation.logo_id)
        .where(EventHost.event_id.in_(event_ids))
        .options(defer(Upload.data))
        .order_by(EventHost.event_id, EventHost.position, EventHost.id)
    ).all()
    hosts: dict[int, list[tuple[Organisation, Upload | None]]] = {i: [] for i in event_ids}
    for event_id, organisation, logo in rows:
        hosts[event_id].append((organisation, logo))
    return hosts


def host_rows(db: Session, event: Event) -> list[tuple[EventHost, Organisation, Upload | None]]:
    """The event's co-hosts for its organisers: the link (its id is the one in URLs), the
    organisation and its logo, in order."""
    return [
        (host, organisation, logo)
        for host, organisation, logo in db.execute(
            select(EventHost, Organisation, Upload)
            .join(Organisation, Organisation.id == EventHost.organisation_id)
            .outerjoin(Upload, Upload.id == Organisation.logo_id)
            .where(EventHost.event_id == event.id)
            .options(defer(Upload.data))
            .order_by(EventHost.position, EventHost.id)
        ).all()
    ]


def host_of(db: Session, event: Event, host_id: int) -> tuple[EventHost, Organisation] | None:
    """One of this event's co-hosts; another event's answers None."""
    row = db.execute(
        select(EventHost, Organisation)
        .join(Organisation, Organisation.id == EventHost.organisation_id)
        .where(EventHost.id == host_id, EventHost.event_id == event.id)
    ).first()
    return (row[0], row[1]) if row else None


def host_count(db: Session, event: Event) -> int:
    return db.scalar(select(func.count(EventHost.id)).where(EventHost.event_id == event.id)) or 0


def _order_summary(db: Session, event: Event) -> str:
    return " · ".join(organisation.name for _h, organisation, _l in host_rows(db, event))


def touch(event: Event) -> None:
    """Note that what the public pages show of the event changed (the public page cache keys
    on `updated_at`); unlike `version`, it leaves open edit forms alone."""
    event.updated_at = utcnow()


def add_host(
    db: Session, event: Event, *, actor: User, details: HostDetails, logo: Upload | None
) -> EventHost:
    """A new organisation, of this event only, placed last."""
    organisation = Organisation(
        name=details.name,
        short_name=details.short_name,
        website=details.website,
        logo_id=logo.id if logo else None,
    )
    db.add(organisation)
    db.flush()
    last = db.scalar(select(func.max(EventHost.position)).where(EventHost.event_id == event.id))
    host = EventHost(
        event_id=event.id,
        organisation_id=organisation.id,
        position=0 if last is None else last + 1,
    )
    db.add(host)
    db.flush()
    touch(event)
    activity.record(
        db,
        actor=actor,
        action="host.add",
        event_id=event.id,
        obj=organisation,
        summary=organisation.name,
        changes=activity.diff({}, activity.snapshot(organisation, HOST_FIELDS)),
    )
    return host


def update_host(
    db: Session,
    event: Event,
    host: EventHost,
    organisation: Organisation,
    *,
    actor: User,
    details: HostDetails,
    logo: Upload | None,
    remove_logo: bool = False,
    expected_version: int,
) -> Organisation:
    db.refresh(organisation, with_for_update=True)
    if organisation.version != expected_version:
        raise StaleEdit(organisation)
    before = activity.snapshot(organisation, HOST_FIELDS)
    shared = db.scalar(
        select(func.count(EventHost.id)).where(
            EventHost.organisation_id == organisation.id, EventHost.id != host.id
        )
    )
    if shared:
        organisation = Organisation(**before, version=organisation.version)
        db.add(organisation)
        db.flush()
        host.organisation_id = organisation.id
    organisation.name = details.name
    organisation.short_name = details.short_name
    organisation.website = details.website
    if logo is not None:
        organisation.logo_id = logo.id
    elif remove_logo:
        organisation.logo_id = None
    changes = activity.diff(before, activity.snapshot(organisation, HOST_FIELDS))
    if changes:
        organisation.version += 1
        touch(event)
        activity.record(
            db,
            actor=actor,
            action="host.edit",
            event_id=event.id,
            obj=organisation,
            summary=organisation.name,
            changes=changes,
        )
    db.flush()
    return organisation


def remove_host(db: Session, event: Event, host: EventHost, *, actor: User) -> None:
    """Take the co-host off this event; its organisation goes too unless another event has it."""
    if is_public(event) and host_count(db, event) <= 1:
        raise LastCoHost()
    organisation = db.get(Organisation, host.organisation_id)
    before = activity.snapshot(organisation, HOST_FIELDS)
    db.delete(host)
    db.flush()
    still_used = db.scalar(
        select(EventHost.id).where(EventHost.organisation_id == organisation.id).limit(1)
    )
    touch(event)
    activity.record(
        db,
        actor=actor,
        action="host.remove",
        event_id=event.id,
        obj=organisation,
        summary=organisation.name,
        changes=activity.diff(before, dict.fromkeys(HOST_FIELDS)),
    )
    if not still_used:
        db.delete(organisation)
    _renumber(db, event)
    db.flush()


def move_host(db: Session, event: Event, host: EventHost, *, actor: User, offset: int) -> bool:
    """Move a co-host `offset` places (-1 up, +1 down); False when it is already at that end."""
    links = list(
        db.scalars(
            select(EventHost)
            .where(EventHost.event_id == event.id)
            .order_by(EventHost.position, EventHost.id)
            .with_for_update()
        )
    )
    index = next(i for i, link in enumerate(links) if link.id == host.id)
    target = index + offset
    if not 0 <= target < len(links):
        return False
    before = _order_summary(db, event)
    links.insert(target, links.pop(index))
    for position, link in enumerate(links):
        link.position = position
    db.flush()
    organisation = db.get(Organisation, host.organisation_id)
    touch(event)
    activity.record(
        db,
        actor=actor,
        action="host.reorder",
        event_id=event.id,
        obj=organisation,
        summary=organisation.name,
        changes={"order": [before, _order_summary(db, event)]},
    )
    return True


def _renumber(db: Session, event: Event) -> None:
    links = db.scalars(
        select(EventHost)
        .where(EventHost.event_id == event.id)
        .order_by(EventHost.position, EventHost.id)
    )
    for position, link in enumerate(links):
        link.position = position


def logo_of(db: Session, organisation: Organisation) -> Upload | None:
    if organisation.logo_id is None:
        return None
    return db.scalar(
        select(Upload).where(Upload.id == organisation.logo_id).options(defer(Upload.data))
    )


def upload_by_key(db: Session, key: str) -> Upload | None:
    return db.scalar(select(Upload).where(Upload.key == key))


# The activity log ----------------------------------------------------------------------------


def activity_of(
    db: Session, event: Event, *, before_id: int | None = None, limit: int = 100
) -> list[tuple[ActivityLog, User | None]]:
    """The event's log, newest first, with who did each thing, in one query."""
    query = (
        select(ActivityLog, User)
        .outerjoin(User, User.id == ActivityLog.user_id)
        .where(ActivityLog.event_id == event.id)
        .order_by(ActivityLog.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(ActivityLog.id < before_id)
    return [(entry, user) for entry, user in db.execute(query).all()]
