"""People on a programme: a team's book of people, each event's line-up, and appearances on
agenda items (rules: no FastAPI here).

    Team --< Person                 one book per organiser team, reused by its events
    Event --< Speaker >-- Person    on this event's line-up: precedence, the secret link
    AgendaItem --< Appearance >-- Person    role, order, status

An appearance's status, set by the speaker through their link or by an organiser:

    invited --confirm--> confirmed --withdraw--> withdrawn
       |                     ^
       +--decline--> declined (may confirm later)

Names are kept in parts; `name_for` writes them for each place (card, agenda, badge, formal
listing, sorting), and every page and export goes through it.
"""

import enum
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from eventapp import activity, events, security, team
from eventapp.events import StaleEdit
from eventapp.i18n import gettext as _
from eventapp.i18n import ngettext
from eventapp.models import (
    AgendaItem,
    Appearance,
    AppearanceRole,
    AppearanceStatus,
    Event,
    NameOrder,
    Person,
    Speaker,
    User,
    utcnow,
)

HONORIFICS = ("H.E.", "Hon.", "Amb.", "Prof.", "Dr.", "Mr.", "Mrs.", "Ms.", "Mx.")
BIO_MAX = 10_000
SEARCH_LIMIT = 20
DEFAULT_PRECEDENCE = 100


class NameStyle(enum.StrEnum):
    CARD = "card"  # H.E. Mr. Russ Jalichandra, PhD
    AGENDA = "agenda"  # H.E. Mr. Russ Jalichandra
    BADGE = "badge"  # Russ Jalichandra (the honorific is printed on its own line)
    FORMAL = "formal"  # H.E. Mr. Russ Jalichandra, Vice Minister for Foreign Affairs, Ministry ...
    SORT = "sort"  # jalichandra russ


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


def status_labels() -> dict[str, str]:
    """Each appearance status's name in the interface language."""
    return {
        AppearanceStatus.INVITED: _("Invited"),
        AppearanceStatus.CONFIRMED: _("Confirmed"),
        AppearanceStatus.DECLINED: _("Declined"),
        AppearanceStatus.WITHDRAWN: _("Withdrawn"),
    }


# Names ---------------------------------------------------------------------------------------


def full_name(person: Person) -> str:
    """The name without honorific or post-nominals: the display name when set, else the given
    and family names in the person's order."""
    if person.display_name.strip():
        return " ".join(person.display_name.split())
    parts = [person.given_name, person.family_name]
    if person.name_order == NameOrder.FAMILY_FIRST:
        parts.reverse()
    return " ".join(" ".join(part.split()) for part in parts if part.strip())


def name_for(person: Person, style: NameStyle | str) -> str:
    """The person's name as `style` wants it (see NameStyle)."""
    style = NameStyle(style)
    name = full_name(person)
    honorific = " ".join(person.honorific.split())
    if style == NameStyle.SORT:
        return sort_key(person)
    if style == NameStyle.BADGE:
        return name
    titled = f"{honorific} {name}".strip()
    if style == NameStyle.AGENDA:
        return titled
    post_nominals = " ".join(person.post_nominals.split())
    carded = f"{titled}, {post_nominals}" if post_nominals else titled
    if style == NameStyle.CARD:
        return carded
    details = [" ".join(text.split()) for text in (person.position, person.organisation)]
    return ", ".join([carded, *[text for text in details if text]])


def sort_key(person: Person) -> str:
    """Family name first, accents folded, case ignored: 'jalichandra russ'."""
    if person.display_name.strip() and not person.family_name.strip():
        words = person.display_name
    else:
        words = f"{person.family_name} {person.given_name}"
    folded = unicodedata.normalize("NFKD", " ".join(words.split())).casefold()
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


# The book of people ---------------------------------------------------------------------------


class DuplicateEmail(Exception):
    """Another person of the team has this email; `person` is that one."""

    def __init__(self, person: Person) -> None:
        super().__init__(person.email)
        self.person = person


@dataclass
class PersonDetails:
    """What the person form sets (the photo has its own form)."""

    honorific: str = ""
    given_name: str = ""
    family_name: str = ""
    name_order: NameOrder = NameOrder.GIVEN_FIRST
    display_name: str = ""
    post_nominals: str = ""
    position: str = ""
    organisation: str = ""
    country: str = ""
    website: str = ""
    bios: dict[str, str] = field(default_factory=dict)
    email: str = ""
    phone: str = ""


