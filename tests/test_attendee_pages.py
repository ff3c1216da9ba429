"""The attendee's own page by the personal link (routes/register.py): what it shows, the ticket
(QR code that decodes to the ticket code, an image to save, a page to print), changing the
details (and a stale save), cancelling (the waiting list moves), and the mail it sends."""

import base64
import io
from datetime import UTC, datetime

import icalendar
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select, update

from eventapp import registration as rules
from eventapp.models import (
    ActivityLog,
    MailMessage,
    Question,
    QuestionKind,
    Registration,
)
from tests.factories import (
    attendee,
    form_data,
    fragment,
    make_event,
    make_registration,
    make_user,
    open_registration,
    page,
    read,
    read_all,
    text_of,
)

STARTS = datetime(2031, 3, 10, 2, 0, tzinfo=UTC)  # Monday 10 March 2031, 09:00 in Bangkok
HX = {"HX-Request": "true"}
TITLE = "EU–Southeast Asia Digital Diplomacy Forum"


@pytest.fixture
def owner(db):
    return make_user(db, name="Olivia Owner")


@pytest.fixture
def event(db, owner):
    event = make_event(
        db, owner=owner, slug="digital-forum", title=TITLE, starts_at=STARTS,
        venue_name="Centara Grand", venue_address="999/99 Rama 1 Road, Bangkok",
    )  # fmt: skip
    return event


def link(registration: Registration) -> str:
    return f"/registrations/{rules.link_token(registration)}"


def mails(db) -> list[tuple[str, str]]:
    rows = read_all(db, select(MailMessage).order_by(MailMessage.id))
    return [(row.to_address, row.subject) for row in rows]


def fresh(db, registration: Registration) -> Registration:
    return read(db, select(Registration).where(Registration.id == registration.id))


# What the page shows ---------------------------------------------------------------------------


def test_the_page_shows_the_status_details_answers_and_ticket(db, client, event):
    open_registration(db, event)
    question = Question(event_id=event.id, kind=QuestionKind.YES_NO, labels={"en": "Vegetarian?"})
    db.add(question)
    db.commit()
    anna = make_registration(
        db, event, "anna", honorific="Dr.", organisation="EU Delegation", country="SE",
        answers={str(question.id): "yes"},
    )  # fmt: skip

    response = client.get(link(anna))

    soup = page(response)
    assert response.status_code == 200
    assert soup.select_one("#registration-status .badge").get_text() == "Confirmed"
    assert [
        (row.dt.get_text(), row.dd.get_text()) for row in soup.select("#details-list > div")
    ] == [
        ("Name", "Dr. Givenanna Family"),
        ("Email", "attendeeanna@example.org"),
        ("Organisation", "EU Delegation"),
        ("Country", "Sweden"),
        ("Vegetarian?", "Yes"),
    ]
    assert soup.select_one("#ticket-qr")["src"] == link(anna) + "/ticket.svg"
    assert text_of(response, "#ticket-code") == f"Ticket code: {rules.ticket_code(anna)}"
    assert soup.select_one("#ticket-download")["href"] == link(anna) + "/ticket.png"
    assert soup.select_one("meta[name=referrer]")["content"] == "same-origin"
    assert (
        response.headers["cache-control"],
        response.headers["referrer-policy"],
        response.headers["x-robots-tag"],
    ) == ("no-store", "same-origin", "noindex, nofollow")


def test_the_waiting_list_shows_the_place_in_line_and_no_ticket(db, client, event):
    open_registration(db, event, capacity=1)
    make_registration(db, event, 1)
    make_registration(db, event, 2)
    third = make_registration(db, event, 3)

    response = client.get(link(third))

    soup = page(response)
    assert soup.select_one("#registration-status .badge").get_text() == "On the waiting list"
    assert soup.select_one("#waitlist-position").get_text() == (
        "Number 2 in line. If a place becomes free, it goes to the first in line and we write "
        "to you at once."
    )
    assert soup.select_one("#ticket") is None
    assert client.get(link(third) + "/ticket.svg").status_code == 404
    assert client.get(link(third) + "/ticket.png").status_code == 404
    assert client.get(link(third) + "/ticket").status_code == 404


