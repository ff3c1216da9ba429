"""Rapporteurs' notes: writing, review and publication (rules: no FastAPI here).

A note belongs to one agenda item; rapporteurs assigned to the item write it, organisers and
owners may edit every note. Each save is a numbered revision; a save names the version it
edited, and a stale one is refused with the note as it is now (events.StaleEdit).

    draft ──submit──> submitted ──approve──> approved ──publish──> published
      ^                  │  (needs_cohost_approval: approved once each    │
      │                  │   co-host has approved the current revision)  │
      │                  └──request_changes──> changes_requested          │
      │                                           │ (submit again)        │
      └──────── saving a new text ────────────────┴───────────────────────┘
    published ──unpublish──> approved (the public text is removed)

Saving a submitted, approved or published note returns it to draft: approvals belong to a
revision, and the public text (`published_*`) stays as it was until the next publish. A
changes_requested note stays so until it is submitted again. Mail about each review step is
queued in the same transaction as the step.
"""

import difflib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from eventapp import activity, agenda, events, mail
from eventapp.config import get_settings
from eventapp.events import StaleEdit
from eventapp.i18n import DEFAULT_LANGUAGE, LANGUAGES
from eventapp.i18n import gettext as _
from eventapp.models import (
    NOTE_SECTIONS,
    AgendaItem,
    Event,
    EventHost,
    Membership,
    Note,
    NoteApproval,
    NoteRevision,
    NoteStatus,
    Organisation,
    RapporteurAssignment,
    Role,
    User,
    utcnow,
)

MAX_CHARS = 200_000  # a whole note: every section and action item together
ACTION_FIELDS = ("what", "who", "by")
EDITORS = (Role.OWNER, Role.ORGANISER)
REVIEWERS = EDITORS  # who hears of a submitted note


class NoteError(Exception):
    """Why a note could not be changed."""


class NotAMember(NoteError):
    """Only a member of the event's team can be assigned as its rapporteur."""


class TooLong(NoteError, ValueError):
    """The note is over MAX_CHARS characters (`length` is how many it has)."""

    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length


class InvalidActionItem(NoteError, ValueError):
    """Action item number `index` (from 0) has a bad `field`: "what" missing, or "by" not a
    date (YYYY-MM-DD)."""

    def __init__(self, index: int, field: str) -> None:
        super().__init__(index, field)
        self.index = index
        self.field = field


class NotAllowedNow(NoteError):
    """That step cannot be taken from the note's `status`."""

    def __init__(self, status: NoteStatus | str) -> None:
        super().__init__(str(status))
        self.status = NoteStatus(status)


class EmptyNote(NoteError):
    """Nothing written yet: there is nothing to submit."""


class CommentRequired(NoteError, ValueError):
    """Asking for changes needs a comment saying which."""


class AlreadyApproved(NoteError):
    """This reviewer has approved this revision already."""


class NoCohost(NoteError):
    """The event needs one approval from each co-host, and the reviewer's membership speaks
    for none of them."""


class RevisionNotFound(NoteError, LookupError):
    pass


def section_labels() -> dict[str, str]:
    return {
        "summary": _("Summary"),
        "key_points": _("Key points"),
        "recommendations": _("Recommendations"),
        "action_items": _("Action items"),
        "quotes": _("Notable quotes"),
    }


def status_labels() -> dict[str, str]:
    return {
        NoteStatus.DRAFT: _("Draft"),
        NoteStatus.SUBMITTED: _("Submitted"),
        NoteStatus.CHANGES_REQUESTED: _("Changes requested"),
        NoteStatus.APPROVED: _("Approved"),
        NoteStatus.PUBLISHED: _("Published"),
    }


def text_sections(event: Event) -> list[str]:
    """The event's Markdown sections, in its order (action items are a list, not text)."""
    return [s for s in event.note_sections if s in NOTE_SECTIONS and s != "action_items"]


def has_action_items(event: Event) -> bool:
    return "action_items" in event.note_sections


# Rapporteurs -----------------------------------------------------------------------------------


def _membership(db: Session, event: Event, user: User) -> Membership | None:
    return db.scalar(
        select(Membership).where(Membership.event_id == event.id, Membership.user_id == user.id)
    )


