"""Two saves of one note from the same revision: the three-way merge, and the conflict view
that offers it (the form holds the merge; only lines both changed need a choice)."""

import pytest
from sqlalchemy import select

from eventapp import note_merge, notes
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

HTMX = {"HX-Request": "true"}
SECTIONS = ["summary", "key_points", "recommendations", "quotes"]


def merged(base, theirs, yours, *, items=False):
    return note_merge.merge_note(SECTIONS, base, theirs, yours, with_action_items=items)


# The merge ----------------------------------------------------------------------------------


def test_parts_changed_by_one_side_take_that_side():
    base = ({"summary": "Opening.", "key_points": "- one"}, [])
    theirs = ({"summary": "Opening, revised.", "key_points": "- one"}, [])
    yours = ({"summary": "Opening.", "key_points": "- one\n- two"}, [])
    result = merged(base, theirs, yours)
    assert result.sections == {
        "summary": "Opening, revised.",
        "key_points": "- one\n- two",
        "recommendations": "",
        "quotes": "",
    }
    assert [(part.name, part.outcome) for part in result.parts] == [
        ("summary", "theirs"),
        ("key_points", "yours"),
        ("recommendations", "same"),
        ("quotes", "same"),
    ]
    assert result.conflicts == []


def test_different_lines_of_one_part_are_merged():
    base = ({"summary": "First paragraph.\n\nSecond paragraph.\n\nThird paragraph."}, [])
    theirs = ({"summary": "First paragraph, theirs.\n\nSecond paragraph.\n\nThird paragraph."}, [])
    yours = ({"summary": "First paragraph.\n\nSecond paragraph.\n\nThird paragraph, mine."}, [])
    result = merged(base, theirs, yours)
    assert result.sections["summary"] == (
        "First paragraph, theirs.\n\nSecond paragraph.\n\nThird paragraph, mine."
    )
    assert [(p.name, p.outcome) for p in result.merged] == [("summary", "merged")]


def test_the_same_lines_changed_by_both_keep_yours_and_name_the_conflict():
    base = ({"summary": "The panel met."}, [])
    theirs = ({"summary": "The panel met in the morning."}, [])
    yours = ({"summary": "The panel met twice."}, [])
    result = merged(base, theirs, yours)
    assert result.sections["summary"] == "The panel met twice."
    assert [(p.name, p.theirs, p.yours) for p in result.conflicts] == [
        ("summary", "The panel met in the morning.", "The panel met twice.")
    ]


def test_without_a_known_base_every_difference_is_a_choice():
    theirs = ({"summary": "Theirs.", "quotes": "Same."}, [])
    yours = ({"summary": "Yours.", "quotes": "Same.\r\n"}, [])
    result = merged(None, theirs, yours)
    assert [p.name for p in result.conflicts] == ["summary"]
    assert result.sections["summary"] == "Yours."


def test_action_items_merge_row_by_row():
    row = {"what": "Share the contact list", "who": "Co-hosts", "by": "2025-09-30"}
    added_by_them = {"what": "Publish the report", "who": "EU Delegation", "by": ""}
    added_by_you = {"what": "Plan a follow-up", "who": "MFA", "by": "2025-12-01"}
    base = ({}, [row])
    result = merged(base, ({}, [row, added_by_them]), ({}, [added_by_you, row]), items=True)
    assert result.action_items == [added_by_you, row, added_by_them]
    assert [(p.name, p.outcome) for p in result.merged] == [("action_items", "merged")]
    both = merged(
        base,
        ({}, [dict(row, who="EU Delegation")]),
        ({}, [dict(row, who="MFA")]),
        items=True,
    )
    assert both.action_items == [dict(row, who="MFA")]
    assert [(p.name, p.theirs, p.yours) for p in both.conflicts] == [
        (
            "action_items",
            "- Share the contact list · EU Delegation · 2025-09-30",
            "- Share the contact list · MFA · 2025-09-30",
        )
    ]