@pytest.mark.parametrize(
    "token",
    ["x" * 43, "short", "A" * 400],
    ids=["unknown", "too short", "too long"],
)
def test_an_unknown_link_answers_404_and_stays_private(db, client, event, token):
    open_registration(db, event)
    make_registration(db, event, 1)

    response = client.get(f"/registrations/{token}")

    assert response.status_code == 404
    assert response.headers["referrer-policy"] == "same-origin"
    assert client.get(f"/registrations/{token}/ticket.png").status_code == 404


def test_an_altered_link_finds_nothing(db, client, event):
    open_registration(db, event)
    anna = make_registration(db, event, "anna")
    token = rules.link_token(anna)
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert client.get(f"/registrations/{altered}").status_code == 404


def test_a_group_lead_sees_their_colleagues_names_and_statuses_only(db, client, event):
    open_registration(db, event, capacity=2, group_max=3)
    result = rules.register_group(db, event, [attendee(1), attendee(2), attendee(3)])
    db.commit()
    lead, second, _third = result.taken

    lead_page = page(client.get(link(lead)))
    colleague_page = page(client.get(link(second)))

    assert [li.get_text(" ", strip=True) for li in lead_page.select("#group li")] == [
        "Given2 Family : Confirmed",
        "Given3 Family : On the waiting list",
    ]
    assert lead_page.select("#group a") == []
    assert colleague_page.select_one("#group") is None


def test_the_page_asks_a_fixed_number_of_queries_however_large_the_group(
    db, client, event, count_queries
):
    open_registration(db, event, group_max=60)
    small = rules.register_group(db, event, [attendee("s0"), attendee("s1")]).taken[0]
    large = rules.register_group(db, event, [attendee(f"l{n}") for n in range(51)]).taken[0]
    db.commit()
    client.get(link(small))  # warm up

    with count_queries() as one:
        client.get(link(small))
    with count_queries() as fifty:
        response = client.get(link(large))

    assert len(page(response).select("#group li")) == 50
    assert len(one) == len(fifty)


# The ticket ------------------------------------------------------------------------------------


def test_the_qr_code_decodes_to_the_ticket_code(db, client, event):
    open_registration(db, event)
    anna = make_registration(db, event, "anna")

    response = client.get(link(anna) + "/ticket.png")

    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert found.text == rules.ticket_code(anna)
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == (
        'attachment; filename="ticket-digital-forum.png"'
    )
    assert (response.headers["cache-control"], response.headers["referrer-policy"]) == (
        "no-store",
        "same-origin",
    )


def test_the_svg_ticket_is_an_image_for_the_page(db, client, event):
    open_registration(db, event)
    anna = make_registration(db, event, "anna")

    response = client.get(link(anna) + "/ticket.svg")

    assert response.headers["content-type"] == "image/svg+xml"
    assert response.text.startswith("<svg")
    assert response.headers["cache-control"] == "no-store"


def test_the_printable_ticket_has_the_name_code_and_event(db, client, event):
    open_registration(db, event)
    anna = make_registration(db, event, "anna", organisation="EU Delegation")

    response = client.get(link(anna) + "/ticket")

    soup = page(response)
    assert (
        soup.select_one("#ticket-name").get_text(),
        soup.select_one("#ticket-organisation").get_text(),
        soup.select_one("#ticket-code").get_text(),
        soup.select_one("#ticket-qr")["src"],
    ) == ("Givenanna Family", "EU Delegation", rules.ticket_code(anna), link(anna) + "/ticket.svg")
    assert soup.select("script:not([src])") == []
    assert response.headers["referrer-policy"] == "same-origin"


# Changing the details --------------------------------------------------------------------------


def details_form(client, registration: Registration) -> dict:
    return form_data(page(client.get(link(registration))), "#details-form")


def test_changing_the_details_saves_them_and_mails_the_attendee(db, client, event):
    open_registration(db, event)
    anna = make_registration(db, event, "anna")
    data = details_form(client, anna)
    data.update(organisation="ASEAN Secretariat", email="Anna.New@Example.org", status="confirmed")

    response = client.post(link(anna), data=data)
    shown = page(client.get(response.headers["location"]))

    saved = fresh(db, anna)
    assert response.status_code == 303
    assert response.headers["location"] == link(anna) + "?done=updated#details"
    assert (saved.organisation, saved.email, saved.version) == (
        "ASEAN Secretariat",
        "anna.new@example.org",
        2,
    )
    assert shown.select_one("#details-message").get_text() == (
        "Your changes are saved. We have sent you a mail about them."
    )
    assert mails(db)[1:] == [
        ("anna.new@example.org", f"Your registration for {TITLE} was changed"),
        ("attendeeanna@example.org", f"Your registration for {TITLE} was changed"),
    ]
    assert read(db, select(ActivityLog.action).order_by(ActivityLog.id.desc()).limit(1)) == (
        "registration.update"
    )


