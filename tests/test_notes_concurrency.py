"""Two people working on one note at the same instant, against real servers: two `eventapp
serve` processes over one database, each person's requests from a thread of their own, all
released together by a barrier.

- Saves of one note from one version: exactly one lands; the other gets the conflict view with
  the winner's text. No round loses an update or makes two revisions.
- The first saves of a note nobody has started: one note, one save lands.
- Reviewers of the two co-hosts approving at once: both approvals count and the note is approved.
"""

from functools import partial

from sqlalchemy import func, select

from eventapp import notes
from eventapp.models import Event, Membership, Note, NoteApproval, NoteStatus, Role
from tests.factories import add_host, add_member, make_event, make_item, make_user, page
from tests.test_agenda_concurrency import organiser_at, together

ROUNDS = 6


def stored(db, item_id: int) -> tuple[dict[str, str], int, int]:
    """The note as saved now; the read ends at once (SQLite: the servers need the lock)."""
    db.expire_all()
    note = db.scalar(select(Note).where(Note.agenda_item_id == item_id))
    found = dict(note.sections), note.version, note.revision_count
    db.rollback()
    return found


def save(client, token, path, text, version, base):
    form = {"section_summary": text, "version": str(version), "base": str(base)}
    return client.post(path, data={**form, "action_rows": "0", "csrf_token": token})


def test_saves_of_one_note_from_one_version_land_once_and_show_the_other_a_conflict(
    db, spawn_server
):
    owner, rapporteur = make_user(db, name="Owner at the MFA"), make_user(db, name="Rapporteur")
    event = make_event(db, owner=owner, languages="en")
    add_member(db, event, rapporteur, Role.RAPPORTEUR)
    item = make_item(db, event, "Panel on scam centres", at="10:00")
    notes.assign(db, event, item, rapporteur, actor=owner)
    db.commit()
    (first, first_token), (second, second_token) = (
        organiser_at(spawn_server(), owner),
        organiser_at(spawn_server(), rapporteur),
    )
    path = f"/manage/events/{event.id}/notes/{item.id}"
    assert save(first, first_token, path, "Opening text.", 1, 0).status_code == 303

    outcomes = []
    for round_ in range(ROUNDS):
        _text, version, revision = stored(db, item.id)
        mine, theirs = f"Round {round_}: the MFA's text.", f"Round {round_}: the EU's text."
        answers = together(
            partial(save, first, first_token, path, mine, version, revision),
            partial(save, second, second_token, path, theirs, version, revision),
        )
        sections, new_version, new_revision = stored(db, item.id)
        refused = [answer for answer in answers if answer.status_code == 409]
        shown = [
            page(answer).select_one("#conflict-part-summary .theirs pre").get_text()
            for answer in refused
        ]
        outcomes.append(
            (
                sorted(answer.status_code for answer in answers),
                sections["summary"] in (mine, theirs),
                shown == [sections["summary"]],
                (new_version - version, new_revision - revision),
            )
        )

    assert outcomes == [([303, 409], True, True, (1, 1))] * ROUNDS


def test_first_saves_of_a_new_note_make_one_note(db, spawn_server):
    owner, organiser = make_user(db, name="Owner at the MFA"), make_user(db, name="EU organiser")
    event = make_event(db, owner=owner, languages="en")
    add_member(db, event, organiser, Role.ORGANISER)
    items = [make_item(db, event, f"Session {n}", at=f"{9 + n:02d}:00") for n in range(ROUNDS)]
    db.commit()
    # the paths are read now: a refresh of the event mid-round would hold SQLite's write lock
    targets = [(item.id, f"/manage/events/{event.id}/notes/{item.id}") for item in items]
    (first, first_token), (second, second_token) = (
        organiser_at(spawn_server(), owner),
        organiser_at(spawn_server(), organiser),
    )

    outcomes = []
    for item_id, path in targets:
        answers = together(
            partial(save, first, first_token, path, "The MFA's first text.", 1, 0),
            partial(save, second, second_token, path, "The EU's first text.", 1, 0),
        )
        _sections, _version, revision = stored(db, item_id)
        outcomes.append((sorted(answer.status_code for answer in answers), revision))

    assert outcomes == [([303, 409], 1)] * ROUNDS
    assert db.scalar(select(func.count()).select_from(Note)) == ROUNDS


def test_reviewers_of_both_cohosts_approving_at_once_both_count(db, spawn_server):
    owner, organiser = make_user(db, name="Owner at the MFA"), make_user(db, name="EU organiser")
    event = make_event(db, owner=owner, languages="en")
    add_member(db, event, organiser, Role.ORGANISER)
    ministry = add_host(db, event, "Ministry of Foreign Affairs", position=0)
    delegation = add_host(db, event, "EU Delegation", position=1)
    for user, host in ((owner, ministry), (organiser, delegation)):
        membership = db.scalar(
            select(Membership).where(Membership.event_id == event.id, Membership.user_id == user.id)
        )
        membership.organisation_id = host.id
    db.get(Event, event.id).needs_cohost_approval = True
    item = make_item(db, event, "Keynote", at="10:00")
    db.commit()
    (first, first_token), (second, second_token) = (
        organiser_at(spawn_server(), owner),
        organiser_at(spawn_server(), organiser),
    )
    path = f"/manage/events/{event.id}/notes/{item.id}/approve"

    outcomes = []
    for round_ in range(ROUNDS):
        note = notes.note_for(db, event, item)
        notes.save(
            db, event, note, actor=owner, sections={"summary": f"Revision {round_}."},
            action_items=[], expected_version=note.version,
        )  # fmt: skip
        notes.submit(db, event, note, actor=owner)
        db.commit()
        answers = together(
            partial(first.post, path, data={"csrf_token": first_token}),
            partial(second.post, path, data={"csrf_token": second_token}),
        )
        db.expire_all()
        note = db.scalar(select(Note).where(Note.agenda_item_id == item.id))
        approvals = db.scalar(
            select(func.count())
            .select_from(NoteApproval)
            .where(
                NoteApproval.note_id == note.id,
                NoteApproval.revision_number == note.revision_count,
            )
        )
        outcomes.append(([answer.status_code for answer in answers], note.status, approvals))
        db.rollback()

    assert outcomes == [([303, 303], NoteStatus.APPROVED, 2)] * ROUNDS
