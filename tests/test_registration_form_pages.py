"""Organisers' registration settings page and form builder (routes/manage_registration_form/):
saving settings in the event's timezone, the capacity promoting the waiting list, stale saves,
building questions with plain forms and htmx, and who may."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from eventapp import questions
from eventapp.models import (
    ActivityLog,
    Question,
    Registration,
    RegistrationSettings,
    RegistrationStatus,
    Role,
)
from tests.factories import (
    add_member,
    form_data,
    fragment,
    log_in,
    make_event,
    make_registration,
    make_user,
    open_registration,
    page,
    read,
    read_all,
    submit,
)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def owner(db):
    return make_user(db)


@pytest.fixture
def event(db, owner):
    return make_event(db, owner=owner, languages="en,th", timezone="Asia/Bangkok")


@pytest.fixture
def organiser(db, event):
    user = make_user(db)
    add_member(db, event, user, Role.ORGANISER)
    return user


def settings_url(event) -> str:
    return f"/manage/events/{event.id}/registration/settings"


def questions_url(event) -> str:
    return f"/manage/events/{event.id}/registration/questions"


def saved_settings(db, event) -> RegistrationSettings:
    return read(db, select(RegistrationSettings).where(RegistrationSettings.event_id == event.id))


def settings_form(client, event, **changes) -> dict:
    data = form_data(page(client.get(settings_url(event))), "#settings-form")
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def add_question(db, event, owner, **fields) -> Question:
    defaults = {"kind": "short_text", "labels": {"en": "Position"}, "help": {}, "choices": []}
    found = questions.add_question(db, event, actor=owner, **{**defaults, **fields})
    db.commit()
    return found


# Settings ----------------------------------------------------------------------------------------


def test_settings_are_saved_with_times_in_the_events_timezone(client, db, owner, event):
    log_in(client, owner)
    data = settings_form(
        client,
        event,
        is_enabled="on",
        opens_date="2025-07-01",
        opens_time="09:00",
        closes_date="2025-08-07",
        closes_time="17:30",
        capacity="120",
        has_waitlist=None,
        mode="moderated",
        group_max="5",
        privacy_en="We keep your **data** for the event only.",
        privacy_th="เราเก็บข้อมูลของท่าน",
        participant_list="attendees",
        retention_days="",
    )

    response = submit(client, settings_url(event), data)

    assert response.status_code == 303
    assert response.headers["location"] == settings_url(event) + "?done=saved"
    saved = saved_settings(db, event)
    assert (saved.opens_at, saved.closes_at) == (
        datetime(2025, 7, 1, 2, 0, tzinfo=UTC),
        datetime(2025, 8, 7, 10, 30, tzinfo=UTC),
    )
    assert (
        saved.is_enabled, saved.capacity, saved.has_waitlist, str(saved.mode), saved.group_max,
        str(saved.participant_list), saved.retention_days, saved.version,
    ) == (True, 120, False, "moderated", 5, "attendees", None, 2)  # fmt: skip
    assert saved.privacy == {
        "en": "We keep your **data** for the event only.",
        "th": "เราเก็บข้อมูลของท่าน",
    }
    shown = form_data(page(client.get(response.headers["location"])), "#settings-form")
    assert (shown["opens_date"], shown["opens_time"], shown["closes_time"]) == (
        "2025-07-01",
        "09:00",
        "17:30",
    )
    logged = read_all(
        db, select(ActivityLog.action).where(ActivityLog.event_id == event.id).order_by("id")
    )
    assert logged == ["registration.capacity", "registration.settings"]


def test_the_settings_page_shows_counts_and_the_timezone(client, db, owner, event):
    open_registration(db, event, capacity=3)
    for n in range(4):
        make_registration(db, event, n)
    log_in(client, owner)

    soup = page(client.get(settings_url(event)))

    counts = {dd["id"]: dd.get_text(strip=True) for dd in soup.select("#registration-counts dd")}
    assert counts == {
        "count-open": "Open",
        "count-confirmed": "3",
        "count-places-left": "0",
        "count-waitlisted": "1",
        "count-pending": "0",
        "count-rejected": "0",
        "count-cancelled": "0",
    }
    assert " ".join(soup.select_one("#timezone-note").get_text().split()) == (
        "Times are in the event's timezone: Asia/Bangkok (UTC+07:00). Leave a date and time"
        " empty to open at once, or to stay open until you turn registration off."
    )
    tabs = [(a.get_text(strip=True), a.has_attr("aria-current")) for a in soup.select(
        ".registration-nav a")]  # fmt: skip
    assert tabs == [
        ("Registrations", False),
        ("Settings", True),
        ("Form", False),
        ("Invitations", False),
    ]


def test_more_places_go_to_the_waiting_list_in_order(client, db, owner, event):
    open_registration(db, event, capacity=1)
    for n in range(3):
        make_registration(db, event, n)
    log_in(client, owner)

    response = submit(client, settings_url(event), settings_form(client, event, capacity="2"))

    assert response.status_code == 303
    rows = read_all(db, select(Registration).order_by(Registration.id))
    assert [str(row.status) for row in rows] == ["confirmed", "confirmed", "waitlisted"]
    assert saved_settings(db, event).confirmed == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"capacity": "-1"}, "capacity",
         "Enter a number of places from 0, or leave it empty for no limit."),
        ({"capacity": "many"}, "capacity",
         "Enter a number of places from 0, or leave it empty for no limit."),
        ({"group_max": "21"}, "group_max", "Enter a number from 1 to 20."),
        ({"group_max": ""}, "group_max", "This field is required."),
        ({"retention_days": "0"}, "retention_days",
         "Enter a number of days from 1 to 3650, or leave it empty to keep the data."),
        ({"mode": "everyone"}, "mode", "Choose one of the options."),
        ({"participant_list": "world"}, "participant_list", "Choose one of the options."),
        ({"opens_date": "2025-07-01", "opens_time": ""}, "opens_time",
         "Enter both a date and a time, or neither."),
        ({"opens_date": "2025-07-02", "opens_time": "09:00", "closes_date": "2025-07-01",
          "closes_time": "09:00"}, "closes_date", "Registration must close after it opens."),
        ({"privacy_en": "p" * 20_001}, "privacy_en", "Use at most 20000 characters."),
    ],
)  # fmt: skip
def test_invalid_settings_are_refused_beside_the_field(
    client, db, owner, event, changes, field, message
):
    log_in(client, owner)

    response = submit(client, settings_url(event), settings_form(client, event, **changes))

    assert response.status_code == 422
    soup = page(response)
    assert soup.select_one(f"#error-{field}").get_text() == message
    assert soup.select_one(f"[name={field}]")["aria-invalid"] == "true"
    assert saved_settings(db, event) is None


def test_an_invalid_save_with_htmx_answers_the_form_alone(client, db, owner, event):
    log_in(client, owner)

    response = submit(
        client, settings_url(event), settings_form(client, event, capacity="-5"), headers=HTMX
    )

    assert response.status_code == 422
    soup = fragment(response)
    assert [form["id"] for form in soup.select("form")] == ["settings-form"]
    assert soup.find("html") is None


def test_a_save_with_htmx_tells_the_browser_where_to_go(client, db, owner, event):
    log_in(client, owner)

    response = submit(client, settings_url(event), settings_form(client, event), headers=HTMX)

    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == settings_url(event) + "?done=unchanged"


def test_a_stale_settings_save_shows_their_version(
    client, other_client, db, owner, event, organiser
):
    log_in(client, owner)
    log_in(other_client, organiser)
    mine = settings_form(client, event, capacity="50")
    theirs = settings_form(other_client, event, capacity="80", mode="invitation")
    assert submit(other_client, settings_url(event), theirs).status_code == 303

    response = submit(client, settings_url(event), mine)

    assert response.status_code == 409
    soup = page(response)
    rows = {
        block["id"]: [p.get_text(strip=True) for p in block.select(".conflict-value")]
        for block in soup.select("#their-version .conflict-field")
    }
    assert rows == {
        "conflict-capacity": ["80", "50"],
        "conflict-mode": [
            "Invitation only: with an invitation code or link",
            "Open: first come, first served",
        ],
    }
    assert soup.select_one("#settings-form input[name=version]")["value"] == "2"
    assert saved_settings(db, event).capacity == 80


def test_a_registrar_cannot_change_the_settings(client, db, event):
    registrar = make_user(db)
    add_member(db, event, registrar, Role.REGISTRAR)
    log_in(client, registrar)

    shown = client.get(settings_url(event))
    response = submit(
        client, settings_url(event), {"version": "1", "capacity": "0", "group_max": "1"}
    )

    assert (shown.status_code, response.status_code) == (403, 403)
    assert saved_settings(db, event) is None


def test_another_events_settings_answer_404(client, db, owner):
    stranger_event = make_event(db, owner=make_user(db))
    log_in(client, owner)

    assert client.get(settings_url(stranger_event)).status_code == 404


# The form builder --------------------------------------------------------------------------------


def listed_questions(response) -> list[str]:
    return [h.get_text(strip=True) for h in page(response).select("#question-list .question-label")]


def test_an_organiser_adds_a_choice_question_in_two_languages(client, db, organiser, event):
    log_in(client, organiser)

    response = submit(
        client,
        questions_url(event),
        {"kind": "single_choice", "label_en": "Dietary needs", "label_th": "อาหาร",
         "choices_en": "None\r\nVegetarian\r\nHalal", "choices_th": "ไม่มี\nมังสวิรัติ\nฮาลาล",
         "is_required": "on"},
    )  # fmt: skip

    assert response.status_code == 303
    saved = read(db, select(Question).where(Question.event_id == event.id))
    assert response.headers["location"] == (
        f"{questions_url(event)}?done=question-added#question-{saved.id}"
    )
    assert (saved.labels, saved.is_required, [c["id"] for c in saved.choices]) == (
        {"en": "Dietary needs", "th": "อาหาร"},
        True,
        ["c1", "c2", "c3"],
    )
    soup = page(client.get(questions_url(event)))
    assert [
        o.get_text(" ", strip=True) for o in soup.select(f"#field-preview-q{saved.id} label")
    ] == [
        "None",
        "Vegetarian",
        "Halal",
    ]
    assert soup.select_one(f"#field-preview-q{saved.id} legend").get_text(" ", strip=True) == (
        "Dietary needs * (required)"
    )
    thai = page(client.get(questions_url(event) + "?preview=th"))
    assert [o.get_text(strip=True) for o in thai.select(f"#field-preview-q{saved.id} label")] == [
        "ไม่มี",
        "มังสวิรัติ",
        "ฮาลาล",
    ]


def test_adding_with_htmx_answers_the_panel_with_the_new_question(client, db, owner, event):
    log_in(client, owner)

    response = submit(
        client,
        questions_url(event),
        {"kind": "yes_no", "label_en": "Do you need a visa letter?"},
        headers=HTMX,
    )

    assert response.status_code == 200
    soup = fragment(response)
    assert soup.select_one("#questions-panel #message").get_text() == "Question added to the form."
    assert [h.get_text(strip=True) for h in soup.select("#question-list .question-label")] == [
        "Do you need a visa letter?"
    ]
    assert soup.find("html") is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "short_text", "label_en": ""}, "label_en", "This field is required."),
        ({"kind": "single_choice", "label_en": "Diet", "choices_en": "Only one"}, "choices_en",
         "Give at least two choices, one per line."),
        ({"kind": "single_choice", "label_en": "Diet", "choices_en": "A\nB", "choices_th": "ก"},
         "choices_th", "Give one line for each choice of the first language (2), or none."),
        ({"kind": "rating", "label_en": "Stars"}, "kind", "Choose one of the options."),
        ({"kind": "short_text", "label_en": "x" * 301}, "label_en", "Use at most 300 characters."),
    ],
)  # fmt: skip
def test_a_question_that_cannot_be_asked_is_refused_beside_the_field(
    client, db, owner, event, data, field, message
):
    log_in(client, owner)

    for headers in (None, HTMX):
        response = submit(client, questions_url(event), data, headers=headers)

        assert response.status_code == 422
        soup = fragment(response) if headers else page(response)
        assert soup.select_one(f"#new-error-{field}").get_text() == message
        assert soup.select_one(f"#new-input-{field}")["aria-invalid"] == "true"
    assert read_all(db, select(Question.id)) == []


def test_a_question_is_edited_in_place_keeping_its_choice_ids(client, db, owner, event):
    asked = add_question(
        db, event, owner, kind="multiple_choice", labels={"en": "Panels"},
        choices=[{"en": "Scams"}, {"en": "Cyber secruity"}],
    )  # fmt: skip
    log_in(client, owner)
    edit_page = page(client.get(f"{questions_url(event)}/{asked.id}/edit"))
    data = form_data(edit_page, "#edit-question-form")
    assert (data["choices_en"], data["version"]) == ("Scams\nCyber secruity", "1")
    data["choices_en"] = "Scams\nCyber security\nTrade"

    response = submit(client, f"{questions_url(event)}/{asked.id}/edit", data)

    assert response.status_code == 303
    saved = read(db, select(Question).where(Question.id == asked.id))
    assert [(c["id"], c["labels"]["en"]) for c in saved.choices] == [
        ("c1", "Scams"),
        ("c2", "Cyber security"),
        ("c3", "Trade"),
    ]


def test_editing_with_htmx_swaps_the_panel(client, db, owner, event):
    asked = add_question(db, event, owner)
    log_in(client, owner)

    shown = client.get(f"{questions_url(event)}/{asked.id}/edit", headers=HTMX)
    data = form_data(fragment(shown), "#edit-question-form")
    data["label_en"] = "Job title"
    response = submit(client, f"{questions_url(event)}/{asked.id}/edit", data, headers=HTMX)

    assert response.status_code == 200
    soup = fragment(response)
    assert [h.get_text(strip=True) for h in soup.select("#question-list .question-label")] == [
        "Job title"
    ]
    assert soup.select_one("#message").get_text() == "Question saved."


def test_a_stale_question_edit_shows_their_version(client, db, owner, event, organiser):
    asked = add_question(db, event, owner)
    log_in(client, owner)
    data = form_data(
        page(client.get(f"{questions_url(event)}/{asked.id}/edit")), "#edit-question-form"
    )
    questions.update_question(
        db, event, asked, actor=organiser, expected_version=1, kind="short_text",
        labels={"en": "Job title"},
    )  # fmt: skip
    db.commit()
    data["label_en"] = "Role"

    response = submit(client, f"{questions_url(event)}/{asked.id}/edit", data)

    assert response.status_code == 409
    soup = page(response)
    conflict = soup.select_one("#conflict-label_en")
    assert [p.get_text() for p in conflict.select(".conflict-value")] == ["Job title", "Role"]
    assert soup.select_one("#edit-question-form input[name=version]")["value"] == "2"


def test_questions_move_up_and_down(client, db, owner, event):
    first, second = (
        add_question(db, event, owner, labels={"en": "A"}),
        add_question(db, event, owner, labels={"en": "B"}),
    )
    log_in(client, owner)

    plain = submit(client, f"{questions_url(event)}/{second.id}/move", {"direction": "up"})
    htmx = submit(
        client, f"{questions_url(event)}/{second.id}/move", {"direction": "down"}, headers=HTMX
    )

    assert plain.status_code == 303
    assert listed_questions(client.get(questions_url(event))) == ["A", "B"]
    assert [h.get_text(strip=True) for h in fragment(htmx).select(".question-label")] == [
        "A",
        "B",
    ]
    assert first.id != second.id


def test_a_question_is_deleted_after_confirmation(client, db, owner, event):
    asked = add_question(db, event, owner, labels={"en": "Position"})
    log_in(client, owner)

    confirm = page(client.get(f"{questions_url(event)}/{asked.id}/delete"))
    response = submit(client, f"{questions_url(event)}/{asked.id}/delete")

    assert confirm.select_one("#confirm-delete-title").get_text() == (
        "Delete the question “Position”?"
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{questions_url(event)}?done=question-deleted"
    assert read_all(db, select(Question.id)) == []
    logged = read_all(db, select(ActivityLog.action).order_by(ActivityLog.id))
    assert logged == ["question.add", "question.delete"]


def test_another_events_question_answers_404(client, db, owner, event):
    other = make_event(db, owner=owner)
    theirs = add_question(db, other, owner)
    log_in(client, owner)

    answers = [
        client.get(f"{questions_url(event)}/{theirs.id}/edit").status_code,
        submit(client, f"{questions_url(event)}/{theirs.id}/edit",
               {"version": "1", "kind": "short_text", "label_en": "Hacked"}).status_code,
        submit(client, f"{questions_url(event)}/{theirs.id}/move", {"direction": "up"}).status_code,
        submit(client, f"{questions_url(event)}/{theirs.id}/delete").status_code,
    ]  # fmt: skip

    assert answers == [404, 404, 404, 404]
    assert read(db, select(Question.labels).where(Question.id == theirs.id)) == {"en": "Position"}


def test_a_registrar_cannot_build_the_form(client, db, owner, event):
    registrar = make_user(db)
    add_member(db, event, registrar, Role.REGISTRAR)
    log_in(client, registrar)

    shown = client.get(questions_url(event))
    response = submit(client, questions_url(event), {"kind": "short_text", "label_en": "X"})

    assert (shown.status_code, response.status_code) == (403, 403)


def test_script_in_a_question_shows_as_text(client, db, owner, event):
    add_question(db, event, owner, labels={"en": "<script>alert(1)</script>"})
    log_in(client, owner)

    soup = page(client.get(questions_url(event)))

    assert soup.select("main script") == []
    assert listed_questions(client.get(questions_url(event))) == ["<script>alert(1)</script>"]


def test_the_questions_page_query_count_does_not_grow(client, db, owner, event, count_queries):
    add_question(db, event, owner, kind="single_choice", labels={"en": "Q0"},
                 choices=[{"en": "A"}, {"en": "B"}])  # fmt: skip
    log_in(client, owner)
    with count_queries() as one:
        client.get(questions_url(event))
    for n in range(1, 50):
        add_question(db, event, owner, kind="country", labels={"en": f"Q{n}"})

    with count_queries() as fifty:
        response = client.get(questions_url(event))

    assert len(listed_questions(response)) == 50
    assert len(fifty) == len(one)


def test_registrations_keep_their_answers_when_a_question_goes(client, db, owner, event):
    open_registration(db, event)
    asked = add_question(db, event, owner)
    make_registration(db, event, 1, answers={str(asked.id): "Director"})
    log_in(client, owner)

    submit(client, f"{questions_url(event)}/{asked.id}/delete")

    kept = read(db, select(Registration.answers))
    assert kept == {str(asked.id): "Director"}
    assert read(db, select(Registration.status)) == RegistrationStatus.CONFIRMED


def test_opening_the_settings_page_writes_nothing(client, db, owner, event):
    log_in(client, owner)

    shown = client.get(settings_url(event))

    assert shown.status_code == 200
    assert saved_settings(db, event) is None
    assert form_data(page(shown), "#settings-form")["version"] == "1"


def test_a_change_late_in_a_long_privacy_statement_is_saved_and_logged_briefly(
    client, db, owner, event
):
    open_registration(db, event, privacy={"en": "p" * 500})
    log_in(client, owner)

    response = submit(
        client, settings_url(event), settings_form(client, event, privacy_en="p" * 499 + "q")
    )

    assert response.headers["location"] == settings_url(event) + "?done=saved"
    assert saved_settings(db, event).privacy == {"en": "p" * 499 + "q"}
    logged = read(db, select(ActivityLog.changes).where(ActivityLog.event_id == event.id))
    assert logged == {"privacy": ["en: " + "p" * 100, "en: " + "p" * 100]}