def test_with_htmx_a_change_answers_with_the_details_block(db, client, event):
    open_registration(db, event)
    anna = make_registration(db, event, "anna")
    data = details_form(client, anna)
    data.update(position="Counsellor")

    response = client.post(link(anna), data=data, headers=HX)

    soup = fragment(response)
    assert response.status_code == 200
    assert [section["id"] for section in soup.find_all("section", recursive=False)] == ["details"]
    assert soup.select_one("#shown-position").get_text() == "Counsellor"
    assert fresh(db, anna).position == "Counsellor"


def test_saving_without_a_change_changes_nothing(db, client, event):
    open_registration(db, event)
    anna = make_registration(db, event, "anna")

    response = client.post(link(anna), data=details_form(client, anna))

    assert response.headers["location"] == link(anna) + "?done=unchanged#details"
    assert (fresh(db, anna).version, len(mails(db))) == (1, 1)


def test_a_bad_change_is_refused_beside_its_field(db, client, event):
    open_registration(db, event)
    anna = make_registration(db, event, "anna")
    make_registration(db, event, "bo")
    data = details_form(client, anna)

    too_long = client.post(link(anna), data={**data, "family_name": "x" * 10_000})
    taken = client.post(link(anna), data={**data, "email": "attendeebo@example.org"}, headers=HX)

    assert too_long.status_code == 422
    assert page(too_long).select_one("#error-family_name").get_text() == (
        "Use at most 100 characters."
    )
    assert taken.status_code == 422
    assert fragment(taken).select_one("#error-email").get_text() == (
        "Another registration for this event uses this address."
    )
    assert fresh(db, anna).version == 1


def test_a_stale_save_shows_what_changed_meanwhile(db, client, event):
    open_registration(db, event)
    anna = make_registration(db, event, "anna", organisation="EU Delegation")
    data = details_form(client, anna)
    # Meanwhile, in another tab:
    other = details_form(client, anna)
    client.post(link(anna), data={**other, "organisation": "European Commission"})
    data.update(organisation="ASEAN Secretariat")

    response = client.post(link(anna), data=data)

    soup = page(response)
    assert response.status_code == 409
    assert [
        (
            box.h3.get_text(),
            box.select_one(".theirs .conflict-value").get_text(),
            box.select_one(".yours .conflict-value").get_text(),
        )
        for box in soup.select(".conflict-field")
    ] == [("Organisation", "European Commission", "ASEAN Secretariat")]
    assert soup.select_one("#details-form input[name=version]")["value"] == "2"
    assert fresh(db, anna).organisation == "European Commission"


# Cancelling ------------------------------------------------------------------------------------


def test_cancelling_asks_first_then_frees_the_place_for_the_first_in_line(db, client, event):
    open_registration(db, event, capacity=1)
    anna = make_registration(db, event, "anna")
    bo = make_registration(db, event, "bo")
    make_registration(db, event, "cy")
    before = len(mails(db))

    confirm = client.get(link(anna) + "/cancel")
    data = form_data(page(confirm), "#cancel-form")
    response = client.post(link(anna) + "/cancel", data=data)
    after = page(client.get(response.headers["location"]))

    assert text_of(confirm, "#cancel-warning") == (
        "Your place goes to the next person on the waiting list, and cannot be given back. "
        "You may register again later if places are left."
    )
    assert response.status_code == 303
    assert (fresh(db, anna).status, fresh(db, bo).status) == ("cancelled", "confirmed")
    assert mails(db)[before:] == [
        ("attendeeanna@example.org", f"Your registration for {TITLE} is cancelled"),
        ("attendeebo@example.org", f"A place at {TITLE} is now yours"),
    ]
    assert after.select_one("#attendee-message").get_text() == (
        "Your registration is cancelled. We have sent you a mail to confirm it."
    )
    assert after.select_one("#registration-status .badge").get_text() == "Cancelled"
    assert (after.select_one("#ticket"), after.select_one("#details-form")) == (None, None)
    assert client.get(link(anna) + "/ticket.png").status_code == 404


