"""An organiser sets how an event's session notes and outcome report work (rules: no FastAPI
here): which parts a rapporteur's note has, whether a reviewer of each co-host approves before
publication, and the report's foreword and conclusions.

The settings live on the event row, so a save takes its lock and checks its version like the
event form does: of two organisers saving from the same version, one wins and the other gets
StaleEdit with what the winner saved.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from eventapp import activity, events
from eventapp.models import NOTE_SECTIONS, Event, Membership, Organisation, Role, User
from eventapp.notes import cohosts_of

FIELDS = ["note_sections", "needs_cohost_approval", "report_foreword", "report_conclusions"]
TEXT_MAX = 100_000  # characters in the foreword or the conclusions
REVIEWER_ROLES = (Role.OWNER, Role.ORGANISER)


class SettingsError(ValueError):
    """The form asks for something the rules refuse; `field` names the form field."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class NoSections(SettingsError):
    def __init__(self) -> None:
        super().__init__("note_sections")


class TextTooLong(SettingsError):
    pass


@dataclass
class ReportSettings:
    note_sections: list[str]
    needs_cohost_approval: bool = False
    report_foreword: str = ""
    report_conclusions: str = ""


def settings_of(event: Event) -> ReportSettings:
    return ReportSettings(
        note_sections=[name for name in NOTE_SECTIONS if name in event.note_sections],
        needs_cohost_approval=event.needs_cohost_approval,
        report_foreword=event.report_foreword,
        report_conclusions=event.report_conclusions,
    )


def _checked(settings: ReportSettings) -> dict[str, object]:
    sections = [name for name in NOTE_SECTIONS if name in settings.note_sections]
    if not sections:
        raise NoSections()
    values: dict[str, object] = {
        "note_sections": sections,
        "needs_cohost_approval": bool(settings.needs_cohost_approval),
    }
    for name in ("report_foreword", "report_conclusions"):
        text = getattr(settings, name).replace("\r\n", "\n").strip()
        if len(text) > TEXT_MAX:
            raise TextTooLong(name)
        values[name] = text + "\n" if text else ""
    return values


def save(
    db: Session, event: Event, *, actor: User, settings: ReportSettings, expected_version: int
) -> dict[str, list]:
    """Save the settings; returns what changed (empty: nothing was written). A note section
    turned off keeps its text, hidden until the section is turned on again."""
    values = _checked(settings)
    db.refresh(event, with_for_update=True)
    if event.version != expected_version:
        raise events.StaleEdit(event)
    before = activity.snapshot(event, FIELDS)
    changes = {
        name: [_shown(before[name]), _shown(value)]
        for name, value in values.items()
        if before[name] != value
    }
    if not changes:
        return {}
    for name, value in values.items():
        setattr(event, name, value)
    event.version += 1
    events.touch(event)  # the report and the summaries show these
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


def _shown(value: object) -> object:
    """A value as the activity log keeps it (the texts by their length only)."""
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    return value


def reviewers_by_cohost(
    db: Session, event: Event
) -> list[tuple[Organisation, list[tuple[Membership, User]]]]:
    """Each co-host with the owners and organisers who approve for it, in the hosts' order."""
    rows = db.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.event_id == event.id,
            Membership.role.in_([str(role) for role in REVIEWER_ROLES]),
            Membership.organisation_id.is_not(None),
        )
        .order_by(User.name, User.id)
    ).all()
    return [
        (host, [(m, u) for m, u in rows if m.organisation_id == host.id])
        for host in cohosts_of(db, event)
    ]


def set_cohost(
    db: Session,
    event: Event,
    membership: Membership,
    organisation_id: int | None,
    *,
    actor: User,
) -> bool:
    """Say which co-host a member approves for (None: none); returns whether it changed.
    LookupError when the organisation is not one of the event's co-hosts."""
    hosts = {host.id: host for host in cohosts_of(db, event)}
    if organisation_id is not None and organisation_id not in hosts:
        raise LookupError("not a co-host of this event")
    if membership.organisation_id == organisation_id:
        return False
    before = hosts.get(membership.organisation_id)
    after = hosts.get(organisation_id)
    membership.organisation_id = organisation_id
    membership.version += 1
    db.add(membership)
    user = db.get(User, membership.user_id)
    activity.record(
        db,
        actor=actor,
        action="team.change_cohost",
        event_id=event.id,
        obj=membership,
        summary=f"{user.email}: {after.name if after else '—'}",
        changes={"organisation": [before.name if before else None, after.name if after else None]},
    )
    db.flush()
    return True
