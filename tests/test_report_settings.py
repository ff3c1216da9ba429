"""The notes and report settings: the parts of a note, co-host approval and who approves for
which co-host, the report's foreword and conclusions (rules and pages)."""

import pytest
from sqlalchemy import select

from eventapp import events, notes, report_settings
from eventapp.models import ActivityLog, Event, Membership, Note, NoteStatus, Role
from tests.factories import (
    add_host,
    add_member,
    form_data,
    log_in,
    make_event,
    make_item,
    make_user,
    page,
    read,
    submit,
)

PAYLOAD = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> <iframe srcdoc='<b>x</b>'></iframe>"
    ' <p style="color:red" hx-get="/x">styled</p> [a](JaVaScRiPt:alert(3))'
    " [b](&#106;avascript:alert(4)) [c](data:text/html;base64,PHNjcmlwdD4=)"
)


@pytest.fixture
def owner(db):
    return make_user(db, "owner@example.org", name="Owner")


@pytest.fixture
def event(db, owner):
    return make_event(db, owner=owner, languages="en")


@pytest.fixture
def hosts(db, event):
    first = add_host(db, event, "Ministry of Foreign Affairs", position=0)
    second = add_host(db, event, "EU Delegation", position=1)
    db.commit()
    return first, second


def settings_path(event) -> str:
    return f"/manage/events/{event.id}/report"


def settings_form(client, event) -> dict:
    return form_data(page(client.get(settings_path(event))), "#report-settings-form")


def membership_of(db, event, user) -> Membership:
    return read(
        db,
        select(Membership).where(Membership.event_id == event.id, Membership.user_id == user.id),
    )


# Rules -------------------------------------------------------------------------------------


def test_save_keeps_the_sections_in_their_order_and_counts_a_version(db, event, owner):
    version = event.version
    settings = report_settings.ReportSettings(
        note_sections=["recommendations", "summary"],
        needs_cohost_approval=True,
        report_foreword="  Opening words.\r\n\r\nSecond paragraph.  ",
        report_conclusions="",
    )
    changes = report_settings.save(
        db, event, actor=owner, settings=settings, expected_version=version
    )
    db.commit()
    saved = read(db, select(Event).where(Event.id == event.id))
    assert saved.note_sections == ["summary", "recommendations"]
    assert saved.needs_cohost_approval is True
    assert saved.report_foreword == "Opening words.\n\nSecond paragraph.\n"
    assert saved.version == version + 1
    assert set(changes) == {"note_sections", "needs_cohost_approval", "report_foreword"}
    logged = read(db, select(ActivityLog).where(ActivityLog.action == "event.edit"))
    assert logged.changes["note_sections"] == [
        "summary, key_points, recommendations, action_items, quotes",
        "summary, recommendations",
    ]


def test_saving_the_same_settings_writes_nothing(db, event, owner):
    version = event.version
    same = report_settings.settings_of(event)
    assert (
        report_settings.save(db, event, actor=owner, settings=same, expected_version=version) == {}
    )
    assert event.version == version


def test_no_sections_and_too_long_texts_are_refused(db, event, owner):
    with pytest.raises(report_settings.NoSections):
        report_settings.save(
            db, event, actor=owner, settings=report_settings.ReportSettings(note_sections=[]),
            expected_version=event.version,
        )  # fmt: skip
    long_text = "x" * (report_settings.TEXT_MAX + 1)
    settings = report_settings.ReportSettings(
        note_sections=["summary"], report_conclusions=long_text
    )
    with pytest.raises(report_settings.TextTooLong) as refused:
        report_settings.save(
            db, event, actor=owner, settings=settings, expected_version=event.version
        )
    assert refused.value.field == "report_conclusions"


