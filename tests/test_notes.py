"""Notes rules: rapporteurs, revisions, stale saves, review, co-host approval and publication."""

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from eventapp import notes
from eventapp.events import StaleEdit
from eventapp.models import ActivityLog, Event, MailMessage, NoteApproval, NoteStatus, Role
from tests.factories import add_host, add_member, make_event, make_item, make_user, read


@pytest.fixture
def owner(db):
    return make_user(db, "owner@example.org", name="Owner")


@pytest.fixture
def event(db, owner):
    return make_event(db, owner=owner, languages="en")


@pytest.fixture
def organiser(db, event):
    user = make_user(db, "organiser@example.org", name="Organiser")
    add_member(db, event, user, Role.ORGANISER)
    return user


@pytest.fixture
def rapporteur(db, event):
    user = make_user(db, "rapporteur@example.org", name="Rapporteur")
    add_member(db, event, user, Role.RAPPORTEUR)
    return user


@pytest.fixture
def item(db, event):
    return make_item(db, event, "Panel on scam centres", at="10:00")


@pytest.fixture
def note(db, event, item, rapporteur, owner):
    notes.assign(db, event, item, rapporteur, actor=owner)
    note = notes.note_for(db, event, item)
    db.commit()
    return note


def write(db, event, note, user, text="Scam centres grew.", **kwargs):
    saved = notes.save(
        db,
        event,
        note,
        actor=user,
        sections={"summary": text},
        action_items=kwargs.pop("action_items", []),
        expected_version=kwargs.pop("expected_version", note.version),
        **kwargs,
    )
    db.commit()
    return saved


def mails(db) -> list[tuple[str, str]]:
    rows = db.scalars(select(MailMessage).order_by(MailMessage.id))
    return [(m.to_address, m.subject) for m in rows]


def submitted(db, event, note, rapporteur, text="Scam centres grew."):
    write(db, event, note, rapporteur, text)
    notes.submit(db, event, note, actor=rapporteur)
    db.commit()
    return note


# Rapporteurs --------------------------------------------------------------------------------------


def test_a_rapporteur_edits_only_the_items_assigned_to_them(db, event, item, rapporteur, owner):
    other_item = make_item(db, event, "Closing", at="16:00")
    notes.assign(db, event, item, rapporteur, actor=owner)
    db.commit()

    assert notes.can_edit(db, rapporteur, Role.RAPPORTEUR, item) is True
    assert notes.can_edit(db, rapporteur, Role.RAPPORTEUR, other_item) is False


def test_organisers_owners_and_site_admins_edit_every_note(db, event, item, organiser, owner):
    admin = make_user(db, is_admin=True)
    viewer = make_user(db)
    add_member(db, event, viewer, Role.VIEWER)

    assert [
        notes.can_edit(db, organiser, Role.ORGANISER, item),
        notes.can_edit(db, owner, Role.OWNER, item),
        notes.can_edit(db, admin, None, item),
        notes.can_edit(db, viewer, Role.VIEWER, item),
    ] == [True, True, True, False]


def test_assignments_are_listed_per_item_and_can_be_undone(db, event, item, rapporteur, owner):
    second = make_user(db, name="Second")
    add_member(db, event, second, Role.RAPPORTEUR)
    notes.assign(db, event, item, rapporteur, actor=owner)
    notes.assign(db, event, item, second, actor=owner)
    notes.assign(db, event, item, second, actor=owner)  # twice: still one assignment
    db.commit()

    assert {k: [u.id for u in v] for k, v in notes.assignments_of(db, event).items()} == {
        item.id: [rapporteur.id, second.id]
    }

    assert notes.unassign(db, event, item, rapporteur, actor=owner) is True
    assert notes.unassign(db, event, item, rapporteur, actor=owner) is False
    db.commit()
    assert [u.id for u in notes.assignments_of(db, event)[item.id]] == [second.id]
    actions = db.scalars(select(ActivityLog.action).order_by(ActivityLog.id)).all()
    assert actions == ["note.assign", "note.assign", "note.unassign"]