# The conflict view ---------------------------------------------------------------------------


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
    found = make_item(db, event, "Panel on scam centres", at="10:00")
    notes.assign(db, event, found, rapporteur, actor=owner)
    note = notes.note_for(db, event, found)
    notes.save(
        db, event, note, actor=owner,
        sections={"summary": "The panel met.\n\nIt agreed on three steps."},
        action_items=[{"what": "Share contacts", "who": "Co-hosts", "by": ""}],
        expected_version=note.version,
    )  # fmt: skip
    db.commit()
    return found


def path_of(event, item) -> str:
    return f"/manage/events/{event.id}/notes/{item.id}"


def their_save(db, event, item, owner, **sections):
    note = read(db, select(Note).where(Note.agenda_item_id == item.id))
    text = {**note.sections, **sections}
    notes.save(
        db, event, note, actor=owner, sections=text, action_items=note.action_items,
        expected_version=note.version,
    )  # fmt: skip
    db.commit()


def saved(db, item) -> Note:
    return read(db, select(Note).where(Note.agenda_item_id == item.id))


def test_changes_to_different_parts_are_offered_together(
    client, db, event, item, rapporteur, owner
):
    log_in(client, rapporteur)
    data = form_data(page(client.get(path_of(event, item))), "#note-form")
    assert data["base"] == "1"
    their_save(db, event, item, owner, key_points="- Cooperation across borders")
    data["section_summary"] = "The panel met.\n\nIt agreed on four steps."
    response = submit(client, path_of(event, item), data)
    assert response.status_code == 409
    soup = page(response)
    assert soup.select_one("#input-section_summary").get_text() == (
        "The panel met.\n\nIt agreed on four steps."
    )
    assert soup.select_one("#input-section_key_points").get_text() == (
        "- Cooperation across borders"
    )
    outcomes = [(li["id"], li["data-outcome"]) for li in soup.select("#merge-outcomes li")]
    assert outcomes == [("merge-summary", "yours"), ("merge-key_points", "theirs")]
    assert soup.select(".conflict-field") == []
    assert soup.select_one("#note-base")["value"] == "2"
    assert saved(db, item).sections["summary"] == "The panel met.\n\nIt agreed on three steps."

    again = form_data(soup, "#note-form")
    assert submit(client, path_of(event, item), again).status_code == 303
    assert saved(db, item).sections == {
        "summary": "The panel met.\n\nIt agreed on four steps.",
        "key_points": "- Cooperation across borders",
        "recommendations": "",
        "quotes": "",
    }
    assert saved(db, item).action_items == [{"what": "Share contacts", "who": "Co-hosts", "by": ""}]


def test_the_same_lines_changed_by_both_are_shown_side_by_side(
    client, db, event, item, rapporteur, owner
):
    log_in(client, rapporteur)
    data = form_data(page(client.get(path_of(event, item))), "#note-form")
    their_save(db, event, item, owner, summary="The panel met at ten.\n\nIt agreed on three steps.")
    data["section_summary"] = "The panel met at nine.\n\nIt agreed on three steps."
    response = submit(client, path_of(event, item), data)
    assert response.status_code == 409
    soup = page(response)
    part = soup.select_one("#conflict-part-summary")
    assert [pre.get_text() for pre in part.select("pre")] == [
        "The panel met at ten.\n\nIt agreed on three steps.",
        "The panel met at nine.\n\nIt agreed on three steps.",
    ]
    diff = [(li["class"][0], li.select_one(".line").get_text()) for li in part.select("li")]
    assert diff == [
        ("removed", "The panel met at ten."),
        ("added", "The panel met at nine."),
        ("same", ""),
        ("same", "It agreed on three steps."),
    ]
    assert soup.select_one("#input-section_summary").get_text() == (
        "The panel met at nine.\n\nIt agreed on three steps."
    )
    assert soup.select("#merge-outcomes") == []


def test_a_form_without_its_base_still_gets_the_conflict_view(
    client, db, event, item, rapporteur, owner
):
    log_in(client, rapporteur)
    data = form_data(page(client.get(path_of(event, item))), "#note-form")
    del data["base"]
    their_save(db, event, item, owner, key_points="- theirs")
    response = submit(client, path_of(event, item), data)
    assert response.status_code == 409
    soup = page(response)
    assert [div["id"] for div in soup.select(".conflict-field")] == ["conflict-part-key_points"]
    assert soup.select_one("#input-section_key_points").get_text() == ""