def test_a_stale_version_is_refused_with_the_saved_settings(db, event, owner):
    version = event.version
    first = report_settings.ReportSettings(note_sections=["summary"], report_foreword="First.")
    report_settings.save(db, event, actor=owner, settings=first, expected_version=version)
    db.commit()
    second = report_settings.ReportSettings(note_sections=["quotes"], report_foreword="Second.")
    with pytest.raises(events.StaleEdit) as stale:
        report_settings.save(db, event, actor=owner, settings=second, expected_version=version)
    assert stale.value.current.report_foreword == "First.\n"


def test_set_cohost_accepts_only_this_events_cohosts(db, event, owner, hosts):
    other = make_event(db, owner=owner, title="Other event")
    stranger = add_host(db, other, "Somebody else")
    db.commit()
    membership = membership_of(db, event, owner)
    with pytest.raises(LookupError):
        report_settings.set_cohost(db, event, membership, stranger.id, actor=owner)
    assert report_settings.set_cohost(db, event, membership, hosts[1].id, actor=owner) is True
    assert report_settings.set_cohost(db, event, membership, hosts[1].id, actor=owner) is False
    db.commit()
    assert membership_of(db, event, owner).organisation_id == hosts[1].id
    reviewers = report_settings.reviewers_by_cohost(db, event)
    assert [(host.name, [u.email for _m, u in members]) for host, members in reviewers] == [
        ("Ministry of Foreign Affairs", []),
        ("EU Delegation", ["owner@example.org"]),
    ]


# Pages -------------------------------------------------------------------------------------


def test_only_owners_and_organisers_reach_the_settings(db, client, event, owner):
    for role in (Role.RAPPORTEUR, Role.REGISTRAR, Role.VIEWER):
        user = make_user(db, f"{role}@example.org")
        add_member(db, event, user, role)
    outsider = make_user(db, "outsider@example.org")
    db.commit()
    for email in ("rapporteur@example.org", "registrar@example.org", "viewer@example.org"):
        client.cookies.clear()
        log_in(client, read(db, select(type(owner)).where(type(owner).email == email)))
        assert client.get(settings_path(event)).status_code == 403
        assert submit(client, settings_path(event), {"version": "1"}).status_code == 403
    client.cookies.clear()
    log_in(client, outsider)
    assert client.get(settings_path(event)).status_code == 404


def test_the_form_shows_the_settings_and_saves_them(db, client, event, owner):
    log_in(client, owner)
    shown = page(client.get(settings_path(event)))
    checked = [box["value"] for box in shown.select("input[name=note_sections][checked]")]
    assert checked == ["summary", "key_points", "recommendations", "action_items", "quotes"]
    data = settings_form(client, event)
    data["note_sections"] = ["summary", "action_items"]
    data["report_foreword"] = "The co-hosts thank the speakers."
    data["needs_cohost_approval"] = "on"
    response = submit(client, settings_path(event), data)
    assert response.status_code == 303
    assert response.headers["location"] == f"{settings_path(event)}?done=saved"
    shown = page(client.get(response.headers["location"]))
    assert shown.select_one("#message").get_text(strip=True) == "The settings were saved."
    assert [box["value"] for box in shown.select("input[name=note_sections][checked]")] == [
        "summary",
        "action_items",
    ]
    assert shown.select_one("#input-report_foreword").get_text() == (
        "The co-hosts thank the speakers.\n"
    )
    assert shown.select_one("#input-needs_cohost_approval").has_attr("checked")


def test_the_editor_offers_only_the_chosen_parts(db, client, event, owner):
    item = make_item(db, event, "Keynote", at="10:00")
    db.commit()
    log_in(client, owner)
    data = settings_form(client, event)
    data["note_sections"] = ["recommendations", "summary"]
    assert submit(client, settings_path(event), data).status_code == 303
    editor = page(client.get(f"/manage/events/{event.id}/notes/{item.id}"))
    names = [area["name"] for area in editor.select("#note-form textarea")]
    assert names == ["section_summary", "section_recommendations"]
    assert editor.select_one("#action-items") is None