PERSON_FIELDS = list(PersonDetails.__dataclass_fields__)
PUBLIC_PROFILE_FIELDS = ["position", "organisation", "bios"]  # what a speaker may correct


class InvalidEmail(ValueError):
    """Not an email address (mail to it could never be sent)."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _checked_email(email: str) -> str:
    email = normalise_email(email)
    if email and not team.is_valid_email(email):
        raise InvalidEmail(email)
    return email


def details_of(person: Person) -> PersonDetails:
    return PersonDetails(**{name: getattr(person, name) for name in PERSON_FIELDS})


def person_in(db: Session, event: Event, person_id: int) -> Person | None:
    """A person of the event's team, or None (another team's person is not found)."""
    person = db.get(Person, person_id)
    return person if person is not None and person.team_id == event.team_id else None


def person_by_email(db: Session, team_id: int, email: str) -> Person | None:
    email = normalise_email(email)
    if not email:
        return None
    return db.scalar(select(Person).where(Person.team_id == team_id, Person.email == email))


def _clean(details: PersonDetails) -> dict[str, Any]:
    values = {name: getattr(details, name) for name in PERSON_FIELDS}
    for name, value in values.items():
        if isinstance(value, str) and name != "bios":
            values[name] = " ".join(value.split())
    values["email"] = _checked_email(details.email)
    values["bios"] = {
        code: text.replace("\r\n", "\n").strip() for code, text in details.bios.items() if text
    }
    values["name_order"] = NameOrder(details.name_order)
    return values


def add_person(db: Session, event: Event, *, actor: User, details: PersonDetails) -> Person:
    """A new person in the event's team's book; DuplicateEmail when the team has the email,
    InvalidEmail when it is not one."""
    values = _clean(details)
    existing = person_by_email(db, event.team_id, values["email"])
    if existing is not None:
        raise DuplicateEmail(existing)
    person = Person(team_id=event.team_id, **values)
    db.add(person)
    db.flush()
    activity.record(
        db,
        actor=actor,
        action="person.add",
        event_id=event.id,
        obj=person,
        summary=name_for(person, NameStyle.CARD),
    )
    return person


def update_person(
    db: Session,
    event: Event,
    person: Person,
    *,
    actor: User | None,
    details: PersonDetails,
    expected_version: int,
    action: str = "person.update",
) -> dict[str, list[Any]]:
    """Save a person (StaleEdit when someone saved since `expected_version`); returns what
    changed. Private fields are logged as changed, never with their values."""
    db.refresh(person, with_for_update=True)
    if person.version != expected_version:
        raise StaleEdit(person)
    values = _clean(details)
    if values["email"] and values["email"] != person.email:
        existing = person_by_email(db, person.team_id, values["email"])
        if existing is not None and existing.id != person.id:
            raise DuplicateEmail(existing)
    before = activity.snapshot(person, PERSON_FIELDS)
    changes = activity.diff(before, values)
    if not changes:
        return {}
    for name, value in values.items():
        setattr(person, name, value)
    person.version += 1
    person.updated_at = utcnow()
    _touch_events_of(db, person)
    for private in ("email", "phone"):
        if private in changes:
            changes[private] = ["…", "…"]
    activity.record(
        db,
        actor=actor,
        action=action,
        event_id=event.id,
        obj=person,
        summary=name_for(person, NameStyle.CARD),
        changes=changes,
    )
    db.flush()
    return changes


def set_photo(
    db: Session, event: Event, person: Person, *, actor: User | None, photo_id: int | None,
    thumbnail_id: int | None,
) -> None:  # fmt: skip
    # No new version: an edit form open meanwhile holds nothing the photo changes.
    person.photo_id, person.thumbnail_id = photo_id, thumbnail_id
    person.updated_at = utcnow()
    _touch_events_of(db, person)
    activity.record(
        db,
        actor=actor,
        action="person.photo" if photo_id else "person.photo_removed",
        event_id=event.id,
        obj=person,
        summary=name_for(person, NameStyle.CARD),
    )
    db.flush()


def search(db: Session, event: Event, text: str, *, limit: int = SEARCH_LIMIT) -> list[Person]:
    """The team's people whose name, organisation or email contains every word of `text`."""
    query = select(Person).where(Person.team_id == event.team_id)
    for word in text.split()[:5]:
        like = f"%{_escape_like(word.casefold())}%"
        query = query.where(
            or_(
                *[
                    func.lower(column).like(like, escape="\\")
                    for column in (
                        Person.given_name,
                        Person.family_name,
                        Person.display_name,
                        Person.organisation,
                        Person.email,
                    )
                ]
            )
        )
    query = query.order_by(func.lower(Person.family_name), func.lower(Person.given_name))
    return sorted(db.scalars(query.limit(limit)), key=sort_key)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def people_of(db: Session, event: Event) -> list[Person]:
    """The team's whole book, by family name."""
    people = db.scalars(select(Person).where(Person.team_id == event.team_id))
    return sorted(people, key=sort_key)