def test_an_autosave_hands_the_form_its_new_base(client, db, event, item, rapporteur):
    log_in(client, rapporteur)
    data = form_data(page(client.get(path_of(event, item))), "#note-form")
    data.update(autosave="1", section_summary="Typed on.")
    response = submit(client, path_of(event, item), data, headers=HTMX)
    assert response.status_code == 200
    answer = fragment(response)
    assert answer.select_one("#note-base")["value"] == "2"
    assert answer.select_one("#note-base")["hx-swap-oob"] == "true"


def test_ones_own_autosave_racing_the_save_button_is_no_conflict(
    client, db, event, item, rapporteur
):
    log_in(client, rapporteur)
    data = form_data(page(client.get(path_of(event, item))), "#note-form")
    autosaved = dict(data, autosave="1", section_summary="Typed on.")
    assert submit(client, path_of(event, item), autosaved, headers=HTMX).status_code == 200

    response = submit(client, path_of(event, item), dict(data, section_summary="Typed on, done."))

    assert response.status_code == 303
    assert saved(db, item).sections["summary"] == "Typed on, done."
    assert saved(db, item).revision_count == 3


def test_a_review_step_since_the_form_was_opened_is_no_conflict(
    client, db, event, item, rapporteur, owner
):
    log_in(client, rapporteur)
    data = form_data(page(client.get(path_of(event, item))), "#note-form")
    note = saved(db, item)
    notes.submit(db, event, note, actor=owner)
    notes.request_changes(db, event, note, actor=owner, comment="Name the three steps.")
    db.commit()

    response = submit(client, path_of(event, item), dict(data, section_summary="Three steps."))

    assert response.status_code == 303
    assert saved(db, item).sections["summary"] == "Three steps."


def test_someone_elses_save_after_ones_own_is_still_a_conflict(
    client, db, event, item, rapporteur, owner
):
    log_in(client, rapporteur)
    data = form_data(page(client.get(path_of(event, item))), "#note-form")
    autosaved = dict(data, autosave="1", section_summary="Typed on.")
    assert submit(client, path_of(event, item), autosaved, headers=HTMX).status_code == 200
    their_save(db, event, item, owner, summary="The owner's text.")

    response = submit(client, path_of(event, item), dict(data, section_summary="Mine."))

    assert response.status_code == 409
    assert saved(db, item).sections["summary"] == "The owner's text."


@pytest.mark.parametrize("base", ["-1", "99", str(2**70), "x"])
def test_a_base_that_is_no_revision_still_gets_the_conflict_view(
    client, db, event, item, rapporteur, owner, base
):
    log_in(client, rapporteur)
    data = dict(form_data(page(client.get(path_of(event, item))), "#note-form"), base=base)
    their_save(db, event, item, owner, key_points="- theirs")

    response = submit(client, path_of(event, item), data)

    assert response.status_code == 409
    assert [div["id"] for div in page(response).select(".conflict-field")] == [
        "conflict-part-key_points"
    ]


def test_a_preview_keeps_the_base_so_a_later_merge_keeps_their_change(
    client, db, event, item, rapporteur, owner
):
    log_in(client, rapporteur)
    data = form_data(page(client.get(path_of(event, item))), "#note-form")
    their_save(db, event, item, owner, key_points="- theirs")
    data["section_summary"] = "The panel met.\n\nIt agreed on four steps."
    previewed = page(submit(client, path_of(event, item), dict(data, preview="1")))
    assert previewed.select_one("#note-base")["value"] == "1"

    response = submit(client, path_of(event, item), form_data(previewed, "#note-form"))

    assert response.status_code == 409
    soup = page(response)
    assert soup.select_one("#input-section_key_points").get_text() == "- theirs"
    outcomes = [(li["id"], li["data-outcome"]) for li in soup.select("#merge-outcomes li")]
    assert outcomes == [("merge-summary", "yours"), ("merge-key_points", "theirs")]