def test_refusals_are_shown_beside_the_fields(db, client, event, owner):
    log_in(client, owner)
    data = settings_form(client, event)
    data["note_sections"] = []
    response = submit(client, settings_path(event), data)
    assert response.status_code == 422
    shown = page(response)
    assert shown.select_one("#error-note_sections").get_text(strip=True) == (
        "Choose at least one part."
    )
    data = settings_form(client, event)
    data["report_foreword"] = "x" * (report_settings.TEXT_MAX + 1)
    response = submit(client, settings_path(event), data)
    assert response.status_code == 422
    assert page(response).select_one("#error-report_foreword").get_text(strip=True) == (
        "This text is too long: at most 100,000 characters."
    )
    data = settings_form(client, event)
    del data["version"]
    assert submit(client, settings_path(event), data).status_code == 422
    assert read(db, select(Event).where(Event.id == event.id)).report_foreword == ""


def test_two_organisers_saving_from_one_version_see_a_conflict(db, client, event, owner):
    log_in(client, owner)
    stale = settings_form(client, event)
    first = dict(stale, report_conclusions="Their conclusions.")
    assert submit(client, settings_path(event), first).status_code == 303
    mine = dict(stale, report_conclusions="My conclusions.", note_sections=["summary"])
    response = submit(client, settings_path(event), mine)
    assert response.status_code == 409
    shown = page(response)
    rows = {
        row["id"]: [p.get_text(strip=True) for p in row.select(".conflict-value")]
        for row in shown.select(".conflict-field")
    }
    assert rows == {
        "conflict-note_sections": [
            "Summary, Key points, Recommendations, Action items, Notable quotes",
            "Summary",
        ],
        "conflict-report_conclusions": ["Their conclusions.", "My conclusions."],
    }
    assert shown.select_one("#input-report_conclusions").get_text() == "My conclusions."
    assert read(db, select(Event).where(Event.id == event.id)).report_conclusions == (
        "Their conclusions.\n"
    )
    again = form_data(shown, "#report-settings-form")
    assert submit(client, settings_path(event), again).status_code == 303
    assert read(db, select(Event).where(Event.id == event.id)).report_conclusions == (
        "My conclusions.\n"
    )


@pytest.mark.parametrize("field", ["report_foreword", "report_conclusions"])
def test_the_preview_is_sanitised_and_saves_nothing(db, client, event, owner, field):
    log_in(client, owner)
    data = dict(settings_form(client, event), preview="1")
    data[field] = PAYLOAD
    response = submit(client, settings_path(event), data)
    assert response.status_code == 200
    preview = page(response).select_one(f"#preview-{field}")
    assert preview.select("script, iframe, img[onerror], [style], [hx-get]") == []
    assert [a["href"] for a in preview.select("a[href]")] == []
    assert "styled" in preview.get_text()
    assert page(response).select_one(f"#input-{field}").get_text() == PAYLOAD
    assert getattr(read(db, select(Event).where(Event.id == event.id)), field) == ""


def test_the_foreword_and_conclusions_reach_the_public_report(db, client, event, owner):
    item = make_item(db, event, "Keynote", at="10:00")
    db.commit()
    note = notes.note_for(db, event, item)
    notes.save(
        db, event, note, actor=owner, sections={"summary": "What was said."}, action_items=[],
        expected_version=note.version,
    )  # fmt: skip
    notes.submit(db, event, note, actor=owner)
    notes.approve(db, event, note, actor=owner)
    notes.publish(db, event, note, actor=owner)
    db.commit()
    log_in(client, owner)
    data = settings_form(client, event)
    data["report_foreword"] = "## Why we met\n\nTo act together."
    data["report_conclusions"] = "We will meet again."
    assert submit(client, settings_path(event), data).status_code == 303
    client.cookies.clear()
    report = page(client.get(f"/events/{event.slug}/report"))
    assert report.select_one("#report-foreword h3, #report-foreword h2") is not None
    text = report.get_text(" ", strip=True)
    assert "Why we met" in text
    assert "To act together." in text
    assert "We will meet again." in text