def _touch_events_of(db: Session, person: Person) -> None:
    """A person's change shows at once on the public pages of every event they are on."""
    for event in db.scalars(
        select(Event)
        .join(Speaker, Speaker.event_id == Event.id)
        .where(Speaker.person_id == person.id)
    ):
        events.touch(event)


# The event's line-up ---------------------------------------------------------------------------


def speaker_of(db: Session, event: Event, person: Person) -> Speaker | None:
    return db.scalar(
        select(Speaker).where(Speaker.event_id == event.id, Speaker.person_id == person.id)
    )


def ensure_speaker(db: Session, event: Event, person: Person) -> Speaker:
    """The person's place on this event's line-up, made on their first appearance."""
    speaker = speaker_of(db, event, person)
    if speaker is None:
        speaker = Speaker(event_id=event.id, person_id=person.id, precedence=DEFAULT_PRECEDENCE)
        db.add(speaker)
        db.flush()
    return speaker


def set_precedence(
    db: Session,
    event: Event,
    speaker: Speaker,
    *,
    actor: User,
    precedence: int,
    expected_version: int | None = None,
) -> None:
    """The protocol rank on this event (lower first); appearances follow it unless reordered.
    StaleEdit when `expected_version` is given and someone changed the speaker since."""
    if expected_version is not None:
        db.refresh(speaker, with_for_update=True)
        if speaker.version != expected_version:
            raise StaleEdit(speaker)
    if speaker.precedence == precedence:
        return
    before = speaker.precedence
    speaker.precedence = precedence
    speaker.version += 1
    events.touch(event)
    activity.record(
        db,
        actor=actor,
        action="speaker.precedence",
        event_id=event.id,
        obj=speaker,
        changes={"precedence": [before, precedence]},
    )
    db.flush()


@dataclass
class LineupEntry:
    appearance: Appearance
    person: Person
    speaker: Speaker


def lineups(db: Session, event: Event, item_ids: list[int] | None = None) -> dict[int, list]:
    """{item id: [LineupEntry, ...]} in each item's order, for the event (or those items), in
    one query however many items."""
    query = (
        select(Appearance, Person, Speaker)
        .join(Person, Person.id == Appearance.person_id)
        .join(
            Speaker,
            (Speaker.person_id == Appearance.person_id) & (Speaker.event_id == Appearance.event_id),
        )
        .where(Appearance.event_id == event.id)
        .order_by(Appearance.item_id, Appearance.position, Appearance.id)
    )
    if item_ids is not None:
        query = query.where(Appearance.item_id.in_(item_ids))
    found: dict[int, list[LineupEntry]] = {}
    for appearance, person, speaker in db.execute(query):
        found.setdefault(appearance.item_id, []).append(LineupEntry(appearance, person, speaker))
    return found


def is_public(appearance: Appearance, event: Event) -> bool:
    """Confirmed people show publicly; invited ones too when the organisers show "to be
    confirmed"."""
    if appearance.status == AppearanceStatus.CONFIRMED:
        return True
    return event.show_unconfirmed and appearance.status == AppearanceStatus.INVITED


class AlreadyOnItem(Exception):
    """The person already appears on this item."""


def appearance_in(db: Session, event: Event, appearance_id: int) -> Appearance | None:
    appearance = db.get(Appearance, appearance_id)
    return appearance if appearance is not None and appearance.event_id == event.id else None