def test_only_team_members_can_be_assigned(db, event, item, owner):
    stranger = make_user(db)

    with pytest.raises(notes.NotAMember):
        notes.assign(db, event, item, stranger, actor=owner)


def test_an_item_of_another_event_has_no_note_here(db, event, owner):
    other_event = make_event(db, owner=owner)
    other_item = make_item(db, other_event)

    assert notes.note_for(db, event, other_item) is None
    assert notes.find_note(db, event, other_item) is None


# Saving and revisions -----------------------------------------------------------------------------


def test_each_save_is_a_numbered_revision(db, event, note, rapporteur, organiser):
    write(db, event, note, rapporteur, "First", autosave=True)
    write(db, event, note, organiser, "Second")

    found = [(r.number, r.sections["summary"], r.is_autosave) for r in notes.revisions(db, note)]
    assert found == [(2, "Second", False), (1, "First", True)]
    assert (note.version, note.revision_count, note.updated_by_id) == (3, 2, organiser.id)
    actions = db.scalars(select(ActivityLog.action).where(ActivityLog.object_type == "Note"))
    assert list(actions) == ["note.autosave", "note.save"]


def test_a_save_that_changes_nothing_makes_no_revision(db, event, note, rapporteur):
    write(db, event, note, rapporteur, "Same")
    write(db, event, note, rapporteur, "Same", autosave=True)

    assert (note.revision_count, note.version) == (1, 2)


def test_a_stale_save_is_refused_with_the_current_text(db, event, note, rapporteur, organiser):
    opened_at = note.version
    write(db, event, note, organiser, "The organiser's text")

    with pytest.raises(StaleEdit) as refused:
        write(db, event, note, rapporteur, "The rapporteur's text", expected_version=opened_at)

    assert refused.value.current.sections["summary"] == "The organiser's text"
    db.rollback()
    assert [r.number for r in notes.revisions(db, note)] == [1]


def test_an_old_revision_is_restored_as_a_new_one(db, event, note, rapporteur):
    write(db, event, note, rapporteur, "First")
    write(db, event, note, rapporteur, "Second")

    notes.restore(db, event, note, 1, actor=rapporteur, expected_version=note.version)
    db.commit()

    found = [(r.number, r.sections["summary"]) for r in notes.revisions(db, note)]
    assert found == [(3, "First"), (2, "Second"), (1, "First")]
    assert note.sections["summary"] == "First"


def test_restoring_a_revision_that_does_not_exist_is_refused(db, event, note, rapporteur):
    with pytest.raises(notes.RevisionNotFound):
        notes.restore(db, event, note, 7, actor=rapporteur, expected_version=note.version)


def test_a_note_over_200000_characters_is_refused(db, event, note, rapporteur):
    with pytest.raises(notes.TooLong) as refused:
        write(db, event, note, rapporteur, "x" * 200_001)

    assert refused.value.length == 200_001
    db.rollback()
    write(db, event, note, rapporteur, "x" * 200_000)
    assert note.revision_count == 1


def test_sections_the_event_does_not_use_are_ignored(db, event, note, rapporteur):
    event.note_sections = ["summary", "recommendations"]
    db.commit()

    notes.save(
        db,
        event,
        note,
        actor=rapporteur,
        sections={"summary": "S", "quotes": "Q", "recommendations": "R\r\nmore"},
        action_items=[{"what": "W"}],
        expected_version=note.version,
    )

    assert (note.sections, note.action_items) == (
        {"summary": "S", "recommendations": "R\nmore"},
        [],
    )


def test_action_items_are_cleaned_and_empty_ones_dropped(db, event, note, rapporteur):
    items = [
        {"what": " Share  data ", "who": "Both ministries", "by": "2025-09-30"},
        {"what": "", "who": "", "by": ""},
        {"what": "Meet again"},
    ]

    write(db, event, note, rapporteur, action_items=items)

    assert note.action_items == [
        {"what": "Share data", "who": "Both ministries", "by": "2025-09-30"},
        {"what": "Meet again", "who": "", "by": ""},
    ]


