"""Every table, in one module (STYLE.md). Times are UTC; `version` guards against lost updates.

Event lifecycle:  draft --publish--> published --cancel--> cancelled
                    ^------unpublish----'   (draft and cancelled pages stay with the team)
"""

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC on both databases; always handed back aware (UTC)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _when(*, nullable: bool = False, index: bool = False, default: bool = False) -> Any:
    return Field(
        default_factory=utcnow if default else None,
        sa_type=UTCDateTime,
        nullable=nullable,
        index=index,
    )


def _text(**kwargs: Any) -> Any:
    return Field(sa_type=sa.Text, **kwargs)


class Role(enum.StrEnum):
    OWNER = "owner"
    ORGANISER = "organiser"
    REGISTRAR = "registrar"
    RAPPORTEUR = "rapporteur"
    VIEWER = "viewer"


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Visibility(enum.StrEnum):
    LISTED = "listed"
    UNLISTED = "unlisted"


class ItemKind(enum.StrEnum):
    OPENING_REMARKS = "opening_remarks"
    WELCOME = "welcome"
    KEYNOTE = "keynote"
    ADDRESS = "address"
    PANEL = "panel"
    PRESENTATION = "presentation"
    DISCUSSION = "discussion"
    BREAK = "break"
    LUNCH = "lunch"
    NETWORKING = "networking"
    CLOSING_REMARKS = "closing_remarks"
    OTHER = "other"


class MailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=200)
    is_admin: bool = False
    is_active: bool = True
    language: str | None = Field(default=None, max_length=10)
    created_at: datetime = _when(default=True)
    version: int = 1


class AuthSession(SQLModel, table=True):
    """A login. The cookie holds a random id; only its SHA-256 is stored."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = _when(default=True)
    expires_at: datetime = _when(index=True)
    ip: str = Field(default="", max_length=45)
    user_agent: str = Field(default="", max_length=300)


class RateLimitHit(SQLModel, table=True):
    """One counted attempt (a failed login, a registration) under a bucket and key."""

    __tablename__ = "rate_limit_hit"
    __table_args__ = (sa.Index("ix_rate_limit_hit_lookup", "bucket", "key", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    bucket: str = Field(max_length=40)
    key: str = Field(max_length=300)
    created_at: datetime = _when(default=True)


class PasswordReset(SQLModel, table=True):
    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = _when(default=True)
    expires_at: datetime = _when()
    used_at: datetime | None = _when(nullable=True)


class Upload(SQLModel, table=True):
    """An image after checking and re-encoding; kept in the database so every host can serve it."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    content_type: str = Field(max_length=40)
    width: int
    height: int
    size: int
    data: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = _when(default=True)


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    short_name: str = Field(default="", max_length=50)
    website: str = Field(default="", max_length=500)
    logo_id: int | None = Field(default=None, foreign_key="upload.id", ondelete="SET NULL")
    created_at: datetime = _when(default=True)
    version: int = 1