def test_cancelling_twice_changes_nothing_more(db, client, event):
    open_registration(db, event)
    anna = make_registration(db, event, "anna")
    data = form_data(page(client.get(link(anna) + "/cancel")), "#cancel-form")
    client.post(link(anna) + "/cancel", data=data)

    again = client.post(link(anna) + "/cancel", data=data)
    details = client.post(link(anna), data={"csrf_token": data["csrf_token"], "version": "2"})

    assert again.status_code == 303
    assert len(mails(db)) == 2
    assert details.status_code == 409


def test_a_post_without_the_csrf_token_is_refused(db, client, event):
    open_registration(db, event)
    anna = make_registration(db, event, "anna")

    response = client.post(link(anna) + "/cancel", data={})

    assert response.status_code == 403
    assert fresh(db, anna).status == "confirmed"


# The mail --------------------------------------------------------------------------------------


def test_a_confirmed_place_comes_with_the_event_in_a_calendar_file(db, event):
    open_registration(db, event, capacity=1)
    anna = make_registration(db, event, "anna")
    make_registration(db, event, "bo")

    first, waiting = read_all(db, select(MailMessage).order_by(MailMessage.id))

    [attachment] = first.attachments
    calendar = icalendar.Calendar.from_ical(base64.b64decode(attachment["data"]).decode())
    [vevent] = calendar.walk("VEVENT")
    assert (attachment["filename"], attachment["content_type"]) == (
        "digital-forum.ics",
        "text/calendar",
    )
    assert (str(vevent["summary"]), vevent.decoded("dtstart"), str(vevent["location"])) == (
        TITLE,
        STARTS,
        "Centara Grand, 999/99 Rama 1 Road, Bangkok",
    )
    assert str(vevent["url"]) == "http://testserver/events/digital-forum"
    assert waiting.attachments == []
    assert rules.link_url(anna) in first.body_text


def test_the_mail_for_each_change_says_what_happened(db, event, owner):
    open_registration(db, event, capacity=1)
    anna = make_registration(db, event, "anna")
    bo = make_registration(db, event, "bo")
    rules.resend_link(db, event, bo)
    rules.cancel(db, event, anna)
    db.commit()

    bodies = [
        (m.to_address.split("@")[0], m.body_text.splitlines()[2])
        for m in read_all(db, select(MailMessage).order_by(MailMessage.id))
    ]

    assert bodies == [
        ("attendeeanna", f"Your place at {TITLE} is confirmed."),
        ("attendeebo", "The event is full, so you are on the waiting list, number 1. If a place "
         "becomes free, it goes to the first in line and we write to you at once."),
        ("attendeebo", f"You asked for your personal link for {TITLE} again (or registered a "
         "second time with this address): here it is."),
        ("attendeeanna", f"Your registration for {TITLE} is cancelled."),
        ("attendeebo", "A place has become free at "
         f"{TITLE} and it is yours: your registration is confirmed."),
    ]  # fmt: skip


def test_a_resent_link_of_a_confirmed_place_carries_the_calendar_again(db, event):
    open_registration(db, event)
    anna = make_registration(db, event, "anna")
    db.execute(update(MailMessage).values(attachments=[]))
    db.commit()

    rules.resend_link(db, event, anna)
    db.commit()

    last = read(db, select(MailMessage).order_by(MailMessage.id.desc()).limit(1))
    assert [a["filename"] for a in last.attachments] == ["digital-forum.ics"]
    assert "Your place is confirmed." in last.body_text.splitlines()


@pytest.mark.parametrize(
    ("setting", "shown"), [("attendees", True), ("public", True), ("off", False)]
)
def test_a_confirmed_attendee_is_shown_the_way_to_the_participant_list(
    db, client, event, setting, shown
):
    open_registration(db, event, participant_list=setting)
    anna = make_registration(db, event, "anna")

    found = page(client.get(link(anna))).select_one("#participants-link")

    assert (found["href"] if found else None) == (link(anna) + "/participants" if shown else None)
