"""A rapporteur's journey end to end: an organiser assigns her to a session; she writes its
summary, which is saved as she types, and submits it; the organiser asks for changes; she
revises it and submits again; the organiser approves and publishes it; a visitor reads it on
the summaries page and the session's page and downloads the outcome report as a PDF. Once with
JavaScript (htmx autosaving the editor) and once without (the Save button only)."""

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from eventapp.models import MailMessage, NoteRevision, Role
from tests.browser.conftest import screenshot
from tests.factories import (
    PASSWORD,
    add_member,
    make_event,
    make_item,
    make_room,
    make_user,
    read_all,
    release_agenda,
)

STARTS = datetime(2031, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok
TITLE = "Panel on scam centres"
FIRST = "Scam centres in the region **grew** in 2030."
COMMENT = "Please name the countries that were discussed."
REVISED = "Scam centres in Cambodia, Laos and Myanmar **grew** in 2030."
REVISED_TEXT = "Scam centres in Cambodia, Laos and Myanmar grew in 2030."
# The editor autosaves two seconds after the last keystroke; then the save itself, under load.
AUTOSAVE_WAIT = 15_000
SUBMITTED = f"Summary submitted for review: {TITLE}"


@dataclass(frozen=True)
class Seminar:
    event_id: int
    slug: str
    item_id: int
    owner: str
    organiser: str
    rapporteur: str


@pytest.fixture
def seminar(db) -> Seminar:
    """A released agenda with one session, an organiser and a rapporteur not yet assigned."""
    owner = make_user(db, "owner@mfa.example.org", name="Somchai Owner")
    organiser = make_user(db, "organiser@eu.example.org", name="Anna Organiser")
    rapporteur = make_user(db, "rapporteur@mfa.example.org", name="Ratana Rapporteur")
    event = make_event(db, owner=owner, slug="scam-seminar", languages="en", starts_at=STARTS)
    add_member(db, event, organiser, Role.ORGANISER)
    add_member(db, event, rapporteur, Role.RAPPORTEUR)
    item = make_item(db, event, TITLE, at="10:00", minutes=60, room=make_room(db, event))
    release_agenda(db, event, owner)
    return Seminar(
        event_id=event.id,
        slug=event.slug,
        item_id=item.id,
        owner=owner.email,
        organiser=organiser.email,
        rapporteur=rapporteur.email,
    )


def _log_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/manage/")


def _notes_url(base: str, seminar: Seminar) -> str:
    return f"{base}/manage/events/{seminar.event_id}/notes"


def _assign(page, base: str, seminar: Seminar) -> None:
    page.goto(_notes_url(base, seminar))
    page.get_by_label(f"Rapporteur for {TITLE}").select_option(label="Ratana Rapporteur")
    page.locator(f"#assign-{seminar.item_id}").get_by_role("button", name="Assign").click()
    expect(page.locator("#message")).to_have_text("Rapporteur assigned.")


def _open_note(page, base: str, seminar: Seminar, table: str) -> None:
    """From the event's notes, the session's link in `table` ("my-notes" or "review-queue")."""
    page.goto(_notes_url(base, seminar))
    page.locator(f"#{table}").get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"{_notes_url(base, seminar)}/{seminar.item_id}")


def _take_step(page, button: str, message: str, status: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("#message")).to_have_text(message)
    expect(page.locator("#note-status")).to_have_text(status)


def _approve_and_publish(page, base: str, seminar: Seminar) -> None:
    _open_note(page, base, seminar, "review-queue")
    _take_step(page, "Approve", "Note approved.", "Approved")
    _take_step(page, "Publish", "Summary published.", "Published")


def _public_summaries(visitor, base: str, seminar: Seminar) -> tuple[str, str]:
    """The summary's text on the summaries page, then on the session's page reached from it."""
    visitor.goto(f"{base}/events/{seminar.slug}/summaries")
    on_summaries = visitor.get_by_role("region", name=TITLE).locator(".prose").inner_text()
    visitor.get_by_role("link", name=TITLE).click()
    visitor.wait_for_url(f"{base}/events/{seminar.slug}/sessions/{seminar.item_id}")
    on_session = visitor.locator("#session-summary-summary .prose").inner_text()
    return on_summaries, on_session


def _downloaded_report(visitor, base: str, seminar: Seminar) -> tuple[str, bytes]:
    """The file name and bytes of what the report page's Download PDF link downloads."""
    visitor.goto(f"{base}/events/{seminar.slug}/report")
    with visitor.expect_download() as started:
        visitor.get_by_role("link", name="Download PDF").click()
    download = started.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def _pdf_words(body: bytes) -> str:
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)
    return " ".join(text.split())


def _outbox(db) -> list[tuple[str, str]]:
    messages = read_all(db, select(MailMessage).order_by(MailMessage.id))
    return [(message.to_address, message.subject) for message in messages]


