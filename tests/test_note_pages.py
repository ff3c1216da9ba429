"""Notes pages: the event's notes, the editor (autosave, conflicts, limits), review through the
pages, revisions, and who may reach which note."""

import pytest
from sqlalchemy import select

from eventapp import notes
from eventapp.models import Note, NoteStatus, Role
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

HTMX = {"HX-Request": "true"}
SCRIPT = "<script>alert(1)</script> <img src=x onerror=alert(2)> [x](JaVaScRiPt:alert(3))"


@pytest.fixture
def app(engine):
    from eventapp.app import create_app
    from eventapp.routes import manage_notes

    app = create_app()
    if "show_notes" not in {getattr(route, "name", "") for route in app.routes}:
        app.include_router(manage_notes.router)  # until the lead registers it in app.py
    return app


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
def item(db, event):
    return make_item(db, event, "Panel on scam centres", at="10:00")


@pytest.fixture
def assigned(db, event, item, rapporteur, owner):
    notes.assign(db, event, item, rapporteur, actor=owner)
    db.commit()
    return item


def note_path(event, item) -> str:
    return f"/manage/events/{event.id}/notes/{item.id}"


def editor_form(client, event, item) -> dict:
    return form_data(page(client.get(note_path(event, item))), "#note-form")


def saved_note(db, item) -> Note:
    return read(db, select(Note).where(Note.agenda_item_id == item.id))


def status_on_page(client, event, item) -> str:
    return page(client.get(note_path(event, item))).select_one("#note-status")["data-status"]


# The editor ---------------------------------------------------------------------------------------


def test_a_plain_save_makes_a_revision_and_comes_back_saved(
    client, db, event, assigned, rapporteur
):
    log_in(client, rapporteur)
    data = editor_form(client, event, assigned)
    data["section_summary"] = "Scam centres **grew**."
    data["action_0_what"] = "Share the list"
    data["action_0_by"] = "2030-01-31"

    response = submit(client, note_path(event, assigned), data)

    assert response.status_code == 303
    assert response.headers["location"] == f"{note_path(event, assigned)}?done=saved"
    note = saved_note(db, assigned)
    assert note.sections["summary"] == "Scam centres **grew**."
    assert note.action_items == [{"what": "Share the list", "who": "", "by": "2030-01-31"}]
    assert note.version == 2
    soup = page(client.get(response.headers["location"]))
    assert soup.select_one("#message").get_text() == "Note saved."
    assert soup.select_one("#input-section_summary").get_text() == "Scam centres **grew**."
    assert soup.select_one("#preview-summary strong").get_text() == "grew"
    assert soup.select_one("#note-version")["value"] == "2"


def test_autosave_answers_a_fragment_and_the_new_version_out_of_band(
    client, db, event, assigned, rapporteur
):
    log_in(client, rapporteur)
    data = editor_form(client, event, assigned)
    data.update(section_summary="Draft in progress", autosave="1")

    response = submit(client, note_path(event, assigned), data, headers=HTMX)

    assert response.status_code == 200
    soup = fragment(response)
    assert soup.select_one("#autosave-status").get_text().startswith("Saved at ")
    version = soup.select_one("#note-version")
    assert version["hx-swap-oob"] == "true"
    assert version["value"] == "2"
    assert soup.select_one("#note-preview")["hx-swap-oob"] == "true"
    note = saved_note(db, assigned)
    assert (note.version, note.sections["summary"]) == (2, "Draft in progress")
    assert notes.revisions(db, note)[0].is_autosave is True
    db.commit()

    # the next save names the new version and is accepted
    data.update(version=version["value"], section_summary="Draft, more")
    assert submit(client, note_path(event, assigned), data, headers=HTMX).status_code == 200
    assert saved_note(db, assigned).version == 3


def test_the_form_autosaves_with_htmx_and_works_without(client, event, assigned, rapporteur):
    log_in(client, rapporteur)
    form = page(client.get(note_path(event, assigned))).select_one("#note-form")

    assert form["method"] == "post"
    assert form["action"] == note_path(event, assigned)
    assert form["hx-post"] == note_path(event, assigned)
    assert form["hx-trigger"] == "input changed delay:2s"
    assert form["hx-vals"] == '{"autosave": "1"}'
    assert form["hx-target"] == "#autosave-status"