@pytest.mark.parametrize(
    ("entry", "field"), [({"who": "Someone"}, "what"), ({"what": "W", "by": "soon"}, "by")]
)
def test_an_action_item_without_what_or_with_a_bad_date_is_refused(
    db, event, note, rapporteur, entry, field
):
    with pytest.raises(notes.InvalidActionItem) as refused:
        write(db, event, note, rapporteur, action_items=[{"what": "ok"}, entry])

    assert (refused.value.index, refused.value.field) == (1, field)


def test_diff_lines_marks_same_removed_and_added_lines():
    old = "one\ntwo\nthree"
    new = "one\n2\nthree\nfour"

    assert notes.diff_lines(old, new) == [
        ("same", "one"),
        ("removed", "two"),
        ("added", "2"),
        ("same", "three"),
        ("added", "four"),
    ]


def test_plain_text_puts_sections_and_action_items_in_the_event_order(db, event):
    event.note_sections = ["recommendations", "summary", "action_items"]

    text = notes.plain_text(event, {"summary": "S", "recommendations": "R"}, [{"what": "W"}])

    assert text == "## Recommendations\n\nR\n\n## Summary\n\nS\n\n## Action items\n\n- W\n"


# Review and publication ---------------------------------------------------------------------------


def test_submit_mails_each_owner_and_organiser(db, event, note, rapporteur, organiser):
    write(db, event, note, rapporteur)

    notes.submit(db, event, note, actor=rapporteur)
    db.commit()

    assert note.status == NoteStatus.SUBMITTED
    assert mails(db) == [
        ("owner@example.org", "Summary submitted for review: Panel on scam centres"),
        ("organiser@example.org", "Summary submitted for review: Panel on scam centres"),
    ]


def test_an_empty_note_cannot_be_submitted(db, event, note, rapporteur):
    with pytest.raises(notes.EmptyNote):
        notes.submit(db, event, note, actor=rapporteur)


def test_request_changes_needs_a_comment_and_mails_the_rapporteurs(
    db, event, note, rapporteur, organiser
):
    submitted(db, event, note, rapporteur)
    before = len(mails(db))
    with pytest.raises(notes.CommentRequired):
        notes.request_changes(db, event, note, actor=organiser, comment="  ")

    notes.request_changes(db, event, note, actor=organiser, comment="Add the figures.")
    db.commit()

    assert (note.status, note.review_comment) == (NoteStatus.CHANGES_REQUESTED, "Add the figures.")
    assert mails(db)[before:] == [
        ("rapporteur@example.org", "Changes requested to your summary of Panel on scam centres")
    ]
    message = db.scalars(select(MailMessage).order_by(MailMessage.id.desc())).first()
    assert "Add the figures." in message.body_text


def test_a_revised_note_stays_changes_requested_until_submitted_again(
    db, event, note, rapporteur, organiser
):
    submitted(db, event, note, rapporteur)
    notes.request_changes(db, event, note, actor=organiser, comment="More.")
    db.commit()

    write(db, event, note, rapporteur, "Now with figures.")
    assert note.status == NoteStatus.CHANGES_REQUESTED
    notes.submit(db, event, note, actor=rapporteur)
    db.commit()

    assert (note.status, note.review_comment) == (NoteStatus.SUBMITTED, "")