def test_owners_say_which_cohost_a_member_approves_for(db, client, event, owner, hosts):
    organiser = make_user(db, "organiser@example.org", name="Organiser")
    membership = add_member(db, event, organiser, Role.ORGANISER)
    db.commit()
    log_in(client, owner)
    team = page(client.get(f"/manage/events/{event.id}/team"))
    options = [o.get_text(strip=True) for o in team.select(f"#cohost-{membership.id} option")]
    assert options == ["—", "Ministry of Foreign Affairs", "EU Delegation"]
    path = f"/manage/events/{event.id}/team/members/{membership.id}/cohost"
    response = submit(client, path, {"cohost": str(hosts[1].id)})
    assert response.status_code == 303
    assert membership_of(db, event, organiser).organisation_id == hosts[1].id
    shown = page(client.get(settings_path(event)))
    cells = [td.get_text(strip=True) for td in shown.select("#cohost-reviewers tbody td")]
    assert cells == ["Ministry of Foreign Affairs", "No one yet", "EU Delegation", "Organiser"]
    for bad in ("x", "²", "9" * 5000, str(10**20)):
        assert submit(client, path, {"cohost": bad}).status_code == 422
    other = make_event(db, owner=owner, title="Other event")
    stranger = add_host(db, other, "Somebody else")
    db.commit()
    assert submit(client, path, {"cohost": str(stranger.id)}).status_code == 422
    assert submit(client, path, {"cohost": ""}).status_code == 303
    assert membership_of(db, event, organiser).organisation_id is None
    foreign = membership_of(db, other, owner)
    wrong = f"/manage/events/{event.id}/team/members/{foreign.id}/cohost"
    assert submit(client, wrong, {"cohost": ""}).status_code == 404


def test_organisers_cannot_choose_cohosts(db, client, event, hosts):
    organiser = make_user(db, "organiser@example.org", name="Organiser")
    membership = add_member(db, event, organiser, Role.ORGANISER)
    db.commit()
    log_in(client, organiser)
    path = f"/manage/events/{event.id}/team/members/{membership.id}/cohost"
    assert submit(client, path, {"cohost": str(hosts[0].id)}).status_code == 403
    assert membership_of(db, event, organiser).organisation_id is None


def test_cohost_approval_set_on_the_page_holds_publication(db, client, event, owner, hosts):
    organiser = make_user(db, "organiser@example.org", name="Organiser")
    add_member(db, event, organiser, Role.ORGANISER)
    item = make_item(db, event, "Panel", at="11:00")
    db.commit()
    log_in(client, owner)
    for user, host in ((owner, hosts[0]), (organiser, hosts[1])):
        membership = membership_of(db, event, user)
        path = f"/manage/events/{event.id}/team/members/{membership.id}/cohost"
        assert submit(client, path, {"cohost": str(host.id)}).status_code == 303
    data = dict(settings_form(client, event), needs_cohost_approval="on")
    assert submit(client, settings_path(event), data).status_code == 303
    note = notes.note_for(db, event, item)
    notes.save(
        db, event, note, actor=owner, sections={"summary": "Text."}, action_items=[],
        expected_version=note.version,
    )  # fmt: skip
    notes.submit(db, event, note, actor=owner)
    db.commit()
    path = f"/manage/events/{event.id}/notes/{item.id}"
    assert submit(client, f"{path}/approve").status_code == 303
    saved = read(db, select(Note).where(Note.id == note.id))
    assert saved.status == NoteStatus.SUBMITTED
    client.cookies.clear()
    log_in(client, organiser)
    assert submit(client, f"{path}/approve").status_code == 303
    assert read(db, select(Note).where(Note.id == note.id)).status == NoteStatus.APPROVED