def add_appearance(
    db: Session,
    event: Event,
    item: AgendaItem,
    person: Person,
    *,
    actor: User,
    role: AppearanceRole,
    status: AppearanceStatus = AppearanceStatus.INVITED,
) -> Appearance:
    """Put a person on an item, placed by protocol precedence among the item's people."""
    on_item = select(Appearance.id).where(
        Appearance.item_id == item.id, Appearance.person_id == person.id
    )
    if db.scalar(on_item) is not None:
        raise AlreadyOnItem()
    speaker = ensure_speaker(db, event, person)
    entries = lineups(db, event, [item.id]).get(item.id, [])
    position = sum(
        1 for entry in entries if entry.speaker.precedence <= speaker.precedence
    )  # after everyone of the same rank or higher
    for entry in entries[position:]:
        entry.appearance.position += 1
    appearance = Appearance(
        event_id=event.id,
        item_id=item.id,
        person_id=person.id,
        role=AppearanceRole(role),
        status=AppearanceStatus(status),
        position=position,
    )
    db.add(appearance)
    db.flush()
    _renumber(db, item)
    events.touch(event)
    activity.record(
        db,
        actor=actor,
        action="appearance.add",
        event_id=event.id,
        obj=appearance,
        summary=f"{name_for(person, NameStyle.AGENDA)}: {appearance.role}",
    )
    return appearance


def update_appearance(
    db: Session,
    event: Event,
    appearance: Appearance,
    *,
    actor: User | None,
    role: AppearanceRole | None = None,
    status: AppearanceStatus | None = None,
    expected_version: int | None = None,
) -> dict[str, list[Any]]:
    db.refresh(appearance, with_for_update=True)
    if expected_version is not None and appearance.version != expected_version:
        raise StaleEdit(appearance)
    changes: dict[str, list[Any]] = {}
    if role is not None and role != appearance.role:
        changes["role"] = [str(appearance.role), str(role)]
        appearance.role = AppearanceRole(role)
    if status is not None and status != appearance.status:
        changes["status"] = [str(appearance.status), str(status)]
        appearance.status = AppearanceStatus(status)
        appearance.responded_at = utcnow()
    if not changes:
        return {}
    appearance.version += 1
    events.touch(event)
    person = db.get(Person, appearance.person_id)
    activity.record(
        db,
        actor=actor,
        action="appearance.update",
        event_id=event.id,
        obj=appearance,
        summary=name_for(person, NameStyle.AGENDA) if person else "",
        changes=changes,
    )
    db.flush()
    return changes


def move_appearance(
    db: Session, event: Event, appearance: Appearance, *, actor: User, offset: int
) -> bool:
    """One place up (-1) or down (+1) in the item's line-up; False at either end."""
    item_id = appearance.item_id
    ordered = list(
        db.scalars(
            select(Appearance)
            .where(Appearance.item_id == item_id)
            .order_by(Appearance.position, Appearance.id)
            .with_for_update()
        )
    )
    index = next(i for i, each in enumerate(ordered) if each.id == appearance.id)
    target = index + offset
    if not 0 <= target < len(ordered):
        return False
    ordered[index], ordered[target] = ordered[target], ordered[index]
    _place(ordered)
    events.touch(event)
    activity.record(db, actor=actor, action="appearance.move", event_id=event.id, obj=appearance)
    db.flush()
    return True


def reorder(
    db: Session, event: Event, item: AgendaItem, *, actor: User, appearance_ids: list[int]
) -> None:
    """The item's line-up in the order given (dragging); ids not on the item are ignored and
    the item's others keep their order after the ones given."""
    ordered = list(
        db.scalars(
            select(Appearance)
            .where(Appearance.item_id == item.id)
            .order_by(Appearance.position, Appearance.id)
            .with_for_update()
        )
    )
    rank = {appearance_id: n for n, appearance_id in enumerate(appearance_ids)}
    ordered.sort(key=lambda each: rank.get(each.id, len(rank) + each.position))
    _place(ordered)
    events.touch(event)
    activity.record(db, actor=actor, action="appearance.reorder", event_id=event.id, obj=item)
    db.flush()


def remove_appearance(db: Session, event: Event, appearance: Appearance, *, actor: User) -> None:
    person = db.get(Person, appearance.person_id)
    item = db.get(AgendaItem, appearance.item_id)
    db.delete(appearance)
    db.flush()
    if item is not None:
        _renumber(db, item)
    events.touch(event)
    activity.record(
        db,
        actor=actor,
        action="appearance.remove",
        event_id=event.id,
        summary=name_for(person, NameStyle.AGENDA) if person else "",
    )