def _own_item(event: Event, item: AgendaItem) -> None:
    if item.event_id != event.id:
        raise LookupError("not this event's agenda item")


def assign(
    db: Session, event: Event, item: AgendaItem, user: User, *, actor: User
) -> RapporteurAssignment:
    """Make `user` (a team member) a rapporteur of `item`; assigning twice changes nothing."""
    _own_item(event, item)
    if _membership(db, event, user) is None:
        raise NotAMember()
    found = db.scalar(
        select(RapporteurAssignment).where(
            RapporteurAssignment.agenda_item_id == item.id, RapporteurAssignment.user_id == user.id
        )
    )
    if found is not None:
        return found
    assignment = RapporteurAssignment(event_id=event.id, agenda_item_id=item.id, user_id=user.id)
    db.add(assignment)
    db.flush()
    activity.record(
        db,
        actor=actor,
        action="note.assign",
        event_id=event.id,
        obj=assignment,
        summary=f"{user.name or user.email}: {_title(event, item)}",
    )
    return assignment


def unassign(db: Session, event: Event, item: AgendaItem, user: User, *, actor: User) -> bool:
    """False when the user was not a rapporteur of the item."""
    _own_item(event, item)
    found = db.scalar(
        select(RapporteurAssignment).where(
            RapporteurAssignment.agenda_item_id == item.id, RapporteurAssignment.user_id == user.id
        )
    )
    if found is None:
        return False
    activity.record(
        db,
        actor=actor,
        action="note.unassign",
        event_id=event.id,
        obj=found,
        summary=f"{user.name or user.email}: {_title(event, item)}",
    )
    db.delete(found)
    db.flush()
    return True


def assignments_of(db: Session, event: Event) -> dict[int, list[User]]:
    """{item id: [rapporteur, ...]} for the whole event, in one query."""
    rows = db.execute(
        select(RapporteurAssignment.agenda_item_id, User)
        .join(User, User.id == RapporteurAssignment.user_id)
        .where(RapporteurAssignment.event_id == event.id)
        .order_by(RapporteurAssignment.agenda_item_id, User.name, User.id)
    )
    found: dict[int, list[User]] = {}
    for item_id, user in rows:
        found.setdefault(item_id, []).append(user)
    return found


def _rapporteurs(db: Session, item: AgendaItem) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .join(RapporteurAssignment, RapporteurAssignment.user_id == User.id)
            .where(RapporteurAssignment.agenda_item_id == item.id)
            .order_by(User.id)
        )
    )


def can_edit(db: Session, user: User, role: Role | str | None, item: AgendaItem) -> bool:
    """Organisers, owners and site administrators edit every note; a rapporteur only the notes
    of items assigned to them; anyone else none. `role` is the user's role in the item's event."""
    if user.is_admin or role in EDITORS:
        return True
    if role != Role.RAPPORTEUR:
        return False
    return (
        db.scalar(
            select(RapporteurAssignment.id).where(
                RapporteurAssignment.agenda_item_id == item.id,
                RapporteurAssignment.user_id == user.id,
            )
        )
        is not None
    )


# The note and its revisions ---------------------------------------------------------------------


def find_note(db: Session, event: Event, item: AgendaItem) -> Note | None:
    """The item's note if one was started (a read: for pages that only show it)."""
    if item.event_id != event.id:
        return None
    return db.scalar(select(Note).where(Note.agenda_item_id == item.id))


def note_for(db: Session, event: Event, item: AgendaItem) -> Note | None:
    """The item's note, made (empty, draft) on first use; None for another event's item."""
    if item.event_id != event.id:
        return None
    note = find_note(db, event, item)
    if note is None:
        try:
            with db.begin_nested():  # two first saves at once: one inserts, one finds it
                note = Note(event_id=event.id, agenda_item_id=item.id)
                db.add(note)
                db.flush()
        except IntegrityError:
            note = find_note(db, event, item)
    return note


def _clean_sections(event: Event, note: Note, sections: dict[str, str]) -> dict[str, str]:
    # Text of a section the organiser has since switched off is kept, not lost.
    cleaned = {k: v for k, v in note.sections.items() if k not in text_sections(event)}
    for name in text_sections(event):
        text = str(sections.get(name, note.sections.get(name, "")) or "")
        cleaned[name] = text.replace("\r\n", "\n").rstrip()
    return cleaned