def test_approve_then_publish_mails_the_rapporteurs_each_step(
    db, event, note, rapporteur, organiser
):
    submitted(db, event, note, rapporteur)
    before = len(mails(db))

    notes.approve(db, event, note, actor=organiser)
    db.commit()
    assert note.status == NoteStatus.APPROVED
    notes.publish(db, event, note, actor=organiser)
    db.commit()

    assert note.status == NoteStatus.PUBLISHED
    assert note.published_sections == {
        "summary": "Scam centres grew.",
        "key_points": "",
        "recommendations": "",
        "quotes": "",
    }
    assert mails(db)[before:] == [
        ("rapporteur@example.org", "Your summary of Panel on scam centres is approved"),
        ("rapporteur@example.org", "Your summary of Panel on scam centres is published"),
    ]
    approvals = db.scalars(select(NoteApproval)).all()
    assert [(a.user_id, a.revision_number) for a in approvals] == [(organiser.id, 1)]


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (NoteStatus.DRAFT, "approve"),
        (NoteStatus.DRAFT, "publish"),
        (NoteStatus.DRAFT, "request_changes"),
        (NoteStatus.SUBMITTED, "submit"),
        (NoteStatus.SUBMITTED, "publish"),
        (NoteStatus.APPROVED, "submit"),
        (NoteStatus.APPROVED, "approve"),
        (NoteStatus.PUBLISHED, "publish"),
        (NoteStatus.PUBLISHED, "submit"),
    ],
)
def test_a_step_from_the_wrong_status_is_refused_naming_the_status(
    db, event, note, rapporteur, organiser, status, step
):
    write(db, event, note, rapporteur)
    note.status = status
    db.commit()
    calls = {
        "submit": lambda: notes.submit(db, event, note, actor=rapporteur),
        "approve": lambda: notes.approve(db, event, note, actor=organiser),
        "publish": lambda: notes.publish(db, event, note, actor=organiser),
        "request_changes": lambda: notes.request_changes(
            db, event, note, actor=organiser, comment="x"
        ),
    }

    with pytest.raises(notes.NotAllowedNow) as refused:
        calls[step]()

    assert refused.value.status == status


def test_editing_a_submitted_or_approved_note_returns_it_to_draft(
    db, event, note, rapporteur, organiser
):
    submitted(db, event, note, rapporteur)
    write(db, event, note, rapporteur, "Changed while submitted")
    assert note.status == NoteStatus.DRAFT

    notes.submit(db, event, note, actor=rapporteur)
    notes.approve(db, event, note, actor=organiser)
    db.commit()
    write(db, event, note, rapporteur, "Changed after approval")

    assert note.status == NoteStatus.DRAFT
    with pytest.raises(notes.NotAllowedNow):
        notes.publish(db, event, note, actor=organiser)


def test_the_published_text_stays_while_a_new_draft_is_written(
    db, event, note, rapporteur, organiser
):
    submitted(db, event, note, rapporteur, "Version one")
    notes.approve(db, event, note, actor=organiser)
    notes.publish(db, event, note, actor=organiser)
    db.commit()

    write(db, event, note, rapporteur, "Version two")

    assert note.status == NoteStatus.DRAFT
    assert [s.sections["summary"] for s in notes.published_summaries(db, event)] == ["Version one"]

    notes.submit(db, event, note, actor=rapporteur)
    notes.approve(db, event, note, actor=organiser)
    assert [s.sections["summary"] for s in notes.published_summaries(db, event)] == ["Version one"]
    notes.publish(db, event, note, actor=organiser)
    db.commit()

    assert [s.sections["summary"] for s in notes.published_summaries(db, event)] == ["Version two"]


def test_unpublish_removes_the_public_text(db, event, note, rapporteur, organiser):
    submitted(db, event, note, rapporteur)
    notes.approve(db, event, note, actor=organiser)
    notes.publish(db, event, note, actor=organiser)
    db.commit()

    notes.unpublish(db, event, note, actor=organiser)
    db.commit()

    assert note.status == NoteStatus.APPROVED
    assert (note.published_sections, note.published_at) == ({}, None)
    assert notes.published_summaries(db, event) == []
    with pytest.raises(notes.NotAllowedNow):
        notes.unpublish(db, event, note, actor=organiser)


def test_unpublish_while_a_new_draft_is_written_keeps_the_draft(
    db, event, note, rapporteur, organiser
):
    submitted(db, event, note, rapporteur, "Public")
    notes.approve(db, event, note, actor=organiser)
    notes.publish(db, event, note, actor=organiser)
    write(db, event, note, rapporteur, "Being rewritten")

    notes.unpublish(db, event, note, actor=organiser)
    db.commit()

    assert (note.status, note.sections["summary"]) == (NoteStatus.DRAFT, "Being rewritten")
    assert notes.published_summaries(db, event) == []


# Co-host approval ---------------------------------------------------------------------------------


@pytest.fixture
def cohosts(db, event):
    event.needs_cohost_approval = True
    db.commit()
    return add_host(db, event, "Ministry", position=0), add_host(
        db, event, "Delegation", position=1
    )


