"""The demo: the seminar of 8 August 2025 and an upcoming forum, co-hosted by the Thai Ministry
of Foreign Affairs and the EU Delegation, loaded idempotently."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import SQLModel

from eventapp import agenda, demo, demo_notes, events, notes, questions, registration
from eventapp.models import (
    CheckIn,
    Event,
    EventStatus,
    MailMessage,
    Membership,
    Note,
    NoteApproval,
    NoteRevision,
    ParticipantList,
    Registration,
    RegistrationMode,
    Role,
    User,
)
from tests.factories import page


def _counts(db) -> dict[str, int]:
    return {
        table.name: db.scalar(sa.select(sa.func.count()).select_from(table))
        for table in SQLModel.metadata.sorted_tables
    }


def _statuses(db, slug: str) -> dict[str, int]:
    return registration.counts(db, events.event_by_slug(db, slug))


def test_the_demo_loads_twice_without_changing_anything(db):
    demo.load(db)
    db.commit()
    first = _counts(db)
    forum, seminar = _statuses(db, demo.FORUM_SLUG), _statuses(db, demo.SEMINAR_SLUG)

    logins = demo.load(db)
    db.commit()

    assert _counts(db) == first
    assert (first["event"], first["event_host"], first["user"]) == (2, 4, 5)
    assert (_statuses(db, demo.FORUM_SLUG), _statuses(db, demo.SEMINAR_SLUG)) == (forum, seminar)
    assert forum == {"confirmed": 40, "waitlisted": 0, "pending": 3, "rejected": 2, "cancelled": 3}
    assert seminar == {
        "confirmed": 36, "waitlisted": 3, "pending": 0, "rejected": 0, "cancelled": 2
    }  # fmt: skip
    assert ("registrar@mfa.example.org", demo.DEMO_PASSWORD, "registrar") in logins


def test_the_seminar_is_the_one_of_8_august_2025_in_bangkok(db):
    demo.load(db)
    db.commit()

    seminar = events.event_by_slug(db, demo.SEMINAR_SLUG)
    hosts = [
        organisation.name for organisation, _logo in events.hosts_of(db, [seminar.id])[seminar.id]
    ]

    assert seminar.starts_at.astimezone(ZoneInfo(seminar.timezone)).date() == date(2025, 8, 8)
    assert (seminar.timezone, seminar.status, seminar.language_list) == (
        "Asia/Bangkok",
        EventStatus.PUBLISHED,
        ["en", "th"],
    )
    assert seminar.venue_address.endswith("Bangkok 10400, Thailand")
    assert hosts == [
        "Ministry of Foreign Affairs of the Kingdom of Thailand",
        "Delegation of the European Union to Thailand",
    ]
    assert "(ESIWA+)" in seminar.description.split("\n")[0]


def test_the_forum_is_upcoming_relative_to_the_day_it_is_loaded(db):
    loaded_on = datetime(2030, 1, 15, 10, tzinfo=ZoneInfo("Asia/Bangkok"))

    demo.load(db, today=loaded_on)
    db.commit()

    forum = events.event_by_slug(db, demo.FORUM_SLUG)
    assert forum.starts_at.astimezone(ZoneInfo("Asia/Bangkok")).date() == date(2030, 3, 1)
    assert forum.starts_at > loaded_on.astimezone(UTC)


def test_the_demo_team_has_every_role_on_both_events(db):
    demo.load(db)
    db.commit()

    roles = sorted(
        (slug, role)
        for slug, role in db.execute(
            sa.select(Event.slug, Membership.role).join(Membership, Membership.event_id == Event.id)
        )
    )
    admins = db.scalars(sa.select(User.email).where(User.is_admin.is_(True))).all()

    assert roles == sorted(
        (slug, role.value)
        for slug in (demo.FORUM_SLUG, demo.SEMINAR_SLUG)
        for role in (Role.OWNER, Role.ORGANISER, Role.REGISTRAR, Role.RAPPORTEUR)
    )
    assert admins == ["admin@example.org"]


def test_the_seminar_programme_covers_the_three_themes_of_the_article(db):
    demo.load(db)
    db.commit()
    seminar = events.event_by_slug(db, demo.SEMINAR_SLUG)

    programme = agenda.published_programme(db, seminar)

    titles = [programme.title(item) for item in programme.items]
    assert titles[:3] == [
        "Registration",
        "Welcome",
        "Opening remarks by the Vice Minister for Foreign Affairs",
    ]
    assert [t for t in titles if t.startswith("Session")] == [
        "Session 1: Online scams linked to other transnational crimes",
        "Session 2: Strengthening legal and operational frameworks",
        "Session 3: Building public–private partnerships",
    ]
    assert [item.titles["th"] != "" for item in programme.items] == [True] * len(titles)
    assert (programme.number, programme.clashes()) == (1, [])


def test_the_forum_has_two_days_three_rooms_and_a_second_release(db):
    demo.load(db, today=datetime(2030, 1, 15, 10, tzinfo=ZoneInfo("Asia/Bangkok")))
    db.commit()
    forum = events.event_by_slug(db, demo.FORUM_SLUG)

    programme = agenda.published_programme(db, forum)
    latest = agenda.latest_release(db, forum)

    assert [room.name for room in programme.rooms] == demo.FORUM_ROOMS
    assert [(day.isoformat(), len(items)) for day, items in programme.days()] == [
        ("2030-03-01", 14),
        ("2030-03-02", 10),
    ]
    assert (latest.number, [c["change"] for c in latest.changes]) == (2, ["moved", "moved"])
    assert programme.clashes() == []


def test_the_seminar_line_up_is_the_articles_officials_first_all_confirmed(db):
    from eventapp import people

    demo.load(db)
    db.commit()
    seminar = events.event_by_slug(db, demo.SEMINAR_SLUG)

    lineups = people.lineups(db, seminar)
    entries = [entry for found in lineups.values() for entry in found]
    by_precedence = sorted({(e.speaker.precedence, e.person.id): e for e in entries}.values(),
                           key=lambda e: e.speaker.precedence)  # fmt: skip

    assert [people.name_for(e.person, "formal") for e in by_precedence[:4]] == [
        "H.E. Mr. Russ Jalichandra, Vice Minister for Foreign Affairs, "
        "Ministry of Foreign Affairs of Thailand",
        "H.E. Mr. David Daly, Ambassador of the European Union to Thailand, "
        "Delegation of the European Union to Thailand",
        "Prof. Wisit Wisitsora-at, Permanent Secretary, Ministry of Digital Economy and Society",
        "Mrs. Krongkanit Rakcharoen, Director-General, Department of European Affairs, "
        "Ministry of Foreign Affairs of Thailand",
    ]
    assert {str(e.appearance.status) for e in entries} == {"confirmed"}


def test_the_forum_shares_the_teams_people_and_has_invitations_pending(db):
    from eventapp import people

    demo.load(db)
    db.commit()
    seminar = events.event_by_slug(db, demo.SEMINAR_SLUG)
    forum = events.event_by_slug(db, demo.FORUM_SLUG)

    entries = [entry for found in people.lineups(db, forum).values() for entry in found]
    pending = sorted(
        people.name_for(e.person, "agenda") for e in entries if e.appearance.status == "invited"
    )

    assert forum.team_id == seminar.team_id
    assert pending == ["Mr. Somsak Example", "Ms. Anna Specimen", "Ms. Eva Placeholder",
                       "Ms. Kanya Tuayang"]  # fmt: skip
    assert all(
        e.speaker.invited_at is not None for e in entries if e.appearance.status == "invited"
    )


def test_the_forum_is_open_with_places_left_questions_and_registrations_answering_them(db):
    loaded_on = datetime(2030, 1, 15, 10, tzinfo=ZoneInfo("Asia/Bangkok"))
    demo.load(db, today=loaded_on)
    db.commit()
    forum = events.event_by_slug(db, demo.FORUM_SLUG)

    settings = registration.settings_of(db, forum)
    asked = questions.for_event(db, forum)
    rows = db.scalars(sa.select(Registration).where(Registration.event_id == forum.id)).all()

    assert registration.is_open(settings, now=loaded_on.astimezone(UTC)) is True
    assert registration.is_open(settings, now=forum.starts_at) is False  # closed the day before
    assert (settings.capacity, registration.places_left(settings), settings.has_waitlist) == (
        150,
        110,
        True,
    )
    assert (settings.mode, settings.group_max, settings.participant_list) == (
        RegistrationMode.OPEN,
        3,
        ParticipantList.PUBLIC,
    )
    assert (settings.retention_days, sorted(settings.privacy)) == (180, ["en", "th"])
    assert [(q.kind, q.labels["en"], q.labels["th"] != "") for q in asked] == [
        ("single_choice", "Dietary needs", True),
        ("single_choice", "Which panel interests you most?", True),
        ("checkbox", "I need a visa support letter", True),
    ]
    dietary, panel, visa = asked
    assert [c["labels"]["en"] for c in panel.choices] == [
        "Cyber diplomacy in practice",
        "Protecting citizens from online fraud",
        "Regional cooperation against scam centres",
        "Legal frameworks in the EU and ASEAN",
        "Public–private partnerships",
    ]
    choice_ids = {q.id: {c["id"] for c in q.choices} for q in (dietary, panel)}
    assert all(row.answers[str(q.id)] in choice_ids[q.id] for row in rows for q in (dietary, panel))
    assert {type(row.answers[str(visa.id)]) for row in rows} == {bool}
    assert 20 < sum(row.in_participant_list for row in rows) < len(rows)
    assert {row.language for row in rows} == {"en", "th"}
    assert [row.group_lead_id is not None for row in rows].count(True) == 1


def test_the_seminar_was_full_most_came_and_no_demo_attendee_has_mail_waiting(db):
    demo.load(db)
    db.commit()
    seminar = events.event_by_slug(db, demo.SEMINAR_SLUG)

    settings = registration.settings_of(db, seminar)
    rows = db.scalars(sa.select(Registration).where(Registration.event_id == seminar.id)).all()
    addresses = db.scalars(sa.select(MailMessage.to_address)).all()
    check_ins = dict(
        db.execute(sa.select(CheckIn.event_id, sa.func.count()).group_by(CheckIn.event_id)).all()
    )

    assert (settings.confirmed, registration.places_left(settings)) == (36, 0)
    assert registration.is_open(settings) is False
    assert check_ins == {seminar.id: 31}  # and nobody yet at the upcoming forum
    assert [registration.by_token(db, registration.link_token(row)).id for row in rows] == [
        row.id for row in rows
    ]
    assert [
        registration.by_ticket(db, seminar, registration.ticket_code(row)).id for row in rows
    ] == [row.id for row in rows]
    # Only the speakers' invitations: the attendees' confirmations went long ago.
    assert sorted(address.split("@")[1] for address in addresses) == ["people.example.org"] * 4


# The seminar's substantive sessions, in agenda order: not registration, welcome, breaks, lunch
# or the closing, of which the article says nothing.
SEMINAR_SUMMARIES = [
    "Opening remarks by the Vice Minister for Foreign Affairs",
    "Remarks by the Ambassador of the European Union to Thailand",
    "Keynote: Thailand's national and regional role in tackling online scams",
    "Session 1: Online scams linked to other transnational crimes",
    "Session 2: Strengthening legal and operational frameworks",
    "Session 3: Building public–private partnerships",
    "Enhancing Thailand–EU cooperation on policy and practice",
]
RAPPORTEUR = "rapporteur@eu-delegation.example.org"


def _notes_of(db, slug: str) -> list[Note]:
    event = events.event_by_slug(db, slug)
    return db.scalars(sa.select(Note).where(Note.event_id == event.id).order_by(Note.id)).all()


def test_the_seminar_has_a_published_summary_of_each_substantive_session(db):
    demo.load(db)
    db.commit()
    seminar = events.event_by_slug(db, demo.SEMINAR_SLUG)
    rapporteur = db.scalar(sa.select(User).where(User.email == RAPPORTEUR))

    summaries = notes.published_summaries(db, seminar)
    found = _notes_of(db, demo.SEMINAR_SLUG)
    approved_by = db.execute(
        sa.select(NoteApproval.note_id, NoteApproval.organisation_id).order_by(NoteApproval.id)
    ).all()
    cohosts = [host.id for host in notes.cohosts_of(db, seminar)]

    assert [s.item.titles["en"] for s in summaries] == SEMINAR_SUMMARIES
    assert [item.titles["en"] for item, _note in notes.status_of_mine(db, seminar, rapporteur)] == (
        SEMINAR_SUMMARIES
    )
    assert {(note.status, note.published_sections == note.sections) for note in found} == {
        ("published", True)
    }
    assert seminar.needs_cohost_approval is True
    assert [(note_id, org) for note_id, org in approved_by if note_id in {n.id for n in found}] == [
        (note.id, host) for note in found for host in cohosts
    ]
    assert {
        tuple(sorted(name for name, text in s.sections.items() if text)) for s in summaries
    } == {("key_points", "recommendations", "summary")}
    assert {
        tuple(bool(action[name]) for name in notes.ACTION_FIELDS)
        for s in summaries
        for action in s.action_items
    } == {(True, True, True)}


def test_nobody_is_quoted_in_the_seminar_notes(db):
    demo.load(db)
    db.commit()

    found = _notes_of(db, demo.SEMINAR_SLUG)
    revisions = db.scalars(
        sa.select(NoteRevision).where(NoteRevision.note_id.in_([note.id for note in found]))
    ).all()
    texts = [
        text
        for sections in [n.sections for n in found] + [r.sections for r in revisions]
        for text in sections.values()
    ]

    assert {(note.sections["quotes"], note.published_sections["quotes"]) for note in found} == {
        ("", "")
    }
    assert [text for text in texts if any(mark in text for mark in '"“”«»„')] == []


def test_the_seminar_report_has_the_foreword_every_summary_and_the_conclusions(client, db):
    demo.load(db)
    db.commit()

    response = client.get(f"/events/{demo.SEMINAR_SLUG}/report")

    soup = page(response)
    assert response.status_code == 200
    assert [p.get_text() for p in soup.select("#report-foreword .prose p")] == [
        paragraph.replace("*", "") for paragraph in demo_notes.SEMINAR_FOREWORD.split("\n\n")
    ]
    assert [h.get_text(strip=True) for h in soup.select("#report-summaries .summary-title")] == (
        SEMINAR_SUMMARIES
    )
    assert [h.get_text() for h in soup.select("#report-recommendations h3")] == SEMINAR_SUMMARIES
    assert [
        tr.select("td")[3].get_text() for tr in soup.select("#report-action-table tbody tr")
    ] == (SEMINAR_SUMMARIES)
    assert len(soup.select("#report-conclusions .prose li")) == 3


def test_the_forum_has_a_note_at_each_step_of_review(db):
    demo.load(db)
    db.commit()
    forum = events.event_by_slug(db, demo.FORUM_SLUG)
    rapporteur = db.scalar(sa.select(User).where(User.email == RAPPORTEUR))

    mine = {item.titles["en"]: note for item, note in notes.status_of_mine(db, forum, rapporteur)}
    statuses = {title: note.status if note else None for title, note in mine.items()}
    panel = mine["Panel: Cyber diplomacy in practice"]
    submitted = mine["Panel: Protecting citizens from online fraud"]

    assert statuses == {
        "Opening remarks by the co-hosts": "published",
        "Keynote: Digital diplomacy after the Bangkok seminar": None,
        "Panel: Cyber diplomacy in practice": "draft",
        "Workshop: Sharing threat intelligence between CERTs": "approved",
        "Workshop: Capacity building for ASEAN member states": "changes_requested",
        "Panel: Protecting citizens from online fraud": "submitted",
        "Round table: Telecom providers and digital platforms": "draft",
    }
    assert {note.status for note in _notes_of(db, demo.FORUM_SLUG)} == {
        "draft", "submitted", "changes_requested", "approved", "published"
    }  # fmt: skip
    assert (panel.revision_count, panel.published_at is not None) == (2, True)
    assert panel.published_sections["summary"] != panel.sections["summary"]
    assert mine["Workshop: Capacity building for ASEAN member states"].review_comment == (
        "Please add the recommendations the workshop agreed on, and who follows up each."
    )
    assert [host.short_name for host in notes.missing_approvals(db, forum, submitted)] == [
        "EU Delegation"
    ]
    assert [item.titles["en"] for item, _note in notes.review_queue(db, forum)] == [
        "Workshop: Sharing threat intelligence between CERTs",
        "Panel: Protecting citizens from online fraud",
    ]


def test_loading_again_adds_no_note_revision_or_approval_and_leaves_no_mail_about_notes(db):
    tables = ("note", "note_revision", "note_approval", "rapporteur_assignment")
    team = [email for email, _name, _role in demo.TEAM]
    demo.load(db)
    db.commit()
    first = {name: _counts(db)[name] for name in tables}

    demo.load(db)
    db.commit()

    assert {name: _counts(db)[name] for name in tables} == first
    # Seminar: 7 notes, each approved by both co-hosts. Forum: 6 notes (one with a second
    # revision), 7 approvals, and an assignment with no note yet.
    assert first == {
        "note": 13, "note_revision": 14, "note_approval": 21, "rapporteur_assignment": 14
    }  # fmt: skip
    assert (
        db.scalars(sa.select(MailMessage.to_address).where(MailMessage.to_address.in_(team))).all()
        == []
    )
