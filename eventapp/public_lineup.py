"""The line-up as the public sees it (rules: no FastAPI here).

Line-ups are live, not part of an agenda release: the public pages and exports show, for the
items of the latest release, the appearances `people.is_public` allows, in each item's order,
read in one query for the whole event (`people.lineups`). Every change to a person or an
appearance touches the event (`events.touch`), so cached public pages follow at once.

    release items ──┐
                    ├─> {item id: [OnStage, ...]} ──> agenda, session, exports
    appearances ────┘           │
                                └─> the speakers: people with at least one of them

Email and phone never leave this module's callers: nothing here carries them to a page.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session

from eventapp import people
from eventapp.i18n import _
from eventapp.models import (
    Appearance,
    AppearanceRole,
    AppearanceStatus,
    Event,
    LineupOrder,
    Person,
    Speaker,
    Upload,
)
from eventapp.people import NameStyle, name_for, role_label


@dataclass
class OnStage:
    """One person in an item's public line-up."""

    person: "PublicPerson"
    speaker: "PublicRank"
    role: AppearanceRole
    is_confirmed: bool  # False: invited, shown as "to be confirmed"
    name: str  # name_for(person, AGENDA)


@dataclass
class RoleGroup:
    role: AppearanceRole
    people: list[OnStage]

    @property
    def label(self) -> str:
        return role_label(self.role, len(self.people))


def by_role(lineup: list[OnStage]) -> list[RoleGroup]:
    """The line-up as role groups, each where its first person stands, the order kept within:
    "Moderator: A · Panellists: B, C"."""
    groups: dict[AppearanceRole, RoleGroup] = {}
    for stage in lineup:
        groups.setdefault(stage.role, RoleGroup(stage.role, [])).people.append(stage)
    return list(groups.values())


def labelled_name(stage: OnStage) -> str:
    """The agenda name, with "(to be confirmed)" for someone who has not confirmed."""
    return stage.name if stage.is_confirmed else f"{stage.name} ({_('to be confirmed')})"


def lineup_lines(lineup: list[OnStage]) -> list[str]:
    """The line-up as plain text, a line per role: "Panellists: A, B (to be confirmed)"."""
    return [
        _("%(role)s:", role=group.label)
        + " "
        + ", ".join(labelled_name(stage) for stage in group.people)
        for group in by_role(lineup)
    ]


@dataclass(frozen=True)
class PublicPerson:
    """What the public line-up needs of a person, enough for `name_for` and the cards (never
    the email or phone). A speaker's own page reads the full Person by its id."""

    id: int
    honorific: str
    given_name: str
    family_name: str
    name_order: str
    display_name: str
    post_nominals: str
    position: str
    organisation: str
    thumbnail_id: int | None


@dataclass(frozen=True)
class PublicRank:
    """The person's place on the event's line-up (their protocol precedence)."""

    id: int
    precedence: int


_PERSON_COLUMNS = [
    Person.id,
    Person.honorific,
    Person.given_name,
    Person.family_name,
    Person.name_order,
    Person.display_name,
    Person.post_nominals,
    Person.position,
    Person.organisation,
    Person.thumbnail_id,
]


