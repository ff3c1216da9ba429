"""Hostile text in the note editor: every payload stays text in the preview (page and autosave),
the saved note, the conflict view and the revision diff; a rapporteur cannot reach another
item's note; an over-long note is refused."""

import pytest
from sqlalchemy import select

from eventapp import notes
from eventapp.models import Note, Role
from tests.factories import (
    add_member,
    form_data,
    fragment,
    log_in,
    make_event,
    make_item,
    make_user,
    page,
    read,
    submit,
)
from tests.test_summaries_pages import PAYLOADS, harmless

HTMX = {"HX-Request": "true"}

# What a reader sees in the preview for each payload: raw HTML as text, refused links as text.
SEEN_IN_PREVIEW = [
    ("script", "<script>alert(1)</script>"),
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("iframe-srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'),
    ("inline-style", '<p style="color:red">styled</p>'),
    (
        "javascript-links",
        "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](javascript:alert(1))",
    ),
    ("entity-javascript-links", "[d](javascript:alert(1)) e"),
    ("data-link", "[f](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    ("data-image", "![g](data:image/svg+xml,<svg onload=alert(1)>)"),
    ("htmx-get", '<a hx-get="/x" hx-trigger="load" href="/y">htmx</a>'),
    ("htmx-post", '<div hx-post="/manage" hx-swap="outerHTML">x</div>'),
]
BREAKOUT = "</textarea></pre></form><img src=x onerror=alert(1)>"  # leaves a field if unescaped
CASES = [
    pytest.param(payload, seen, id=name)
    for payload, (name, seen) in zip(PAYLOADS.split("\n\n"), SEEN_IN_PREVIEW, strict=True)
] + [pytest.param(BREAKOUT, BREAKOUT, id="breakout")]
each_payload = pytest.mark.parametrize(("payload", "seen"), CASES)


@pytest.fixture
def owner(db):
    return make_user(db, "owner@example.org", name="Owner")


@pytest.fixture
def event(db, owner):
    return make_event(db, owner=owner, languages="en")


@pytest.fixture
def rapporteur(db, event):
    user = make_user(db, "rapporteur@example.org", name="Rapporteur")
    add_member(db, event, user, Role.RAPPORTEUR)
    return user


@pytest.fixture
def item(db, event, rapporteur, owner):
    item = make_item(db, event, "Panel on scam centres", at="10:00")
    notes.assign(db, event, item, rapporteur, actor=owner)
    db.commit()
    return item


def note_path(event, item) -> str:
    return f"/manage/events/{event.id}/notes/{item.id}"


def editor_form(client, event, item) -> dict:
    return form_data(page(client.get(note_path(event, item))), "#note-form")


def blank_editor(client, event, item):
    """The editor before the payload: its form to fill in, and the htmx attributes the page
    itself carries (the only ones a page with the payload may have)."""
    soup = page(client.get(note_path(event, item)))
    return form_data(soup, "#note-form"), harmless(soup.select_one("main"))


def saved_note(db, item) -> Note | None:
    return read(db, select(Note).where(Note.agenda_item_id == item.id))


def with_payload(data: dict, payload: str, summary: str | None = None) -> dict:
    """The editor form with the payload in the summary and in an action item's what and who."""
    return {
        **data,
        "section_summary": payload if summary is None else summary,
        "action_0_what": payload,
        "action_0_who": payload,
    }


def seen_in_preview(soup) -> str:
    return " ".join(soup.select_one("#preview-summary p").get_text(" ").split())


def lines_of(diff) -> list[tuple[str, str]]:
    return [(li["class"][0], li.select_one(".line").get_text()) for li in diff.select("li")]


def assert_kept_as_text(soup, payload: str, summary: str | None = None) -> None:
    """The editor's fields hold the payload as literal text, with no element inside."""
    assert harmless(soup.select_one("#note-form")) == []
    assert harmless(soup.select_one("#note-preview")) == []
    area = soup.select_one("#input-section_summary")
    assert area.find_all(True) == []
    assert area.get_text() == (payload if summary is None else summary)
    assert soup.select_one("#input-action_0_what")["value"] == payload
    assert soup.select_one("#input-action_0_who")["value"] == payload


# The preview --------------------------------------------------------------------------------------


@each_payload
def test_the_preview_shows_the_payload_as_harmless_text(
    client, db, event, item, rapporteur, payload, seen
):
    log_in(client, rapporteur)
    form, own = blank_editor(client, event, item)
    data = {**with_payload(form, payload), "preview": "1"}

    response = submit(client, note_path(event, item), data)

    assert response.status_code == 200
    soup = page(response)
    assert harmless(soup.select_one("main")) == own
    assert seen_in_preview(soup) == seen
    assert_kept_as_text(soup, payload)
    assert saved_note(db, item) is None


@each_payload
def test_the_autosave_preview_is_harmless(client, db, event, item, rapporteur, payload, seen):
    log_in(client, rapporteur)
    data = {**with_payload(editor_form(client, event, item), payload), "autosave": "1"}

    response = submit(client, note_path(event, item), data, headers=HTMX)

    assert response.status_code == 200
    soup = fragment(response)
    assert harmless(soup.select_one("#note-preview")) == []
    assert [found for found in harmless(soup) if not found.endswith("[hx-swap-oob]")] == []
    assert seen_in_preview(soup) == seen
    assert saved_note(db, item).sections["summary"] == payload


# The saved note -----------------------------------------------------------------------------------


@each_payload
def test_the_saved_note_is_harmless_in_the_editor(
    client, db, event, item, rapporteur, payload, seen
):
    log_in(client, rapporteur)
    form, own = blank_editor(client, event, item)
    assert submit(client, note_path(event, item), with_payload(form, payload)).status_code == 303

    soup = page(client.get(note_path(event, item)))

    assert harmless(soup.select_one("main")) == own
    assert_kept_as_text(soup, payload)
    assert seen_in_preview(soup) == seen
    note = saved_note(db, item)
    assert note.sections["summary"] == payload
    assert note.action_items == [{"what": payload, "who": payload, "by": ""}]


# The conflict view --------------------------------------------------------------------------------


@each_payload
def test_the_conflict_view_is_harmless(
    client, other_client, db, event, item, rapporteur, owner, payload, seen
):
    log_in(client, rapporteur)
    log_in(other_client, owner)
    path = note_path(event, item)
    theirs = with_payload(editor_form(other_client, event, item), payload, f"{payload}\nTheirs")
    form, own = blank_editor(client, event, item)
    mine = with_payload(form, payload, f"{payload}\nMine")
    assert submit(other_client, path, theirs).status_code == 303

    response = submit(client, path, mine)

    assert response.status_code == 409
    soup = page(response)
    assert harmless(soup.select_one("#conflict")) == []
    assert harmless(soup.select_one("main")) == own
    for who, last in (("theirs", "Theirs"), ("yours", "Mine")):
        shown = soup.select_one(f"#conflict-{who}")
        assert shown.find_all(True) == []
        assert f"## Summary\n\n{payload}\n{last}\n" in shown.get_text()
        assert f"- {payload} · {payload}" in shown.get_text()
    diff = lines_of(soup.select_one("#conflict-diff"))
    assert ("same", payload) in diff
    assert ("same", f"- {payload} · {payload}") in diff
    assert [entry for entry in diff if entry[0] != "same"] == [
        ("removed", "Theirs"),
        ("added", "Mine"),
    ]
    assert_kept_as_text(soup, payload, f"{payload}\nMine")
    assert saved_note(db, item).sections["summary"] == f"{payload}\nTheirs"


# The revision diff --------------------------------------------------------------------------------


@each_payload
def test_the_revision_diff_is_harmless(client, db, event, item, rapporteur, payload, seen):
    log_in(client, rapporteur)
    path = note_path(event, item)
    first = with_payload(editor_form(client, event, item), payload)
    assert submit(client, path, first).status_code == 303
    second = {**editor_form(client, event, item), "section_summary": "Cleaned up"}
    assert submit(client, path, second).status_code == 303

    soup = page(client.get(f"{path}/revisions?a=1&b=2"))

    assert harmless(soup.select_one("main")) == []
    diff = soup.select_one("#diff")
    assert [line.find_all(True) for line in diff.select(".line")] == [[]] * len(diff.select("li"))
    assert ("same", f"- {payload} · {payload}") in lines_of(diff)
    assert [entry for entry in lines_of(diff) if entry[0] != "same"] == [
        ("removed", payload),
        ("added", "Cleaned up"),
    ]


# Another item's note ------------------------------------------------------------------------------


def test_a_rapporteur_gets_404_for_another_items_revisions_and_restore(
    client, db, event, item, rapporteur, owner
):
    other = make_item(db, event, "Closing", at="16:00")
    note = notes.note_for(db, event, other)
    for text in ("First", "Second"):
        notes.save(
            db, event, note, actor=owner, sections={"summary": text}, action_items=[],
            expected_version=note.version,
        )  # fmt: skip
    db.commit()
    log_in(client, rapporteur)
    path = note_path(event, other)

    assert client.get(f"{path}/revisions").status_code == 404
    assert client.get(f"{path}/revisions?a=1&b=2").status_code == 404
    restore = submit(client, f"{path}/revisions/1/restore", {"version": str(note.version)})
    assert restore.status_code == 404
    data = {**editor_form(client, event, item), "section_summary": "Mine", "autosave": "1"}
    assert submit(client, path, data, headers=HTMX).status_code == 404
    assert submit(client, path, {**data, "preview": "1"}).status_code == 404
    found = saved_note(db, other)
    assert (found.revision_count, found.sections["summary"]) == (2, "Second")


# Over-long notes ----------------------------------------------------------------------------------


def test_an_over_long_autosave_is_refused_with_a_message_and_nothing_saved(
    client, db, event, item, rapporteur
):
    log_in(client, rapporteur)
    path = note_path(event, item)
    kept = {**editor_form(client, event, item), "section_summary": "Kept"}
    assert submit(client, path, kept).status_code == 303
    data = editor_form(client, event, item)
    data.update(section_summary="x" * 150_000, section_recommendations="y" * 50_000)
    data.update(action_0_what="z", autosave="1")

    response = submit(client, path, data, headers=HTMX)

    assert response.status_code == 422
    soup = fragment(response)
    assert soup.select_one("#autosave-status").get_text() == (
        "The note has 200,001 characters; a note can have at most 200,000. "
        "Shorten it before saving."
    )
    assert soup.select_one("#note-version") is None
    assert soup.select_one("#note-preview") is None
    note = saved_note(db, item)
    assert (note.revision_count, note.sections["summary"]) == (1, "Kept")


def test_an_over_long_save_of_a_saved_note_keeps_the_saved_text_and_the_typed_one(
    client, db, event, item, rapporteur
):
    log_in(client, rapporteur)
    path = note_path(event, item)
    kept = {**editor_form(client, event, item), "section_summary": "Kept"}
    assert submit(client, path, kept).status_code == 303
    data = editor_form(client, event, item)
    data.update(section_summary="x" * 100_000, section_key_points="y" * 100_001)

    response = submit(client, path, data)

    assert response.status_code == 422
    soup = page(response)
    assert soup.select_one("#form-error").get_text() == (
        "The note has 200,001 characters; a note can have at most 200,000. "
        "Shorten it before saving."
    )
    assert soup.select_one("#input-section_key_points").get_text() == "y" * 100_001
    assert soup.select_one("#note-version")["value"] == "2"
    note = saved_note(db, item)
    assert (note.revision_count, note.sections["summary"], note.sections["key_points"]) == (
        1,
        "Kept",
        "",
    )