def test_a_stale_save_shows_both_texts_and_the_differences_and_keeps_mine(
    client, db, event, assigned, rapporteur, owner
):
    log_in(client, rapporteur)
    data = editor_form(client, event, assigned)
    note = notes.note_for(db, event, assigned)
    notes.save(
        db, event, note, actor=owner, sections={"summary": "Theirs\nshared"}, action_items=[],
        expected_version=note.version,
    )  # fmt: skip
    db.commit()
    data["section_summary"] = "Mine\nshared"

    response = submit(client, note_path(event, assigned), data)

    assert response.status_code == 409
    soup = page(response)
    assert "## Summary\n\nTheirs\nshared" in soup.select_one("#conflict-theirs").get_text()
    assert "## Summary\n\nMine\nshared" in soup.select_one("#conflict-yours").get_text()
    diff = [
        (li["class"][0], li.select_one(".line").get_text())
        for li in soup.select("#conflict-diff li")
    ]
    assert ("removed", "Theirs") in diff
    assert ("added", "Mine") in diff
    assert ("same", "shared") in diff
    assert soup.select_one("#input-section_summary").get_text() == "Mine\nshared"
    assert soup.select_one("#note-version")["value"] == "2"
    assert saved_note(db, assigned).sections["summary"] == "Theirs\nshared"

    # saving again from the conflict view replaces theirs with mine
    again = form_data(soup, "#note-form")
    assert submit(client, note_path(event, assigned), again).status_code == 303
    assert saved_note(db, assigned).sections["summary"] == "Mine\nshared"


def test_a_stale_autosave_answers_a_conflict_notice(client, db, event, assigned, rapporteur, owner):
    log_in(client, rapporteur)
    data = editor_form(client, event, assigned)
    note = notes.note_for(db, event, assigned)
    notes.save(
        db, event, note, actor=owner, sections={"summary": "Theirs"}, action_items=[],
        expected_version=note.version,
    )  # fmt: skip
    db.commit()
    data.update(section_summary="Mine", autosave="1")

    response = submit(client, note_path(event, assigned), data, headers=HTMX)

    assert response.status_code == 409
    soup = fragment(response)
    assert soup.select_one("#autosave-status").get_text() == (
        "Someone else saved this note. Yours is not saved yet: press Save to compare both versions."
    )
    assert soup.select_one("#note-version") is None


def test_a_note_over_200000_characters_is_refused_with_a_message(
    client, db, event, assigned, rapporteur
):
    log_in(client, rapporteur)
    data = editor_form(client, event, assigned)
    data["section_summary"] = "x" * 200_001

    response = submit(client, note_path(event, assigned), data)

    assert response.status_code == 422
    assert page(response).select_one("#form-error").get_text() == (
        "The note has 200,001 characters; a note can have at most 200,000. "
        "Shorten it before saving."
    )
    assert saved_note(db, assigned) is None or saved_note(db, assigned).revision_count == 0


def test_an_action_item_without_what_is_refused_beside_its_field(
    client, db, event, assigned, rapporteur
):
    log_in(client, rapporteur)
    data = editor_form(client, event, assigned)
    data.update(action_1_who="Ministry", action_1_by="not a date")

    response = submit(client, note_path(event, assigned), data)

    assert response.status_code == 422
    soup = page(response)
    assert soup.select_one("#error-action_1_what").get_text() == "Say what is to be done."
    assert soup.select_one("#input-action_1_what")["aria-invalid"] == "true"
    assert soup.select_one("#input-action_1_who")["value"] == "Ministry"


def test_script_payloads_are_harmless_in_the_preview_and_the_diff(
    client, db, event, assigned, rapporteur, owner
):
    log_in(client, rapporteur)
    data = editor_form(client, event, assigned)
    data["section_summary"] = SCRIPT
    assert submit(client, note_path(event, assigned), data).status_code == 303

    soup = page(client.get(note_path(event, assigned)))
    preview = soup.select_one("#note-preview")
    assert preview.select("script, img, iframe") == []
    assert preview.select("a") == []
    assert "<script>alert(1)</script>" in preview.get_text()

    note = saved_note(db, assigned)
    notes.save(
        db, event, note, actor=owner, sections={"summary": "plain"}, action_items=[],
        expected_version=note.version,
    )  # fmt: skip
    db.commit()
    revisions = page(client.get(f"{note_path(event, assigned)}/revisions?a=1&b=2"))
    diff = revisions.select_one("#diff")
    assert diff.select("script, img") == []
    removed = [li.select_one(".line").get_text() for li in diff.select("li.removed")]
    assert removed == [SCRIPT]


# Review through the pages -------------------------------------------------------------------------