def _clean_action_items(action_items: list[dict[str, Any]]) -> list[dict[str, str]]:
    cleaned = []
    for index, entry in enumerate(action_items):
        values = {name: " ".join(str(entry.get(name) or "").split()) for name in ACTION_FIELDS}
        if not any(values.values()):
            continue
        if not values["what"]:
            raise InvalidActionItem(index, "what")
        if values["by"]:
            try:
                values["by"] = date.fromisoformat(values["by"]).isoformat()
            except ValueError:
                raise InvalidActionItem(index, "by") from None
        cleaned.append(values)
    return cleaned


def length_of(sections: dict[str, str], action_items: list[dict[str, str]]) -> int:
    return sum(len(text) for text in sections.values()) + sum(
        len(entry.get(name, "")) for entry in action_items for name in ACTION_FIELDS
    )


def save(
    db: Session,
    event: Event,
    note: Note,
    *,
    actor: User,
    sections: dict[str, str],
    action_items: list[dict[str, Any]],
    expected_version: int,
    autosave: bool = False,
    base_revision: int | None = None,
) -> Note:
    """Save a new text as the next revision. StaleEdit (its `current` is the note as saved by
    the other person) when someone saved since `expected_version`, unless every revision after
    `base_revision` (the one the text was written from) is the actor's own: their autosave
    racing their Save button, or review steps that left the text alone. TooLong over
    MAX_CHARS; InvalidActionItem. A save that changes nothing makes no revision."""
    _lock_for_edit(db, event, note, expected_version, actor=actor, base_revision=base_revision)
    return _write(
        db,
        event,
        note,
        actor=actor,
        sections=_clean_sections(event, note, sections),
        action_items=_clean_action_items(action_items)
        if has_action_items(event)
        else note.action_items,
        autosave=autosave,
        action="note.autosave" if autosave else "note.save",
    )


def _lock_for_edit(
    db: Session,
    event: Event,
    note: Note,
    expected_version: int,
    *,
    actor: User | None = None,
    base_revision: int | None = None,
) -> None:
    if note.event_id != event.id:
        raise LookupError("not this event's note")
    db.refresh(note, with_for_update=True)
    if note.version != expected_version and not _only_own_since(db, note, actor, base_revision):
        raise StaleEdit(note)


def _only_own_since(db: Session, note: Note, actor: User | None, base: int | None) -> bool:
    """Whether nobody but `actor` saved a revision after `base` (the note is locked)."""
    if actor is None or base is None or not 0 <= base <= note.revision_count:
        return False
    others = db.scalar(
        select(func.count())
        .select_from(NoteRevision)
        .where(
            NoteRevision.note_id == note.id,
            NoteRevision.number > base,
            or_(NoteRevision.user_id != actor.id, NoteRevision.user_id.is_(None)),
        )
    )
    return others == 0


def _write(
    db: Session,
    event: Event,
    note: Note,
    *,
    actor: User,
    sections: dict[str, str],
    action_items: list[dict[str, str]],
    autosave: bool,
    action: str,
) -> Note:
    """The new text as the next revision (the note is locked and current)."""
    length = length_of(sections, action_items)
    if length > MAX_CHARS:
        raise TooLong(length)
    if sections == note.sections and action_items == note.action_items:
        return note
    was = note.status
    note.sections = sections
    note.action_items = action_items
    note.revision_count += 1
    note.version += 1
    note.updated_by_id = actor.id
    note.updated_at = utcnow()
    if was in (NoteStatus.SUBMITTED, NoteStatus.APPROVED, NoteStatus.PUBLISHED):
        note.status = NoteStatus.DRAFT  # a new text needs a new review; the public one stays
    db.add(
        NoteRevision(
            note_id=note.id,
            number=note.revision_count,
            sections=sections,
            action_items=action_items,
            is_autosave=autosave,
            user_id=actor.id,
        )
    )
    changes = {"revision": [note.revision_count - 1, note.revision_count]}
    if note.status != was:
        changes["status"] = [str(was), str(note.status)]
    activity.record(
        db,
        actor=actor,
        action=action,
        event_id=event.id,
        obj=note,
        summary=_title(event, _item(db, note)),
        changes=changes,
    )
    db.flush()
    return note