def public_lineups(db: Session, event: Event, item_ids: Iterable[int]) -> dict[int, list[OnStage]]:
    """{item id: [OnStage, ...]} for those items (the latest release's), in each item's order;
    items without anyone public are left out. One query of plain columns, however many items:
    building whole Person rows for every appearance of a large event would cost more than the
    rest of its agenda page."""
    wanted = set(item_ids)
    statuses = [AppearanceStatus.CONFIRMED]
    if event.show_unconfirmed:
        statuses.append(AppearanceStatus.INVITED)  # people.is_public, in SQL
    rows = db.execute(
        select(
            Appearance.item_id,
            Appearance.role,
            Appearance.status,
            Speaker.id,
            Speaker.precedence,
            *_PERSON_COLUMNS,
        )
        .join(Person, Person.id == Appearance.person_id)
        .join(
            Speaker,
            (Speaker.person_id == Appearance.person_id) & (Speaker.event_id == Appearance.event_id),
        )
        .where(Appearance.event_id == event.id, Appearance.status.in_(statuses))
        .order_by(Appearance.item_id, Appearance.position, Appearance.id)
    )
    found: dict[int, list[OnStage]] = {}
    people_seen: dict[int, PublicPerson] = {}
    for item_id, role, status, speaker_id, precedence, *person_fields in rows:
        if item_id not in wanted:
            continue
        person = people_seen.get(person_fields[0])
        if person is None:
            person = people_seen[person_fields[0]] = PublicPerson(*person_fields)
        found.setdefault(item_id, []).append(
            OnStage(
                person,  # type: ignore[arg-type]  (reads like a Person for name_for)
                PublicRank(speaker_id, precedence),  # type: ignore[arg-type]
                AppearanceRole(role),
                status == AppearanceStatus.CONFIRMED,
                name_for(person, NameStyle.AGENDA),  # type: ignore[arg-type]
            )
        )
    return found


# The speakers -----------------------------------------------------------------------------------


@dataclass
class Photo:
    key: str
    width: int
    height: int


@dataclass
class PublicSpeaker:
    person: PublicPerson
    speaker: PublicRank
    name: str  # name_for(person, CARD)
    item_ids: list[int] = field(default_factory=list)  # where they appear, in programme order
    thumbnail: Photo | None = None


@dataclass
class SpeakerGroup:
    heading: str | None  # grouped by organisation: its name ("" for those without one)
    speakers: list[PublicSpeaker]


def public_speakers(
    lineups: dict[int, list[OnStage]], item_order: Iterable[int]
) -> list[PublicSpeaker]:
    """Everyone with at least one public appearance, in no particular order (see `arrange`)."""
    found: dict[int, PublicSpeaker] = {}
    for item_id in item_order:
        for stage in lineups.get(item_id, []):
            entry = found.get(stage.person.id)
            if entry is None:
                entry = PublicSpeaker(
                    stage.person, stage.speaker, name_for(stage.person, NameStyle.CARD)
                )
                found[stage.person.id] = entry
            entry.item_ids.append(item_id)
    return list(found.values())


def photos(db: Session, upload_ids: Iterable[int | None]) -> dict[int, Photo]:
    """The uploads' keys and sizes (never their bytes), in one query."""
    ids = sorted({upload_id for upload_id in upload_ids if upload_id is not None})
    if not ids:
        return {}
    rows = db.execute(
        select(Upload.id, Upload.key, Upload.width, Upload.height).where(Upload.id.in_(ids))
    )
    return {row.id: Photo(row.key, row.width, row.height) for row in rows}


def protocol_key(speaker: PublicSpeaker) -> tuple[int, str, int]:
    return (speaker.speaker.precedence, people.sort_key(speaker.person), speaker.person.id)


def arrange(speakers: list[PublicSpeaker], order: LineupOrder | str) -> list[SpeakerGroup]:
    """As the organisers chose: protocol precedence (then name), family name, or grouped by
    organisation (A to Z, those without one last) in protocol order within."""
    order = LineupOrder(order)
    if not speakers:
        return []
    if order == LineupOrder.FAMILY_NAME:
        ordered = sorted(speakers, key=lambda s: (people.sort_key(s.person), s.person.id))
        return [SpeakerGroup(None, ordered)]
    ordered = sorted(speakers, key=protocol_key)
    if order == LineupOrder.PROTOCOL:
        return [SpeakerGroup(None, ordered)]
    groups: dict[str, SpeakerGroup] = {}
    for speaker in ordered:
        organisation = " ".join(speaker.person.organisation.split())
        groups.setdefault(organisation.casefold(), SpeakerGroup(organisation, [])).speakers.append(
            speaker
        )
    return [groups[key] for key in sorted(groups, key=lambda key: (key == "", key))]