def test_the_review_flow_through_the_pages(
    client, other_client, db, event, assigned, rapporteur, owner
):
    log_in(client, rapporteur)
    log_in(other_client, owner)
    path = note_path(event, assigned)
    data = editor_form(client, event, assigned)
    data["section_summary"] = "Agreed to share data."
    assert submit(client, path, data).status_code == 303

    def step(who, name, **fields):
        response = submit(who, f"{path}/{name}", fields)
        assert response.status_code == 303, response.text
        return response

    step(client, "submit")
    assert status_on_page(client, event, assigned) == NoteStatus.SUBMITTED
    assert submit(client, f"{path}/approve").status_code == 403

    refused = submit(other_client, f"{path}/request-changes", {"comment": "  "})
    assert refused.status_code == 422
    assert page(refused).select_one("#error-comment").get_text() == "Say what should change."

    step(other_client, "request-changes", comment="Name the agencies.")
    soup = page(client.get(path))
    assert soup.select_one("#note-status")["data-status"] == NoteStatus.CHANGES_REQUESTED
    assert soup.select_one("#review-comment .review-comment").get_text() == "Name the agencies."

    step(client, "submit")
    step(other_client, "approve")
    assert status_on_page(other_client, event, assigned) == NoteStatus.APPROVED
    step(other_client, "publish")
    assert status_on_page(other_client, event, assigned) == NoteStatus.PUBLISHED
    step(other_client, "unpublish")
    assert status_on_page(other_client, event, assigned) == NoteStatus.APPROVED

    again = submit(other_client, f"{path}/unpublish")
    assert again.status_code == 409
    assert page(again).select_one("#problem").get_text() == (
        "That step is not possible while the note is: Approved."
    )


def test_submitting_an_empty_note_shows_a_message(client, event, assigned, rapporteur):
    log_in(client, rapporteur)

    response = submit(client, f"{note_path(event, assigned)}/submit")

    assert response.status_code == 409
    assert page(response).select_one("#problem").get_text() == (
        "Write something before submitting the note."
    )


# Revisions ----------------------------------------------------------------------------------------


def test_revisions_list_and_restore(client, db, event, assigned, rapporteur):
    log_in(client, rapporteur)
    path = note_path(event, assigned)
    for text in ("First", "Second"):
        data = editor_form(client, event, assigned)
        data["section_summary"] = text
        assert submit(client, path, data).status_code == 303

    soup = page(client.get(f"{path}/revisions"))
    assert [td.get_text() for td in soup.select("#revisions .revision-number")] == ["2", "1"]
    assert [td.get_text() for td in soup.select("#revisions .revision-who")] == ["Rapporteur"] * 2
    assert [td.get_text() for td in soup.select("#revisions .revision-kind")] == ["Saved"] * 2

    restore = form_data(soup, "#revision-1 form")
    response = submit(client, f"{path}/revisions/1/restore", restore)
    assert response.status_code == 303
    note = saved_note(db, assigned)
    assert (note.revision_count, note.sections["summary"]) == (3, "First")

    stale = submit(client, f"{path}/revisions/1/restore", restore)
    assert stale.status_code == 409


# Who reaches which note ---------------------------------------------------------------------------


def test_a_rapporteur_gets_404_for_another_item_and_another_event(
    client, db, event, assigned, rapporteur, owner
):
    other_item = make_item(db, event, "Closing", at="16:00")
    other_event = make_event(db, owner=owner, languages="en", slug="other")
    elsewhere = make_item(db, other_event, "Elsewhere")
    log_in(client, rapporteur)

    assert client.get(note_path(event, other_item)).status_code == 404
    data = editor_form(client, event, assigned)
    assert submit(client, note_path(event, other_item), data).status_code == 404
    assert submit(client, f"{note_path(event, other_item)}/submit").status_code == 404
    assert client.get(f"/manage/events/{event.id}/notes/{elsewhere.id}").status_code == 404
    assert saved_note(db, other_item) is None


def test_a_viewer_is_refused(client, db, event, item):
    viewer = make_user(db, "viewer@example.org")
    add_member(db, event, viewer, Role.VIEWER)
    log_in(client, viewer)

    assert client.get(f"/manage/events/{event.id}/notes").status_code == 403
    assert client.get(note_path(event, item)).status_code == 403


# The notes list -----------------------------------------------------------------------------------