def revisions(db: Session, note: Note) -> list[NoteRevision]:
    """Newest first."""
    return list(
        db.scalars(
            select(NoteRevision)
            .where(NoteRevision.note_id == note.id)
            .order_by(NoteRevision.number.desc())
        )
    )


def revision_of(db: Session, note: Note, number: int) -> NoteRevision | None:
    return db.scalar(
        select(NoteRevision).where(NoteRevision.note_id == note.id, NoteRevision.number == number)
    )


def restore(
    db: Session, event: Event, note: Note, number: int, *, actor: User, expected_version: int
) -> Note:
    """Save revision `number`'s text again, as a new revision (history is never rewritten)."""
    old = revision_of(db, note, number)
    if old is None:
        raise RevisionNotFound(number)
    _lock_for_edit(db, event, note, expected_version)
    return _write(
        db,
        event,
        note,
        actor=actor,
        sections={**note.sections, **old.sections},
        action_items=list(old.action_items),
        autosave=False,
        action="note.restore",
    )


def plain_text(event: Event, sections: dict[str, str], action_items: list[dict[str, str]]) -> str:
    """A note as one text, section by section (for comparing revisions or two people's saves)."""
    labels = section_labels()
    parts = []
    for name in text_sections(event):
        parts.append(f"## {labels[name]}\n\n{sections.get(name, '')}".rstrip())
    if has_action_items(event):
        lines = [
            " · ".join(entry.get(name, "") for name in ACTION_FIELDS if entry.get(name))
            for entry in action_items
        ]
        parts.append("\n".join([f"## {labels['action_items']}", ""] + [f"- {x}" for x in lines]))
    return "\n\n".join(parts).rstrip() + "\n"


def diff_lines(old: str, new: str) -> list[tuple[str, str]]:
    """Line by line: ("same" | "removed" | "added", line), plain text for the page to escape."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    result: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            result.extend(("same", line) for line in old_lines[a1:a2])
            continue
        result.extend(("removed", line) for line in old_lines[a1:a2])
        result.extend(("added", line) for line in new_lines[b1:b2])
    return result


# Review and publication -------------------------------------------------------------------------


def _item(db: Session, note: Note) -> AgendaItem:
    return db.get(AgendaItem, note.agenda_item_id)


def _title(event: Event, item: AgendaItem, language: str | None = None) -> str:
    return agenda.title_of(item.titles, event.language_list, language)


def _locked(db: Session, event: Event, note: Note, allowed: tuple[NoteStatus, ...]) -> None:
    if note.event_id != event.id:
        raise LookupError("not this event's note")
    db.refresh(note, with_for_update=True)
    if note.status not in allowed:
        raise NotAllowedNow(note.status)


def _move(
    db: Session, event: Event, note: Note, status: NoteStatus, *, actor: User, action: str
) -> None:
    was = note.status
    note.status = status
    note.updated_at = utcnow()
    activity.record(
        db,
        actor=actor,
        action=action,
        event_id=event.id,
        obj=note,
        summary=_title(event, _item(db, note)),
        changes={"status": [str(was), str(status)]},
    )


def submit(db: Session, event: Event, note: Note, *, actor: User) -> Note:
    """Hand the note to the organisers (mail to each owner and organiser but the actor)."""
    _locked(db, event, note, (NoteStatus.DRAFT, NoteStatus.CHANGES_REQUESTED))
    if not any(text.strip() for text in note.sections.values()) and not note.action_items:
        raise EmptyNote()
    note.review_comment = ""
    _move(db, event, note, NoteStatus.SUBMITTED, actor=actor, action="note.submit")
    reviewers = db.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.event_id == event.id, Membership.role.in_([str(r) for r in REVIEWERS]))
        .order_by(User.id)
    )
    _mail(db, event, note, list(reviewers), template="note_submitted", actor=actor)
    db.flush()
    return note


def request_changes(db: Session, event: Event, note: Note, *, actor: User, comment: str) -> Note:
    """Send a submitted note back to its rapporteurs with the reviewer's comment."""
    comment = comment.strip()
    if not comment:
        raise CommentRequired()
    _locked(db, event, note, (NoteStatus.SUBMITTED,))
    note.review_comment = comment
    _move(db, event, note, NoteStatus.CHANGES_REQUESTED, actor=actor, action="note.request_changes")
    _mail(
        db,
        event,
        note,
        _rapporteurs(db, _item(db, note)),
        template="note_changes_requested",
        actor=actor,
        comment=comment,
    )
    db.flush()
    return note


