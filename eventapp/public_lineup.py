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
from eventapp.i18n import _, ngettext
from eventapp.models import (
    AppearanceRole,
    AppearanceStatus,
    Event,
    LineupOrder,
    Person,
    Speaker,
    Upload,
)
from eventapp.people import NameStyle, name_for


def role_label(role: AppearanceRole | str, count: int = 1) -> str:
    """The role's name in the interface language, plural when `count` people share it."""
    role = AppearanceRole(role)
    if role == AppearanceRole.CHAIR:
        return ngettext("Chair", "Chairs", count)
    if role == AppearanceRole.MODERATOR:
        return ngettext("Moderator", "Moderators", count)
    if role == AppearanceRole.KEYNOTE:
        return ngettext("Keynote speaker", "Keynote speakers", count)
    if role == AppearanceRole.PANELLIST:
        return ngettext("Panellist", "Panellists", count)
    if role == AppearanceRole.DISCUSSANT:
        return ngettext("Discussant", "Discussants", count)
    if role == AppearanceRole.RAPPORTEUR:
        return ngettext("Session rapporteur", "Session rapporteurs", count)
    return ngettext("Speaker", "Speakers", count)


@dataclass
class OnStage:
    """One person in an item's public line-up."""

    person: Person
    speaker: Speaker
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


def public_lineups(db: Session, event: Event, item_ids: Iterable[int]) -> dict[int, list[OnStage]]:
    """{item id: [OnStage, ...]} for those items (the latest release's), in each item's order;
    items without anyone public are left out. One query, however many items."""
    wanted = set(item_ids)
    found: dict[int, list[OnStage]] = {}
    for item_id, entries in people.lineups(db, event).items():
        if item_id not in wanted:
            continue
        shown = [
            OnStage(
                entry.person,
                entry.speaker,
                AppearanceRole(entry.appearance.role),
                entry.appearance.status == AppearanceStatus.CONFIRMED,
                name_for(entry.person, NameStyle.AGENDA),
            )
            for entry in entries
            if people.is_public(entry.appearance, event)
        ]
        if shown:
            found[item_id] = shown
    return found


# The speakers -----------------------------------------------------------------------------------


@dataclass
class Photo:
    key: str
    width: int
    height: int


@dataclass
class PublicSpeaker:
    person: Person
    speaker: Speaker
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