def reviewer(db, event, organisation, email):
    user = make_user(db, email)
    membership = add_member(db, event, user, Role.ORGANISER)
    membership.organisation_id = organisation.id if organisation else None
    db.commit()
    return user


def test_each_cohost_must_approve_before_the_note_is_approved(db, event, note, rapporteur, cohosts):
    ministry, delegation = cohosts
    first = reviewer(db, event, ministry, "m1@example.org")
    colleague = reviewer(db, event, ministry, "m2@example.org")
    other = reviewer(db, event, delegation, "d1@example.org")
    submitted(db, event, note, rapporteur)

    notes.approve(db, event, note, actor=first)
    notes.approve(db, event, note, actor=colleague)  # the same co-host again: still one
    db.commit()
    assert note.status == NoteStatus.SUBMITTED
    assert [o.name for o in notes.missing_approvals(db, event, note)] == ["Delegation"]
    with pytest.raises(notes.AlreadyApproved):
        notes.approve(db, event, note, actor=first)

    notes.approve(db, event, note, actor=other)
    db.commit()

    assert note.status == NoteStatus.APPROVED
    approved_mails = [m for m in mails(db) if m[1].endswith("is approved")]
    assert approved_mails == [
        ("rapporteur@example.org", "Your summary of Panel on scam centres is approved")
    ]


def test_approvals_of_an_older_revision_no_longer_count(db, event, note, rapporteur, cohosts):
    ministry, delegation = cohosts
    first = reviewer(db, event, ministry, "m1@example.org")
    other = reviewer(db, event, delegation, "d1@example.org")
    submitted(db, event, note, rapporteur)
    notes.approve(db, event, note, actor=first)
    db.commit()

    write(db, event, note, rapporteur, "Revised")
    notes.submit(db, event, note, actor=rapporteur)
    notes.approve(db, event, note, actor=other)
    db.commit()

    assert note.status == NoteStatus.SUBMITTED
    assert [o.name for o in notes.missing_approvals(db, event, note)] == ["Ministry"]


def test_a_reviewer_speaking_for_no_cohost_cannot_approve(db, event, note, rapporteur, cohosts):
    loose = reviewer(db, event, None, "loose@example.org")
    submitted(db, event, note, rapporteur)

    with pytest.raises(notes.NoCohost):
        notes.approve(db, event, note, actor=loose)


# Lists --------------------------------------------------------------------------------------------


def test_review_queue_lists_submitted_and_approved_notes_in_agenda_order(
    db, event, rapporteur, organiser, owner
):
    late = make_item(db, event, "Late", at="15:00")
    early = make_item(db, event, "Early", at="09:00")
    draft_item = make_item(db, event, "Draft", at="11:00")
    for item in (late, early, draft_item):
        notes.assign(db, event, item, rapporteur, actor=owner)
        note = notes.note_for(db, event, item)
        write(db, event, note, rapporteur)
        if item is not draft_item:
            notes.submit(db, event, note, actor=rapporteur)
    notes.approve(db, event, notes.find_note(db, event, late), actor=organiser)
    db.commit()

    found = [(i.titles["en"], n.status) for i, n in notes.review_queue(db, event)]

    assert found == [("Early", NoteStatus.SUBMITTED), ("Late", NoteStatus.APPROVED)]


def test_review_queue_takes_the_same_queries_for_1_and_20_notes(
    db, event, rapporteur, owner, count_queries
):
    def add_submitted(n):
        item = make_item(db, event, f"Session {n}", at=f"{8 + n % 10:02d}:{n % 6 * 10:02d}")
        note = notes.note_for(db, event, item)
        write(db, event, note, rapporteur, f"Text {n}")
        notes.submit(db, event, note, actor=rapporteur)
        db.commit()

    add_submitted(0)
    db.expire_all()
    assert event.id  # loaded again before counting, as a page has its event already
    with count_queries() as one:
        assert len(notes.review_queue(db, event)) == 1
    for n in range(1, 20):
        add_submitted(n)
    db.expire_all()
    assert event.id

    with count_queries() as twenty:
        assert len(notes.review_queue(db, event)) == 20

    assert len(twenty.statements) == len(one.statements)