class Team(SQLModel, table=True):
    """An organiser team: the events it runs share one book of people (speakers, moderators)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    created_at: datetime = _when(default=True)


class NameOrder(enum.StrEnum):
    GIVEN_FIRST = "given_first"  # Russ Jalichandra
    FAMILY_FIRST = "family_first"  # Jalichandra Russ (as Chinese, Japanese, Korean names)


class AppearanceRole(enum.StrEnum):
    CHAIR = "chair"
    MODERATOR = "moderator"
    KEYNOTE = "keynote"
    SPEAKER = "speaker"
    PANELLIST = "panellist"
    DISCUSSANT = "discussant"
    RAPPORTEUR = "rapporteur"


class AppearanceStatus(enum.StrEnum):
    INVITED = "invited"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class LineupOrder(enum.StrEnum):
    PROTOCOL = "protocol"  # the precedence the organisers set
    FAMILY_NAME = "family_name"
    ORGANISATION = "organisation"  # grouped by organisation, protocol order within


NOTE_SECTIONS = ("summary", "key_points", "recommendations", "action_items", "quotes")


class Event(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=100, unique=True)
    title: str = Field(max_length=200)
    description: str = _text(default="")
    starts_at: datetime = _when()
    ends_at: datetime = _when()
    timezone: str = Field(max_length=64)
    venue_name: str = Field(default="", max_length=200)
    venue_address: str = Field(default="", max_length=500)
    languages: str = Field(default="en", max_length=100)  # comma-separated, first is the default
    status: EventStatus = Field(default=EventStatus.DRAFT, sa_type=sa.String(20), index=True)
    visibility: Visibility = Field(default=Visibility.LISTED, sa_type=sa.String(20))
    team_id: int = Field(foreign_key="team.id", index=True)
    lineup_order: LineupOrder = Field(default=LineupOrder.PROTOCOL, sa_type=sa.String(20))
    show_unconfirmed: bool = False  # "to be confirmed" people on the public line-up
    reminder_days: int = 7  # remind an invited speaker who has not answered; 0: never
    # The parts of a rapporteur's note, in order (see NOTE_SECTIONS); the organiser chooses them.
    note_sections: list[str] = Field(default_factory=lambda: list(NOTE_SECTIONS), sa_type=sa.JSON)
    needs_cohost_approval: bool = False  # a reviewer of each co-host approves before publishing
    report_foreword: str = _text(default="")  # Markdown, the outcome report's opening
    report_conclusions: str = _text(default="")  # Markdown, its closing
    created_at: datetime = _when(default=True)
    updated_at: datetime = _when(default=True)
    version: int = 1

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


class EventHost(SQLModel, table=True):
    __tablename__ = "event_host"
    __table_args__ = (sa.UniqueConstraint("event_id", "organisation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    position: int = 0


class Membership(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("event_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    role: Role = Field(sa_type=sa.String(20))
    # The co-host this member speaks for (approvals "one reviewer from each co-host").
    organisation_id: int | None = Field(
        default=None, foreign_key="organisation.id", ondelete="SET NULL"
    )
    created_at: datetime = _when(default=True)
    version: int = 1


class Invitation(SQLModel, table=True):
    """An owner's invitation to join an event's team; the link carries a token, stored hashed."""

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=254)
    role: Role = Field(sa_type=sa.String(20))
    token_hash: str = Field(max_length=64, unique=True)
    invited_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = _when(default=True)
    expires_at: datetime = _when()
    accepted_at: datetime | None = _when(nullable=True)
    revoked_at: datetime | None = _when(nullable=True)


class Room(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    capacity: int | None = None
    position: int = 0
    version: int = 1


class AgendaItem(SQLModel, table=True):
    """A slot in the programme, as the organisers are editing it (the draft).

    No room means plenary: the item spans every room. `uid` never changes, so calendar apps and
    schedule readers recognise the item across releases. Titles and descriptions are kept per
    event language: {"en": "...", "th": "..."}.
    """

    __tablename__ = "agenda_item"
    __table_args__ = (sa.Index("ix_agenda_item_event_start", "event_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE")
    uid: str = Field(max_length=36, unique=True)
    kind: ItemKind = Field(default=ItemKind.OTHER, sa_type=sa.String(20))
    starts_at: datetime = _when()
    ends_at: datetime = _when()
    room_id: int | None = Field(default=None, foreign_key="room.id", ondelete="SET NULL")
    track: str = Field(default="", max_length=100)
    titles: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    descriptions: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = _when(default=True)
    updated_at: datetime = _when(default=True)
    version: int = 1


class AgendaRelease(SQLModel, table=True):
    """A published, numbered snapshot of the programme, with its changes since the one before.

    Public pages and exports read the latest release's `snapshot`, never the draft rows.
    """

    __tablename__ = "agenda_release"
    __table_args__ = (sa.UniqueConstraint("event_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    number: int
    comment: str = Field(default="", max_length=500)
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    changes: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    released_at: datetime = _when(default=True)
    released_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class Person(SQLModel, table=True):
    """Someone who appears on a programme, kept in a team's book and reused across its events.

    Names are kept in parts, so each place can write them as protocol wants (`people.name_for`).
    Email and phone are private: never on a public page or export. One email is one person
    within a team (an empty email may repeat).
    """

    __table_args__ = (
        sa.Index(
            "uq_person_team_email",
            "team_id",
            "email",
            unique=True,
            sqlite_where=sa.text("email != ''"),
            postgresql_where=sa.text("email != ''"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    honorific: str = Field(default="", max_length=60)
    given_name: str = Field(default="", max_length=100)
    family_name: str = Field(default="", max_length=100)
    name_order: NameOrder = Field(default=NameOrder.GIVEN_FIRST, sa_type=sa.String(20))
    display_name: str = Field(default="", max_length=200)
    post_nominals: str = Field(default="", max_length=100)
    position: str = Field(default="", max_length=300)
    organisation: str = Field(default="", max_length=300)
    country: str = Field(default="", max_length=100)  # or delegation
    website: str = Field(default="", max_length=500)
    bios: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)  # Markdown per language
    photo_id: int | None = Field(default=None, foreign_key="upload.id", ondelete="SET NULL")
    thumbnail_id: int | None = Field(default=None, foreign_key="upload.id", ondelete="SET NULL")
    email: str = Field(default="", max_length=254)  # private; lower case
    phone: str = Field(default="", max_length=50)  # private
    created_at: datetime = _when(default=True)
    updated_at: datetime = _when(default=True)
    version: int = 1


class Speaker(SQLModel, table=True):
    """A person on one event's line-up: their protocol precedence there, and the secret link to
    their own page (its token stored hashed)."""

    __table_args__ = (sa.UniqueConstraint("event_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    precedence: int = 100  # lower comes first
    link_nonce: str | None = Field(default=None, max_length=64)  # see people.py: the link
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    invited_at: datetime | None = _when(nullable=True)
    reminded_at: datetime | None = _when(nullable=True)
    version: int = 1


class Appearance(SQLModel, table=True):
    """A person on an agenda item, in a role, at a place in the item's line-up."""

    __table_args__ = (sa.UniqueConstraint("item_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    item_id: int = Field(foreign_key="agenda_item.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    role: AppearanceRole = Field(default=AppearanceRole.SPEAKER, sa_type=sa.String(20))
    position: int = 0
    status: AppearanceStatus = Field(default=AppearanceStatus.INVITED, sa_type=sa.String(20))
    responded_at: datetime | None = _when(nullable=True)
    created_at: datetime = _when(default=True)
    version: int = 1


class RegistrationMode(enum.StrEnum):
    OPEN = "open"  # first come, first served
    MODERATED = "moderated"  # an organiser approves each one
    INVITATION = "invitation"  # only with an invitation code or a personal invitation link


class ParticipantList(enum.StrEnum):
    """Who sees the list of attendees who opted in to it."""

    OFF = "off"
    ATTENDEES = "attendees"  # through an attendee's personal link
    PUBLIC = "public"


class QuestionKind(enum.StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    CHECKBOX = "checkbox"  # one box to tick ("I need a visa letter")
    YES_NO = "yes_no"
    COUNTRY = "country"


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    PENDING = "pending"  # awaiting approval (moderated events)
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class RegistrationSettings(SQLModel, table=True):
    """An event's registration: when, how many, how. Its row is the lock every decision about
    a place takes (SELECT ... FOR UPDATE; SQLite: the write transaction), so two requests can
    never both take the last place; `confirmed` counts the places taken."""

    __tablename__ = "registration_settings"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", unique=True, ondelete="CASCADE")
    is_enabled: bool = False
    opens_at: datetime | None = _when(nullable=True)
    closes_at: datetime | None = _when(nullable=True)
    capacity: int | None = None  # None: no limit
    has_waitlist: bool = True
    mode: RegistrationMode = Field(default=RegistrationMode.OPEN, sa_type=sa.String(20))
    group_max: int = 1  # one person registers up to this many, themselves included
    privacy: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)  # per language
    participant_list: ParticipantList = Field(default=ParticipantList.OFF, sa_type=sa.String(20))
    retention_days: int | None = 180  # personal data kept this long after the event; None: kept
    confirmed: int = 0
    version: int = 1


class Question(SQLModel, table=True):
    """A custom question of an event's registration form; answers are kept in
    Registration.answers under str(question.id)."""

    __tablename__ = "registration_question"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    position: int = 0
    kind: QuestionKind = Field(sa_type=sa.String(20))
    labels: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)  # per language
    help: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)  # per language
    # [{"id": "c1", "labels": {"en": "...", "th": "..."}}]; ids stay when labels change
    choices: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    is_required: bool = False
    created_at: datetime = _when(default=True)
    version: int = 1