def _renumber(db: Session, item: AgendaItem) -> None:
    _place(
        list(
            db.scalars(
                select(Appearance)
                .where(Appearance.item_id == item.id)
                .order_by(Appearance.position, Appearance.id)
            )
        )
    )


def _place(ordered: list[Appearance]) -> None:
    for position, appearance in enumerate(ordered):
        if appearance.position != position:
            appearance.position = position
            appearance.version += 1


# A person in two places at once ----------------------------------------------------------------


def double_bookings(db: Session, event: Event) -> list[tuple[int, list[int]]]:
    """[(person id, [item ids])]: people on two items that overlap in time (declined and
    withdrawn appearances do not count)."""
    rows = db.execute(
        select(Appearance.person_id, AgendaItem.id, AgendaItem.starts_at, AgendaItem.ends_at)
        .join(AgendaItem, AgendaItem.id == Appearance.item_id)
        .where(
            Appearance.event_id == event.id,
            Appearance.status.in_([AppearanceStatus.INVITED, AppearanceStatus.CONFIRMED]),
        )
        .order_by(Appearance.person_id, AgendaItem.starts_at)
    ).all()
    by_person: dict[int, list[tuple[int, datetime, datetime]]] = {}
    for person_id, item_id, starts_at, ends_at in rows:
        by_person.setdefault(person_id, []).append((item_id, starts_at, ends_at))
    found = []
    for person_id, slots in by_person.items():
        for n, (item_id, _starts, ends) in enumerate(slots):
            for other_id, other_starts, _other_ends in slots[n + 1 :]:
                if other_starts >= ends:
                    break
                found.append((person_id, [item_id, other_id]))
    return found


# The speaker's own page: invitations and the secret link ---------------------------------------
#
# The link's token is not stored: it is an HMAC of a random nonce kept on the Speaker row, under
# the app's secret key, so a reminder can carry the same link again while a copy of the
# database alone gives nobody a working link. The row keeps the token's hash for the lookup.


class NoEmail(Exception):
    """The person has no email address to invite."""