def _autosaved(db) -> list[bool]:
    revisions = read_all(db, select(NoteRevision).order_by(NoteRevision.number))
    return [revision.is_autosave for revision in revisions]


def test_a_rapporteur_writes_revises_and_publishes_a_summary_that_a_visitor_reads(
    db, live_server, new_page, seminar
):
    organiser = new_page()
    _log_in(organiser, live_server, seminar.organiser)
    _assign(organiser, live_server, seminar)
    rapporteur = new_page()
    _log_in(rapporteur, live_server, seminar.rapporteur)
    _open_note(rapporteur, live_server, seminar, "my-notes")
    summary = rapporteur.get_by_label("Summary", exact=True)

    # She types and waits: the editor saves by itself.
    summary.fill(FIRST)
    expect(rapporteur.locator("#autosave-status")).to_have_text(
        re.compile(r"^Saved at \d\d:\d\d$"), timeout=AUTOSAVE_WAIT
    )
    screenshot(rapporteur, "note-autosaved")
    rapporteur.reload()

    expect(summary).to_have_value(FIRST)
    assert rapporteur.locator("#preview-summary strong").inner_text() == "grew"
    assert _autosaved(db) == [True]

    _take_step(rapporteur, "Submit for review", "Note submitted for review.", "Submitted")

    # The organiser finds it in the review queue and asks for changes.
    _open_note(organiser, live_server, seminar, "review-queue")
    organiser.get_by_label("What should change").fill(COMMENT)
    _take_step(
        organiser,
        "Request changes",
        "Changes requested. The rapporteurs have been told.",
        "Changes requested",
    )

    # She sees the comment, revises and saves with the button, then submits again. Her clock
    # stands still, so no autosave comes between and the revisions are known.
    rapporteur.clock.install()
    _open_note(rapporteur, live_server, seminar, "my-notes")
    comment_shown = rapporteur.locator("#review-comment .review-comment").inner_text()
    status_shown = rapporteur.locator("#note-status").inner_text()
    screenshot(rapporteur, "note-changes-requested")
    summary.fill(REVISED)
    _take_step(rapporteur, "Save", "Note saved.", "Changes requested")

    assert (comment_shown, status_shown) == (COMMENT, "Changes requested")
    assert _autosaved(db) == [True, False]

    _take_step(rapporteur, "Submit for review", "Note submitted for review.", "Submitted")
    _approve_and_publish(organiser, live_server, seminar)

    # A visitor reads it and downloads the report.
    visitor = new_page()
    on_summaries, on_session = _public_summaries(visitor, live_server, seminar)
    screenshot(visitor, "summary-public-session")
    file_name, report = _downloaded_report(visitor, live_server, seminar)

    assert on_summaries == on_session == REVISED_TEXT
    assert file_name == f"{seminar.slug}-report.pdf"
    assert report.startswith(b"%PDF")
    words = _pdf_words(report)
    assert TITLE in words
    assert REVISED_TEXT in words
    assert _outbox(db) == [
        (seminar.owner, SUBMITTED),
        (seminar.organiser, SUBMITTED),
        (seminar.rapporteur, f"Changes requested to your summary of {TITLE}"),
        (seminar.owner, SUBMITTED),
        (seminar.organiser, SUBMITTED),
        (seminar.rapporteur, f"Your summary of {TITLE} is approved"),
        (seminar.rapporteur, f"Your summary of {TITLE} is published"),
    ]
    assert organiser.js_errors == rapporteur.js_errors == visitor.js_errors == []


def test_without_javascript_a_rapporteur_saves_submits_and_a_visitor_reads_the_summary(
    db, live_server, new_page, seminar
):
    organiser = new_page(javascript=False)
    _log_in(organiser, live_server, seminar.organiser)
    _assign(organiser, live_server, seminar)
    rapporteur = new_page(javascript=False)
    _log_in(rapporteur, live_server, seminar.rapporteur)
    _open_note(rapporteur, live_server, seminar, "my-notes")

    rapporteur.get_by_label("Summary", exact=True).fill(FIRST)
    _take_step(rapporteur, "Save", "Note saved.", "Draft")

    assert rapporteur.get_by_label("Summary", exact=True).input_value() == FIRST
    assert _autosaved(db) == [False]

    _take_step(rapporteur, "Submit for review", "Note submitted for review.", "Submitted")
    _approve_and_publish(organiser, live_server, seminar)
    visitor = new_page(javascript=False)
    on_summaries, on_session = _public_summaries(visitor, live_server, seminar)
    screenshot(visitor, "summary-public-session-nojs")

    assert on_summaries == on_session == "Scam centres in the region grew in 2030."
    assert _outbox(db) == [
        (seminar.owner, SUBMITTED),
        (seminar.organiser, SUBMITTED),
        (seminar.rapporteur, f"Your summary of {TITLE} is approved"),
        (seminar.rapporteur, f"Your summary of {TITLE} is published"),
    ]
    assert organiser.js_errors == rapporteur.js_errors == visitor.js_errors == []