def cohosts_of(db: Session, event: Event) -> list[Organisation]:
    return list(
        db.scalars(
            select(Organisation)
            .join(EventHost, EventHost.organisation_id == Organisation.id)
            .where(EventHost.event_id == event.id)
            .order_by(EventHost.position, Organisation.id)
        )
    )


def missing_approvals(db: Session, event: Event, note: Note) -> list[Organisation]:
    """The co-hosts still to approve the current revision (none when the event does not need
    one approval from each)."""
    if not event.needs_cohost_approval:
        return []
    approved = set(
        db.scalars(
            select(NoteApproval.organisation_id).where(
                NoteApproval.note_id == note.id,
                NoteApproval.revision_number == note.revision_count,
            )
        )
    )
    return [host for host in cohosts_of(db, event) if host.id not in approved]


def approve(db: Session, event: Event, note: Note, *, actor: User) -> Note:
    """Approve the current revision. When the event needs one approval from each co-host, the
    note stays submitted until each has approved (see missing_approvals); the actor speaks for
    the co-host of their membership (NoCohost when that is none of the event's co-hosts)."""
    _locked(db, event, note, (NoteStatus.SUBMITTED,))
    membership = _membership(db, event, actor)
    organisation_id = membership.organisation_id if membership else None
    if event.needs_cohost_approval and organisation_id not in {
        host.id for host in cohosts_of(db, event)
    }:
        raise NoCohost()
    already = db.scalar(
        select(NoteApproval.id).where(
            NoteApproval.note_id == note.id,
            NoteApproval.revision_number == note.revision_count,
            NoteApproval.user_id == actor.id,
        )
    )
    if already is not None:
        raise AlreadyApproved()
    approval = NoteApproval(
        note_id=note.id,
        revision_number=note.revision_count,
        user_id=actor.id,
        organisation_id=organisation_id,
    )
    db.add(approval)
    db.flush()
    if missing_approvals(db, event, note):
        activity.record(
            db,
            actor=actor,
            action="note.approve",
            event_id=event.id,
            obj=note,
            summary=_title(event, _item(db, note)),
            changes={"revision": [None, note.revision_count]},
        )
        db.flush()
        return note
    _move(db, event, note, NoteStatus.APPROVED, actor=actor, action="note.approve")
    _mail(db, event, note, _rapporteurs(db, _item(db, note)), template="note_approved", actor=actor)
    db.flush()
    return note


def publish(db: Session, event: Event, note: Note, *, actor: User) -> Note:
    """Make the approved text the public one (replacing any text published before)."""
    _locked(db, event, note, (NoteStatus.APPROVED,))
    note.published_sections = dict(note.sections)
    note.published_action_items = list(note.action_items)
    note.published_at = utcnow()
    _move(db, event, note, NoteStatus.PUBLISHED, actor=actor, action="note.publish")
    events.touch(event)  # the session page shows the summary: its cached copy is stale now
    _mail(
        db, event, note, _rapporteurs(db, _item(db, note)), template="note_published", actor=actor
    )
    db.flush()
    return note


def unpublish(db: Session, event: Event, note: Note, *, actor: User) -> Note:
    """Take the public text down. A published note goes back to approved; a note whose new
    draft is being written keeps its status and loses only the public text."""
    if note.event_id != event.id:
        raise LookupError("not this event's note")
    db.refresh(note, with_for_update=True)
    if note.published_at is None:
        raise NotAllowedNow(note.status)
    note.published_sections = {}
    note.published_action_items = []
    note.published_at = None
    status = NoteStatus.APPROVED if note.status == NoteStatus.PUBLISHED else note.status
    _move(db, event, note, status, actor=actor, action="note.unpublish")
    events.touch(event)
    db.flush()
    return note


def _language(event: Event, user: User) -> str:
    if user.language in LANGUAGES:
        return user.language
    return next((code for code in event.language_list if code in LANGUAGES), DEFAULT_LANGUAGE)