def test_organisers_assign_and_remove_rapporteurs(client, db, event, item, rapporteur, owner):
    log_in(client, owner)
    base = f"/manage/events/{event.id}/notes"
    soup = page(client.get(base))
    data = form_data(soup, f"#assign-{item.id}")
    assert data["user_id"] == str(rapporteur.id)

    response = submit(client, f"{base}/{item.id}/rapporteurs", data)

    assert response.status_code == 303
    soup = page(client.get(base))
    names = [s.get_text() for s in soup.select(f"#item-{item.id} .rapporteur-name")]
    assert names == ["Rapporteur"]
    assert soup.select_one(f"#item-{item.id} .note-status .badge")["data-status"] == "none"

    bad = submit(client, f"{base}/{item.id}/rapporteurs", {"user_id": str(owner.id)})
    assert bad.status_code == 422
    assert page(bad).select_one(f"#assign-error-{item.id}").get_text() == (
        "Choose a member of the team with the rapporteur role."
    )

    removed = submit(client, f"{base}/{item.id}/rapporteurs/{rapporteur.id}/remove")
    assert removed.status_code == 303
    assert page(client.get(base)).select(f"#item-{item.id} .rapporteur-name") == []


def test_rapporteurs_see_their_notes_and_organisers_the_queue(
    client, other_client, db, event, assigned, rapporteur, owner
):
    make_item(db, event, "Not mine", at="15:00")
    note = notes.note_for(db, event, assigned)
    notes.save(
        db, event, note, actor=rapporteur, sections={"summary": "Text"}, action_items=[],
        expected_version=note.version,
    )  # fmt: skip
    notes.submit(db, event, note, actor=rapporteur)
    db.commit()
    log_in(client, rapporteur)
    log_in(other_client, owner)

    mine = page(client.get(f"/manage/events/{event.id}/notes"))
    assert [row["id"] for row in mine.select("#my-notes tbody tr")] == [f"mine-{assigned.id}"]
    assert mine.select_one(f"#mine-{assigned.id} .badge")["data-status"] == "submitted"
    assert mine.select_one("#review-queue") is None

    theirs = page(other_client.get(f"/manage/events/{event.id}/notes"))
    assert [li["id"] for li in theirs.select("#review-queue li")] == [f"queue-{assigned.id}"]


def test_the_notes_list_query_count_holds_from_1_to_20_items(
    client, db, event, owner, rapporteur, count_queries
):
    def add(number: int, start: int) -> None:
        for n in range(start, start + number):
            item = make_item(db, event, f"Session {n}", at=f"{8 + n // 4:02d}:{(n % 4) * 15:02d}")
            notes.assign(db, event, item, rapporteur, actor=owner)
            note = notes.note_for(db, event, item)
            notes.save(
                db, event, note, actor=owner, sections={"summary": f"Text {n}"}, action_items=[],
                expected_version=note.version,
            )  # fmt: skip
            notes.submit(db, event, note, actor=owner)
            db.commit()

    add(1, 0)
    log_in(client, owner)
    path = f"/manage/events/{event.id}/notes"
    with count_queries() as one:
        assert client.get(path).status_code == 200
    add(19, 1)

    with count_queries() as twenty:
        response = client.get(path)

    soup = page(response)
    assert len(soup.select("#note-items tbody tr")) == 20
    assert len(soup.select("#review-queue li")) == 20
    assert len(twenty) == len(one)


def test_the_list_offers_only_unassigned_rapporteurs_and_marks_an_earlier_public_text(
    client, db, event, assigned, rapporteur, owner
):
    other = make_user(db, "second@example.org", name="Second rapporteur")
    add_member(db, event, other, Role.RAPPORTEUR)
    note = notes.note_for(db, event, assigned)
    notes.save(
        db, event, note, actor=owner, sections={"summary": "Published."}, action_items=[],
        expected_version=note.version,
    )  # fmt: skip
    notes.submit(db, event, note, actor=owner)
    notes.approve(db, event, note, actor=owner)
    notes.publish(db, event, note, actor=owner)
    notes.save(
        db, event, note, actor=owner, sections={"summary": "Newer draft."}, action_items=[],
        expected_version=note.version,
    )  # fmt: skip
    db.commit()
    log_in(client, owner)

    row = page(client.get(f"/manage/events/{event.id}/notes")).select_one(f"#item-{assigned.id}")

    offered = [option.get_text() for option in row.select("select[name=user_id] option")]
    assert offered == ["Second rapporteur"]
    badges = [
        badge.get("data-status") or badge.get("data-public") for badge in row.select(".badge")
    ]
    assert badges == ["draft", "earlier"]