def _link_token(nonce: str) -> str:
    import base64
    import hashlib
    import hmac

    from eventapp.config import get_settings

    key = get_settings().resolved_secret_key().encode()
    digest = hmac.new(key, f"speaker-link:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def link_token(speaker: Speaker) -> str | None:
    """The token of the speaker's current link, or None when they have none (never invited, or
    revoked)."""
    return _link_token(speaker.link_nonce) if speaker.link_nonce else None


def speaker_by_token(db: Session, token: str) -> Speaker | None:
    """The speaker whose current link carries `token`, or None (unknown, altered, revoked).
    The lookup is by the token's hash, so its timing tells nothing about the token."""
    if not 20 <= len(token) <= 100:
        return None
    return db.scalar(select(Speaker).where(Speaker.token_hash == security.token_hash(token)))


def invite(db: Session, event: Event, person: Person, *, actor: User) -> Speaker:
    """Mail the person a link to their own page (a new link when they had none; the same one
    again when they had). Queued in the caller's transaction."""
    if not person.email:
        raise NoEmail()
    speaker = ensure_speaker(db, event, person)
    if speaker.link_nonce is None:
        speaker.link_nonce = security.new_token()[:32]
        speaker.token_hash = security.token_hash(_link_token(speaker.link_nonce))
    speaker.invited_at = utcnow()
    speaker.reminded_at = None
    speaker.version += 1
    _queue_speaker_mail(db, event, person, speaker, template="speaker_invitation")
    activity.record(
        db,
        actor=actor,
        action="speaker.invite",
        event_id=event.id,
        obj=speaker,
        summary=name_for(person, NameStyle.AGENDA),
    )
    db.flush()
    return speaker


def revoke_link(db: Session, event: Event, speaker: Speaker, *, actor: User) -> None:
    """The link stops working at once; inviting again makes a new one."""
    speaker.link_nonce = None
    speaker.token_hash = None
    speaker.version += 1
    person = db.get(Person, speaker.person_id)
    activity.record(
        db,
        actor=actor,
        action="speaker.revoke",
        event_id=event.id,
        obj=speaker,
        summary=name_for(person, NameStyle.AGENDA) if person else "",
    )
    db.flush()


def link_url(speaker: Speaker) -> str | None:
    from eventapp.config import get_settings

    token = link_token(speaker)
    return f"{get_settings().base_url}/speaker/{token}" if token else None


def appearances_of(db: Session, speaker: Speaker) -> list[tuple[Appearance, AgendaItem]]:
    """The speaker's appearances on their event, in time order."""
    return list(
        db.execute(
            select(Appearance, AgendaItem)
            .join(AgendaItem, AgendaItem.id == Appearance.item_id)
            .where(
                Appearance.event_id == speaker.event_id,
                Appearance.person_id == speaker.person_id,
            )
            .order_by(AgendaItem.starts_at, AgendaItem.id)
        ).all()
    )


def _queue_speaker_mail(
    db: Session, event: Event, person: Person, speaker: Speaker, *, template: str
) -> None:
    from eventapp import mail

    mail.queue(
        db,
        to=person.email,
        template=template,
        context={
            "event": event,
            "name": name_for(person, NameStyle.AGENDA),
            "link": link_url(speaker),
            "sessions": appearances_of(db, speaker),
        },
        language=event.language_list[0] if event.language_list else None,
        event_id=event.id,
    )


def respond(
    db: Session, event: Event, speaker: Speaker, appearance: Appearance, *, status: AppearanceStatus
) -> dict[str, list[Any]]:
    """The speaker confirms or declines one appearance through their link (a declined one may
    still be confirmed; a withdrawn one is the organisers' to change: AnswerRefused)."""
    if appearance.person_id != speaker.person_id or appearance.event_id != speaker.event_id:
        raise LookupError("not this speaker's appearance")
    if status not in (AppearanceStatus.CONFIRMED, AppearanceStatus.DECLINED):
        raise AnswerRefused()
    db.refresh(appearance, with_for_update=True)
    if appearance.status == AppearanceStatus.WITHDRAWN:
        raise AnswerRefused()
    return update_appearance(db, event, appearance, actor=None, status=status)


class AnswerRefused(Exception):
    """A speaker may only confirm or decline, and not an appearance that was withdrawn."""


def update_own_profile(
    db: Session,
    event: Event,
    person: Person,
    *,
    position: str,
    organisation: str,
    bios: dict[str, str],
    expected_version: int,
) -> dict[str, list[Any]]:
    """What a speaker may correct about themselves; the organisers read it in the activity log
    (action "person.self_update")."""
    details = details_of(person)
    details.position, details.organisation = position, organisation
    details.bios = {**person.bios, **bios}
    return update_person(
        db,
        event,
        person,
        actor=None,
        details=details,
        expected_version=expected_version,
        action="person.self_update",
    )


def due_reminders(db: Session, *, now: datetime | None = None, limit: int = 50) -> list[Speaker]:
    """Speakers invited at least their event's `reminder_days` ago, not reminded yet, with an
    appearance still awaiting their answer, on an event that has not ended."""
    from datetime import timedelta

    now = now or utcnow()
    rows = db.execute(
        select(Speaker, Event)
        .join(Event, Event.id == Speaker.event_id)
        .where(
            Speaker.token_hash.is_not(None),
            Speaker.invited_at.is_not(None),
            Speaker.reminded_at.is_(None),
            Event.reminder_days > 0,
            Event.ends_at > now,
        )
        .order_by(Speaker.invited_at)
    ).all()
    due = []
    for speaker, event in rows:
        if speaker.invited_at + timedelta(days=event.reminder_days) > now:
            continue
        if awaits_answer(db, speaker):
            due.append(speaker)
        if len(due) >= limit:
            break
    return due


def awaits_answer(db: Session, speaker: Speaker) -> bool:
    """Whether one of the speaker's appearances still waits for their yes or no."""
    waiting = db.scalar(
        select(func.count())
        .select_from(Appearance)
        .where(
            Appearance.event_id == speaker.event_id,
            Appearance.person_id == speaker.person_id,
            Appearance.status == AppearanceStatus.INVITED,
        )
    )
    return bool(waiting)


def send_reminder(db: Session, speaker: Speaker) -> None:
    """Queue the reminder (the same link as the invitation) and note it, so it goes once."""
    event = db.get(Event, speaker.event_id)
    person = db.get(Person, speaker.person_id)
    speaker.reminded_at = utcnow()
    speaker.version += 1
    if person is not None and person.email and event is not None:
        _queue_speaker_mail(db, event, person, speaker, template="speaker_reminder")
        activity.record(
            db,
            actor=None,
            action="speaker.remind",
            event_id=event.id,
            obj=speaker,
            summary=name_for(person, NameStyle.AGENDA),
        )
    db.flush()