class RegistrationInvite(SQLModel, table=True):
    """Who may register when the event is invitation-only: a shared code the organiser hands
    out (`code`, with an optional limit of uses), or a personal invitation link mailed to one
    person (`token_hash` of an HMAC of `link_nonce`, one use)."""

    __tablename__ = "registration_invite"
    __table_args__ = (sa.UniqueConstraint("event_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    code: str | None = Field(default=None, max_length=40)  # upper case, shared codes only
    link_nonce: str | None = Field(default=None, max_length=64)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    email: str = Field(default="", max_length=254)
    note: str = Field(default="", max_length=200)
    max_uses: int | None = None  # None: no limit
    uses: int = 0
    is_revoked: bool = False
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = _when(default=True)
    version: int = 1


class Registration(SQLModel, table=True):
    """One attendee's place (or their wait for one). The personal link and the ticket code are
    HMACs of `link_nonce` under the secret key; only their hashes are stored, for lookups."""

    __table_args__ = (
        sa.Index(
            "uq_registration_event_email",
            "event_id",
            "email",
            unique=True,
            sqlite_where=sa.text("status != 'cancelled'"),
            postgresql_where=sa.text("status != 'cancelled'"),
        ),
        sa.Index("ix_registration_event_status", "event_id", "status", "id"),
        sa.Index(
            "ix_registration_not_anonymised",
            "event_id",
            "id",
            sqlite_where=sa.text("anonymised_at IS NULL"),
            postgresql_where=sa.text("anonymised_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE")
    status: RegistrationStatus = Field(sa_type=sa.String(20))
    honorific: str = Field(default="", max_length=60)
    given_name: str = Field(default="", max_length=100)
    family_name: str = Field(default="", max_length=100)
    email: str = Field(max_length=254)
    organisation: str = Field(default="", max_length=300)
    position: str = Field(default="", max_length=300)
    country: str = Field(default="", max_length=100)
    answers: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    in_participant_list: bool = False
    language: str = Field(default="en", max_length=10)
    group_lead_id: int | None = Field(
        default=None, foreign_key="registration.id", ondelete="SET NULL"
    )
    invite_id: int | None = Field(
        default=None, foreign_key="registration_invite.id", ondelete="SET NULL"
    )
    link_nonce: str = Field(max_length=64)
    token_hash: str = Field(max_length=64, unique=True)
    ticket_hash: str = Field(max_length=64, unique=True)
    privacy_accepted_at: datetime = _when()
    decided_at: datetime | None = _when(nullable=True)
    anonymised_at: datetime | None = _when(nullable=True)
    created_at: datetime = _when(default=True)
    updated_at: datetime = _when(default=True)
    version: int = 1


class CheckIn(SQLModel, table=True):
    """Someone came through the door (at most one row a registration; undo deletes it)."""

    __tablename__ = "check_in"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    registration_id: int = Field(foreign_key="registration.id", unique=True, ondelete="CASCADE")
    checked_in_at: datetime = _when(default=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class NoteStatus(enum.StrEnum):
    """draft -> submitted -> changes_requested (back to the rapporteur) or approved -> published;
    unpublishing returns a published note to approved."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    PUBLISHED = "published"


class RapporteurAssignment(SQLModel, table=True):
    """A rapporteur writes the note of this agenda item (an item may have several)."""

    __tablename__ = "rapporteur_assignment"
    __table_args__ = (sa.UniqueConstraint("agenda_item_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    agenda_item_id: int = Field(foreign_key="agenda_item.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = _when(default=True)


class Note(SQLModel, table=True):
    """The rapporteur's note of one agenda item. `sections` is the text being written (Markdown
    per section); `published_*` is what the public reads, kept while a new draft is written and
    replaced only when that draft is approved and published."""

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    agenda_item_id: int = Field(foreign_key="agenda_item.id", unique=True, ondelete="CASCADE")
    status: NoteStatus = Field(default=NoteStatus.DRAFT, sa_type=sa.String(20))
    sections: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    # [{"what": ..., "who": ..., "by": "2025-09-30"}]
    action_items: list[dict[str, str]] = Field(default_factory=list, sa_type=sa.JSON)
    review_comment: str = _text(default="")  # why changes were requested
    published_sections: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    published_action_items: list[dict[str, str]] = Field(default_factory=list, sa_type=sa.JSON)
    published_at: datetime | None = _when(nullable=True)
    revision_count: int = 0
    updated_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = _when(default=True)
    updated_at: datetime = _when(default=True)
    version: int = 1


class NoteRevision(SQLModel, table=True):
    """Every save of a note (autosaves included), numbered from 1."""

    __tablename__ = "note_revision"
    __table_args__ = (sa.UniqueConstraint("note_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    note_id: int = Field(foreign_key="note.id", ondelete="CASCADE")
    number: int
    sections: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    action_items: list[dict[str, str]] = Field(default_factory=list, sa_type=sa.JSON)
    is_autosave: bool = False
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = _when(default=True)


class NoteApproval(SQLModel, table=True):
    """A reviewer approved this revision of the note, speaking for `organisation_id` (a
    co-host) when the event needs one approval from each."""

    __tablename__ = "note_approval"
    __table_args__ = (sa.UniqueConstraint("note_id", "revision_number", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    note_id: int = Field(foreign_key="note.id", index=True, ondelete="CASCADE")
    revision_number: int
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    organisation_id: int | None = Field(
        default=None, foreign_key="organisation.id", ondelete="SET NULL"
    )
    created_at: datetime = _when(default=True)


class MailMessage(SQLModel, table=True):
    """The outbox: written in the transaction that caused the mail, sent by `eventapp worker`."""

    __tablename__ = "mail_message"
    __table_args__ = (
        sa.Index("ix_mail_message_due", "status", "next_attempt_at"),
        sa.Index("ix_mail_message_event", "event_id"),  # erasure looks through an event's mail
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=200, unique=True)
    event_id: int | None = Field(default=None, foreign_key="event.id", ondelete="SET NULL")
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body_text: str = _text()
    body_html: str = _text()
    # [{"filename": ..., "content_type": "text/calendar", "data": base64}], small files only
    attachments: list[dict[str, str]] = Field(default_factory=list, sa_type=sa.JSON)
    status: MailStatus = Field(default=MailStatus.QUEUED, sa_type=sa.String(20))
    attempts: int = 0
    next_attempt_at: datetime = _when(default=True)
    claimed_at: datetime | None = _when(nullable=True)
    sent_at: datetime | None = _when(nullable=True)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = _when(default=True)


class ActivityLog(SQLModel, table=True):
    __tablename__ = "activity_log"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int | None = Field(
        default=None, foreign_key="event.id", index=True, ondelete="CASCADE"
    )
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    action: str = Field(max_length=60)
    object_type: str = Field(default="", max_length=40)
    object_id: int | None = None
    summary: str = Field(default="", max_length=300)
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = _when(default=True, index=True)