def note_url(event: Event, note: Note) -> str:
    return f"{get_settings().base_url}/manage/events/{event.id}/notes/{note.agenda_item_id}"


def _mail(
    db: Session,
    event: Event,
    note: Note,
    recipients: list[User],
    *,
    template: str,
    actor: User,
    comment: str = "",
) -> None:
    """One message to each recipient but the actor (who knows what they just did)."""
    item = _item(db, note)
    for user in recipients:
        if user.id == actor.id or not user.is_active:
            continue
        language = _language(event, user)
        mail.queue(
            db,
            to=user.email,
            template=template,
            context={
                "event": event,
                "item_title": _title(event, item, language),
                "name": user.name,
                "actor_name": actor.name or actor.email,
                "comment": comment,
                "link": note_url(event, note),
                "public_link": f"{get_settings().base_url}/events/{event.slug}/summaries",
            },
            language=language,
            event_id=event.id,
        )


# Lists -------------------------------------------------------------------------------------------

AGENDA_ORDER = (AgendaItem.starts_at, AgendaItem.ends_at, AgendaItem.id)


def review_queue(db: Session, event: Event) -> list[tuple[AgendaItem, Note]]:
    """Notes awaiting the organisers: submitted, or approved and not yet published; in agenda
    order, in one query."""
    rows = db.execute(
        select(AgendaItem, Note)
        .join(Note, Note.agenda_item_id == AgendaItem.id)
        .where(
            Note.event_id == event.id,
            Note.status.in_([str(NoteStatus.SUBMITTED), str(NoteStatus.APPROVED)]),
        )
        .order_by(*AGENDA_ORDER)
    )
    return [(item, note) for item, note in rows]


def status_of_mine(db: Session, event: Event, user: User) -> list[tuple[AgendaItem, Note | None]]:
    """The items assigned to `user` with their notes (None: not started), in agenda order."""
    rows = db.execute(
        select(AgendaItem, Note)
        .join(RapporteurAssignment, RapporteurAssignment.agenda_item_id == AgendaItem.id)
        .outerjoin(Note, Note.agenda_item_id == AgendaItem.id)
        .where(RapporteurAssignment.event_id == event.id, RapporteurAssignment.user_id == user.id)
        .order_by(*AGENDA_ORDER)
    )
    return [(item, note) for item, note in rows]


@dataclass(frozen=True)
class Summary:
    """A published summary: only the public text, never the draft being written."""

    item: AgendaItem
    note_id: int
    sections: dict[str, str]
    action_items: list[dict[str, str]]
    published_at: Any


def has_published(db: Session, event: Event) -> bool:
    """Whether any summary of the event is public (one small query)."""
    found = db.scalar(
        select(Note.id).where(Note.event_id == event.id, Note.published_at.is_not(None)).limit(1)
    )
    return found is not None


def published_summaries(db: Session, event: Event) -> list[Summary]:
    """Every published summary with its item, in agenda order (one query)."""
    rows = db.execute(
        select(AgendaItem, Note)
        .join(Note, Note.agenda_item_id == AgendaItem.id)
        .where(Note.event_id == event.id, Note.published_at.is_not(None))
        .order_by(*AGENDA_ORDER)
    )
    return [
        Summary(
            item=item,
            note_id=note.id,
            sections=dict(note.published_sections),
            action_items=list(note.published_action_items),
            published_at=note.published_at,
        )
        for item, note in rows
    ]


@dataclass
class Outcomes:
    """The report's consolidated lists: (item, Markdown) and (item, {what, who, by})."""

    recommendations: list[tuple[AgendaItem, str]] = field(default_factory=list)
    action_items: list[tuple[AgendaItem, dict[str, str]]] = field(default_factory=list)


def recommendations_and_actions(
    db: Session, event: Event, summaries: list[Summary] | None = None
) -> Outcomes:
    """Every published recommendation and action item across the event, in agenda order (pass
    `summaries` when already read, to save the query)."""
    outcomes = Outcomes()
    for summary in published_summaries(db, event) if summaries is None else summaries:
        text = summary.sections.get("recommendations", "").strip()
        if text:
            outcomes.recommendations.append((summary.item, text))
        outcomes.action_items.extend((summary.item, entry) for entry in summary.action_items)
    return outcomes