def test_status_of_mine_lists_my_items_with_their_notes(db, event, rapporteur, owner):
    started = make_item(db, event, "Started", at="09:00")
    not_started = make_item(db, event, "Not started", at="10:00")
    someone_elses = make_item(db, event, "Someone else's", at="11:00")
    for item in (started, not_started):
        notes.assign(db, event, item, rapporteur, actor=owner)
    note = notes.note_for(db, event, started)
    notes.note_for(db, event, someone_elses)
    db.commit()

    found = [(i.id, n.id if n else None) for i, n in notes.status_of_mine(db, event, rapporteur)]

    assert found == [(started.id, note.id), (not_started.id, None)]


def test_published_summaries_and_outcomes_follow_the_agenda(db, event, rapporteur, organiser):
    texts = {"15:00": "Late", "09:00": "Early", "12:00": "Unpublished"}
    for at, title in texts.items():
        item = make_item(db, event, title, at=at)
        note = notes.note_for(db, event, item)
        notes.save(
            db,
            event,
            note,
            actor=rapporteur,
            sections={"summary": title, "recommendations": f"- Act on {title}"},
            action_items=[{"what": f"Follow up {title}", "who": "Both", "by": ""}],
            expected_version=note.version,
        )
        if title != "Unpublished":
            notes.submit(db, event, note, actor=rapporteur)
            notes.approve(db, event, note, actor=organiser)
            notes.publish(db, event, note, actor=organiser)
    db.commit()

    summaries = notes.published_summaries(db, event)
    outcomes = notes.recommendations_and_actions(db, event)

    assert [s.item.titles["en"] for s in summaries] == ["Early", "Late"]
    assert [(i.titles["en"], text) for i, text in outcomes.recommendations] == [
        ("Early", "- Act on Early"),
        ("Late", "- Act on Late"),
    ]
    assert [(i.titles["en"], a["what"]) for i, a in outcomes.action_items] == [
        ("Early", "Follow up Early"),
        ("Late", "Follow up Late"),
    ]


def test_published_summaries_take_one_query(db, event, rapporteur, organiser, count_queries):
    for n in range(5):
        note = notes.note_for(db, event, make_item(db, event, f"S{n}", at=f"{9 + n}:00"))
        write(db, event, note, rapporteur)
        notes.submit(db, event, note, actor=rapporteur)
        notes.approve(db, event, note, actor=organiser)
        notes.publish(db, event, note, actor=organiser)
        db.commit()
    db.expire_all()
    assert event.id  # loaded again before counting, as a page has its event already

    with count_queries() as counted:
        summaries = notes.published_summaries(db, event)
        notes.recommendations_and_actions(db, event, summaries)

    assert (len(summaries), len(counted.statements)) == (5, 1)


def test_the_review_comment_is_escaped_in_the_html_mail(db, event, note, rapporteur, organiser):
    submitted(db, event, note, rapporteur)

    notes.request_changes(db, event, note, actor=organiser, comment="<script>x</script>")
    db.commit()

    message = db.scalars(select(MailMessage).order_by(MailMessage.id.desc())).first()
    comment = BeautifulSoup(message.body_html, "html.parser").find(id="review-comment")
    assert (comment.get_text(), comment.find("script")) == ("<script>x</script>", None)


def test_publishing_and_unpublishing_mark_the_event_changed_for_the_page_cache(
    db, event, note, rapporteur, organiser
):
    """Session pages are cached by the event's last change and show the published summary."""
    submitted(db, event, note, rapporteur)
    notes.approve(db, event, note, actor=organiser)
    db.commit()
    changes = [read(db, select(Event.updated_at).where(Event.id == event.id))]

    notes.publish(db, event, note, actor=organiser)
    db.commit()
    changes.append(read(db, select(Event.updated_at).where(Event.id == event.id)))
    notes.unpublish(db, event, note, actor=organiser)
    db.commit()
    changes.append(read(db, select(Event.updated_at).where(Event.id == event.id)))

    assert changes == sorted(set(changes))  # three different times, each later
