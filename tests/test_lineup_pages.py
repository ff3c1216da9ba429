"""An agenda item's line-up in the organisers' editor: adding people from the team's book, their
role and status, their order (protocol precedence, up/down buttons, dragging), removing them;
the line-up on the editor's day, and a person booked on two items at once as a clash."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from eventapp import people
from eventapp.models import (
    Appearance,
    AppearanceRole,
    AppearanceStatus,
    Role,
    Speaker,
    Team,
)
from tests.factories import (
    add_member,
    fragment,
    log_in,
    make_event,
    make_item,
    make_room,
    make_user,
    page,
    read,
    read_all,
    submit,
)

# Thursday 8 August 2030, 09:00 in Bangkok (UTC+7).
STARTS = datetime(2030, 8, 8, 2, 0, tzinfo=UTC)
DAY_ONE = "2030-08-08"
HTMX = {"HX-Request": "true"}
XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


@pytest.fixture
def owner(db):
    return make_user(db, name="Olivia Owner")


@pytest.fixture
def event(db, owner):
    return make_event(db, title="Seminar on Online Scams", starts_at=STARTS, days=2, owner=owner)


@pytest.fixture
def item(db, event):
    return make_item(db, event, "Opening panel", at="09:00", minutes=60)


@pytest.fixture
def base(event, item) -> str:
    return f"/manage/events/{event.id}/agenda/items/{item.id}/people"


def make_person(db, event, owner, given: str, family: str, **fields):
    person = people.add_person(
        db,
        event,
        actor=owner,
        details=people.PersonDetails(given_name=given, family_name=family, **fields),
    )
    db.commit()
    return person


def rank(db, event, person, precedence: int) -> None:
    """The person's protocol precedence on the event (lower comes first)."""
    people.ensure_speaker(db, event, person).precedence = precedence
    db.commit()


def appear(db, event, item, person, owner, role=AppearanceRole.SPEAKER, **fields) -> Appearance:
    appearance = people.add_appearance(db, event, item, person, actor=owner, role=role, **fields)
    db.commit()
    return appearance


def order_of(db, item) -> list[int]:
    """The person ids of the item's line-up, in order, as saved now."""
    rows = read_all(
        db,
        select(Appearance).where(Appearance.item_id == item.id).order_by(Appearance.position),
    )
    return [row.person_id for row in rows]


def saved(db, appearance_id: int) -> tuple | None:
    row = db.execute(
        select(Appearance.role, Appearance.status, Appearance.version).where(
            Appearance.id == appearance_id
        )
    ).first()
    db.commit()
    return tuple(row) if row else None


def names(soup) -> list[str]:
    return [p.get_text(strip=True) for p in soup.select("#lineup-list .lineup-name")]


def error_beside(soup, field: str) -> str:
    message = soup.select_one(f"#error-{field}")
    assert message is not None, f"no error beside {field}"
    return message.get_text(strip=True)


@pytest.fixture
def three(db, event, owner):
    """A minister, an ambassador and a moderator, ranked in that order."""
    minister = make_person(
        db,
        event,
        owner,
        "Russ",
        "Jalichandra",
        honorific="H.E. Mr.",
        position="Vice Minister for Foreign Affairs",
        organisation="Ministry of Foreign Affairs",
    )
    ambassador = make_person(db, event, owner, "David", "Daly", honorific="H.E. Mr.")
    moderator = make_person(db, event, owner, "Mali", "Moderator", organisation="ThaiPBS")
    for person, precedence in ((minister, 10), (ambassador, 20), (moderator, 90)):
        rank(db, event, person, precedence)
    return minister, ambassador, moderator


# Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.RAPPORTEUR, Role.VIEWER])
def test_narrow_roles_may_not_open_or_change_a_lineup(client, db, event, owner, item, base, role):
    person = make_person(db, event, owner, "Mali", "Moderator")
    appearance = appear(db, event, item, person, owner)
    member = make_user(db)
    add_member(db, event, member, role)
    log_in(client, member)

    path = f"{base}/{appearance.id}"
    statuses = {
        "page": client.get(base).status_code,
        "search": client.get(f"{base}/search?q=Mali").status_code,
        "confirm remove": client.get(f"{path}/remove").status_code,
        "add": submit(client, base, {"person": str(person.id), "role": "chair"}).status_code,
        "edit": submit(
            client, f"{path}/edit", {"role": "chair", "status": "confirmed", "version": "1"}
        ).status_code,
        "move": submit(client, f"{path}/move", {"direction": "down"}).status_code,
        "reorder": submit(
            client, f"{base}/reorder", {"appearance": [str(appearance.id)]}
        ).status_code,
        "remove": submit(client, f"{path}/remove", {}).status_code,
    }

    assert set(statuses.values()) == {403}
    assert saved(db, appearance.id) == (AppearanceRole.SPEAKER, AppearanceStatus.INVITED, 1)


def test_non_members_get_404(client, db, event, owner, item, base):
    appearance = appear(db, event, item, make_person(db, event, owner, "Mali", "M"), owner)
    log_in(client, make_user(db))

    statuses = [
        client.get(base).status_code,
        client.get(f"{base}/{appearance.id}/remove").status_code,
        submit(client, f"{base}/{appearance.id}/remove", {}).status_code,
    ]

    assert statuses == [404, 404, 404]
    assert saved(db, appearance.id) is not None


def test_another_events_item_appearance_and_person_answer_404(client, db, owner, event, item, base):
    other = make_event(db, starts_at=STARTS, owner=owner)  # its own team, its own book
    other_item = make_item(db, other, "Elsewhere")
    stranger = make_person(db, other, owner, "Sam", "Stranger")
    their_appearance = appear(db, other, other_item, stranger, owner)
    mine = make_person(db, event, owner, "Mali", "Moderator")
    sibling = make_item(db, event, "Another item of this event", at="11:00")
    sibling_appearance = appear(db, event, sibling, mine, owner)
    log_in(client, owner)

    statuses = {
        "other event's item": client.get(
            f"/manage/events/{event.id}/agenda/items/{other_item.id}/people"
        ).status_code,
        "other event's appearance": submit(
            client,
            f"{base}/{their_appearance.id}/edit",
            {"role": "chair", "status": "confirmed", "version": "1"},
        ).status_code,
        "other item's appearance": submit(
            client, f"{base}/{sibling_appearance.id}/move", {"direction": "up"}
        ).status_code,
        "other item's appearance removed": submit(
            client, f"{base}/{sibling_appearance.id}/remove", {}
        ).status_code,
        "other team's person": submit(
            client, base, {"person": str(stranger.id), "role": "speaker"}
        ).status_code,
    }

    assert set(statuses.values()) == {404}
    assert order_of(db, item) == []
    assert saved(db, their_appearance.id) == (AppearanceRole.SPEAKER, AppearanceStatus.INVITED, 1)
    assert saved(db, sibling_appearance.id) is not None


# The page --------------------------------------------------------------------------------------


def test_the_lineup_shows_each_person_in_order_with_role_status_and_post(
    client, db, owner, event, item, base, three
):
    minister, _ambassador, moderator = three
    appear(db, event, item, moderator, owner, AppearanceRole.MODERATOR)
    appear(db, event, item, minister, owner, AppearanceRole.KEYNOTE, status="confirmed")
    log_in(client, owner)

    soup = page(client.get(base))

    assert soup.select_one("h1").get_text() == "People on “Opening panel”"
    assert soup.select_one("#lineup-when").get_text() == (
        "Thursday, August 8, 2030, 09:00–10:00 · Plenary (all rooms)"
    )
    rows = [
        (
            row.select_one(".lineup-name").get_text(strip=True),
            row.select_one(".lineup-role").get_text(strip=True),
            row.select_one(".lineup-status").get_text(strip=True),
            " ".join(p.get_text(strip=True) for p in row.select(".lineup-details")),
        )
        for row in soup.select("#lineup-list > li")
    ]
    assert rows == [
        (
            "H.E. Mr. Russ Jalichandra",
            "Keynote speaker",
            "Confirmed",
            "Vice Minister for Foreign Affairs, Ministry of Foreign Affairs",
        ),
        ("Mali Moderator", "Moderator", "Invited", "ThaiPBS"),
    ]
    back = soup.select_one("#back-to-agenda")
    assert back["href"] == f"/manage/events/{event.id}/agenda?day={DAY_ONE}#item-{item.id}"


def test_the_page_loads_its_scripts_from_this_site_and_none_inline(client, db, owner, event, base):
    log_in(client, owner)

    soup = page(client.get(base))

    sources = [script.get("src") for script in soup.select("script")]
    assert sources == [
        "/static/vendor/htmx-2.0.11.min.js",
        "/static/vendor/sortable-1.15.7.min.js",
        "/static/js/lineup.js",
    ]
    assert [client.get(src).status_code for src in sources] == [200, 200, 200]


# Searching the team's book -------------------------------------------------------------------


def test_searching_without_javascript_lists_matching_people(
    client, db, owner, event, item, base, three
):
    minister, _ambassador, moderator = three
    appear(db, event, item, minister, owner)
    log_in(client, owner)

    soup = page(client.get(f"{base}?q=ja"))

    form = soup.select_one("#search-form")
    assert (form["method"], form["action"], form["hx-get"]) == ("get", base, f"{base}/search")
    assert soup.select_one("#input-q")["value"] == "ja"
    choices = {
        choice["value"]: choice.has_attr("disabled")
        for choice in soup.select("#person-results input[name=person]")
    }
    assert choices == {str(minister.id): True}  # already on the item
    soup = page(client.get(f"{base}?q=mali"))
    assert [c["value"] for c in soup.select("input[name=person]")] == [str(moderator.id)]


def test_searching_as_you_type_answers_the_results_alone(client, db, owner, event, base, three):
    _minister, ambassador, _moderator = three
    log_in(client, owner)

    response = client.get(f"{base}/search?q=daly", headers=HTMX)

    soup = fragment(response)
    assert response.status_code == 200
    assert soup.select_one("h1") is None
    assert soup.select_one("#lineup-list") is None
    assert [top.get("id") for top in soup.find_all(recursive=False)] == ["search-results"]
    assert [c["value"] for c in soup.select("input[name=person]")] == [str(ambassador.id)]
    nothing = fragment(client.get(f"{base}/search?q=nobody", headers=HTMX))
    assert nothing.select_one("#no-results").get_text() == (
        "No one in your team's book matches “nobody”."
    )


def test_the_search_without_htmx_is_the_whole_page(client, db, owner, event, base, three):
    log_in(client, owner)

    soup = page(client.get(f"{base}/search?q=daly"))

    assert soup.select_one("h1").get_text() == "People on “Opening panel”"
    assert len(soup.select("input[name=person]")) == 1


# Adding ----------------------------------------------------------------------------------------


def test_adding_places_people_by_protocol_precedence(client, db, owner, event, item, base, three):
    minister, ambassador, moderator = three
    log_in(client, owner)

    added = [
        submit(client, base, {"person": str(person.id), "role": role})
        for person, role in (
            (moderator, "moderator"),
            (minister, "keynote"),
            (ambassador, "speaker"),
        )
    ]

    assert [response.status_code for response in added] == [303, 303, 303]
    assert order_of(db, item) == [minister.id, ambassador.id, moderator.id]
    first = read(db, select(Appearance).where(Appearance.person_id == moderator.id))
    assert added[0].headers["location"] == f"{base}?done=added#appearance-{first.id}"
    soup = page(client.get(added[2].headers["location"]))
    assert soup.select_one("#message").get_text() == "Added to the line-up."
    assert names(soup) == ["H.E. Mr. Russ Jalichandra", "H.E. Mr. David Daly", "Mali Moderator"]


def test_people_of_equal_rank_keep_the_order_they_were_added_in(
    client, db, owner, event, base, item
):
    first = make_person(db, event, owner, "Anna", "First")
    second = make_person(db, event, owner, "Zed", "Second")
    log_in(client, owner)

    for person in (second, first):
        submit(client, base, {"person": str(person.id), "role": "panellist"})

    assert order_of(db, item) == [second.id, first.id]


def test_adding_with_htmx_answers_the_lineup(client, db, owner, event, item, base, three):
    minister, _ambassador, _moderator = three
    log_in(client, owner)

    response = submit(client, base, {"person": str(minister.id), "role": "chair"}, headers=HTMX)

    soup = fragment(response)
    assert response.status_code == 200
    assert soup.select_one("h1") is None
    assert [top.get("id") for top in soup.find_all(recursive=False)] == ["lineup"]
    assert soup.select_one("#message").get_text() == "Added to the line-up."
    assert names(soup) == ["H.E. Mr. Russ Jalichandra"]
    assert soup.select_one("#lineup-list .lineup-role").get_text() == "Chair"


def test_the_add_form_is_a_plain_form_enhanced_with_htmx(client, db, owner, event, base, three):
    log_in(client, owner)

    form = page(client.get(base)).select_one("form#add-person-form")

    assert (form["method"], form["action"], form["hx-post"], form["hx-target"]) == (
        "post",
        base,
        base,
        "#lineup",
    )
    assert form.select_one("input[name=csrf_token]") is not None
    roles = [option["value"] for option in form.select("#input-role option")]
    assert roles == [
        "chair",
        "moderator",
        "keynote",
        "speaker",
        "panellist",
        "discussant",
        "rapporteur",
    ]
    assert form.select_one("#input-role option[selected]")["value"] == "speaker"


def test_adding_someone_already_on_the_item_answers_422_beside_the_person(
    client, db, owner, event, item, base, three
):
    minister, _ambassador, _moderator = three
    appear(db, event, item, minister, owner)
    log_in(client, owner)

    plain = submit(client, base, {"person": str(minister.id), "role": "chair", "q": "russ"})
    htmx = submit(client, base, {"person": str(minister.id), "role": "chair"}, headers=HTMX)

    assert (plain.status_code, htmx.status_code) == (422, 422)
    expected = "H.E. Mr. Russ Jalichandra is already on this item."
    assert error_beside(page(plain), "person") == expected
    assert page(plain).select_one("#input-q")["value"] == "russ"
    assert error_beside(fragment(htmx), "person") == expected
    assert fragment(htmx).select_one("h1") is None
    assert order_of(db, item) == [minister.id]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"role": "speaker"}, "person", "Choose a person from the list."),
        ({"person": "abc", "role": "speaker"}, "person", "Choose a person from the list."),
        ({"person": "PERSON", "role": "king"}, "role", "Choose one of the options."),
    ],
)
def test_adding_with_bad_input_answers_422(
    client, db, owner, event, item, base, three, data, field, message
):
    data = {k: str(three[0].id) if v == "PERSON" else v for k, v in data.items()}
    log_in(client, owner)

    response = submit(client, base, data)

    soup = page(response)
    assert response.status_code == 422
    assert error_beside(soup, field) == message
    if field == "role":
        assert soup.select_one("#input-role")["aria-invalid"] == "true"
    assert order_of(db, item) == []


# Role and status -------------------------------------------------------------------------------


def test_changing_role_and_status_with_its_version(client, db, owner, event, item, base, three):
    appearance = appear(db, event, item, three[0], owner)
    log_in(client, owner)

    response = submit(
        client,
        f"{base}/{appearance.id}/edit",
        {"role": "keynote", "status": "confirmed", "version": "1"},
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"{base}?done=saved#appearance-{appearance.id}"
    assert saved(db, appearance.id) == (AppearanceRole.KEYNOTE, AppearanceStatus.CONFIRMED, 2)
    soup = page(client.get(response.headers["location"]))
    assert soup.select_one(f"#appearance-{appearance.id} .lineup-status").get_text() == "Confirmed"
    assert (
        soup.select_one(f"#appearance-{appearance.id}-role option[selected]")["value"] == "keynote"
    )


def test_changing_with_htmx_answers_the_lineup(client, db, owner, event, item, base, three):
    appearance = appear(db, event, item, three[0], owner)
    log_in(client, owner)

    response = submit(
        client,
        f"{base}/{appearance.id}/edit",
        {"role": "speaker", "status": "declined", "version": "1"},
        headers=HTMX,
    )

    soup = fragment(response)
    assert response.status_code == 200
    assert soup.select_one("#message").get_text() == "Saved."
    assert soup.select_one(".lineup-status").get_text() == "Declined"
    assert saved(db, appearance.id) == (AppearanceRole.SPEAKER, AppearanceStatus.DECLINED, 2)


def test_the_edit_form_is_a_plain_form_enhanced_with_htmx(
    client, db, owner, event, item, base, three
):
    appearance = appear(db, event, item, three[0], owner)
    log_in(client, owner)

    form = page(client.get(base)).select_one(f"form#edit-{appearance.id}")

    path = f"{base}/{appearance.id}/edit"
    assert (form["method"], form["action"], form["hx-post"], form["hx-target"]) == (
        "post",
        path,
        path,
        "#lineup",
    )
    assert form.select_one("input[name=version]")["value"] == "1"


def test_saving_unchanged_keeps_the_version(client, db, owner, event, item, base, three):
    appearance = appear(db, event, item, three[0], owner)
    log_in(client, owner)

    response = submit(
        client,
        f"{base}/{appearance.id}/edit",
        {"role": "speaker", "status": "invited", "version": "1"},
    )

    assert response.headers["location"] == f"{base}?done=unchanged#appearance-{appearance.id}"
    assert saved(db, appearance.id) == (AppearanceRole.SPEAKER, AppearanceStatus.INVITED, 1)


def test_a_stale_edit_answers_409_and_changes_nothing(client, db, owner, event, item, base, three):
    appearance = appear(db, event, item, three[0], owner)
    log_in(client, owner)
    first = submit(
        client,
        f"{base}/{appearance.id}/edit",
        {"role": "chair", "status": "invited", "version": "1"},
    )

    plain = submit(
        client,
        f"{base}/{appearance.id}/edit",
        {"role": "moderator", "status": "confirmed", "version": "1"},
    )
    htmx = submit(
        client,
        f"{base}/{appearance.id}/edit",
        {"role": "moderator", "status": "confirmed", "version": "1"},
        headers=HTMX,
    )

    assert (first.status_code, plain.status_code, htmx.status_code) == (303, 409, 409)
    assert saved(db, appearance.id) == (AppearanceRole.CHAIR, AppearanceStatus.INVITED, 2)
    problem = (
        "Someone else changed H.E. Mr. Russ Jalichandra on this item meanwhile, so nothing was "
        "done. It is shown as now saved; try again."
    )
    for soup in (page(plain), fragment(htmx)):
        assert soup.select_one("#problem").get_text() == problem
        shown = soup.select_one(f"#appearance-{appearance.id}-role option[selected]")["value"]
        assert (shown, soup.select_one(f"#edit-{appearance.id} input[name=version]")["value"]) == (
            "chair",
            "2",
        )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"role": "chair", "status": "maybe", "version": "1"},
            "status",
            "Choose one of the options.",
        ),
        (
            {"role": "chair", "status": "confirmed"},
            "__all__",
            "The form was incomplete. Reload the page and try again.",
        ),
    ],
)
def test_a_bad_edit_answers_422_beside_that_persons_field(
    client, db, owner, event, item, base, three, data, field, message
):
    appearance = appear(db, event, item, three[0], owner)
    log_in(client, owner)

    response = submit(client, f"{base}/{appearance.id}/edit", data)

    soup = page(response)
    assert response.status_code == 422
    if field == "__all__":
        assert soup.select_one(f"#error-appearance-{appearance.id}").get_text() == message
    else:
        error_id = f"error-appearance-{appearance.id}-{field}"
        assert soup.select_one(f"#{error_id}").get_text() == message
        control = soup.select_one(f"#appearance-{appearance.id}-{field}")
        assert (control["aria-invalid"], control["aria-describedby"]) == ("true", error_id)
    assert saved(db, appearance.id) == (AppearanceRole.SPEAKER, AppearanceStatus.INVITED, 1)


# Order: up and down, dragging --------------------------------------------------------------------


def test_up_and_down_buttons_move_a_person_and_stop_at_the_ends(
    client, db, owner, event, item, base, three
):
    minister, ambassador, moderator = three
    first, second, last = (appear(db, event, item, person, owner) for person in three)
    log_in(client, owner)
    soup = page(client.get(base))
    assert soup.select_one(f"#move-up-{first.id}").has_attr("disabled")
    assert soup.select_one(f"#move-down-{last.id}").has_attr("disabled")
    assert not soup.select_one(f"#move-down-{first.id}").has_attr("disabled")

    down = submit(client, f"{base}/{first.id}/move", {"direction": "down"})
    assert down.headers["location"] == f"{base}?done=moved#appearance-{first.id}"
    assert order_of(db, item) == [ambassador.id, minister.id, moderator.id]
    up = submit(client, f"{base}/{last.id}/move", {"direction": "up"}, headers=HTMX)
    assert up.status_code == 200
    assert names(fragment(up)) == [
        "H.E. Mr. David Daly",
        "Mali Moderator",
        "H.E. Mr. Russ Jalichandra",
    ]
    at_the_top = submit(client, f"{base}/{second.id}/move", {"direction": "up"})
    at_the_bottom = submit(client, f"{base}/{first.id}/move", {"direction": "down"}, headers=HTMX)

    assert at_the_top.headers["location"] == f"{base}?done=unchanged#appearance-{second.id}"
    assert fragment(at_the_bottom).select_one("#message").get_text() == "Nothing was changed."
    assert order_of(db, item) == [ambassador.id, moderator.id, minister.id]
    bad = submit(client, f"{base}/{first.id}/move", {"direction": "sideways"})
    assert bad.status_code == 422


def test_the_move_buttons_are_plain_forms_enhanced_with_htmx(
    client, db, owner, event, item, base, three
):
    first, _second, _third = (appear(db, event, item, person, owner) for person in three)
    log_in(client, owner)

    button = page(client.get(base)).select_one(f"#move-down-{first.id}")

    form = button.find_parent("form")
    path = f"{base}/{first.id}/move"
    assert (form["method"], form["action"], form["hx-post"], form["hx-target"]) == (
        "post",
        path,
        path,
        "#lineup",
    )
    assert (button["name"], button["value"]) == ("direction", "down")


def test_dragging_posts_the_new_order(client, db, owner, event, item, base, three):
    minister, ambassador, moderator = three
    first, second, third = (appear(db, event, item, person, owner) for person in three)
    log_in(client, owner)
    listed = page(client.get(base)).select_one("#lineup-list")
    assert listed["data-reorder-url"] == f"{base}/reorder"
    assert [li["data-id"] for li in listed.select(":scope > li")] == [
        str(first.id),
        str(second.id),
        str(third.id),
    ]

    plain = submit(
        client, f"{base}/reorder", {"appearance": [str(third.id), str(first.id), str(second.id)]}
    )
    assert plain.headers["location"] == f"{base}?done=moved"
    assert order_of(db, item) == [moderator.id, minister.id, ambassador.id]
    htmx = submit(
        client,
        f"{base}/reorder",
        {"appearance": [str(second.id), str(third.id), str(first.id)]},
        headers=HTMX,
    )

    assert htmx.status_code == 200
    assert names(fragment(htmx)) == [
        "H.E. Mr. David Daly",
        "Mali Moderator",
        "H.E. Mr. Russ Jalichandra",
    ]
    assert order_of(db, item) == [ambassador.id, moderator.id, minister.id]


def test_dragging_ignores_bad_ids_and_other_items_people(
    client, db, owner, event, item, base, three
):
    minister, ambassador, moderator = three
    first, _second, third = (appear(db, event, item, person, owner) for person in three)
    elsewhere = make_item(db, event, "Another item", at="11:00")
    theirs = appear(db, event, elsewhere, minister, owner)
    log_in(client, owner)

    response = submit(
        client,
        f"{base}/reorder",
        {
            "appearance": [
                "nonsense",
                str(theirs.id),
                "-4",
                str(third.id),
                "99999999999",
                str(first.id),
            ]
        },
    )

    assert response.status_code == 303
    # The ones given first in their order, the one left out after them.
    assert order_of(db, item) == [moderator.id, minister.id, ambassador.id]
    assert order_of(db, elsewhere) == [minister.id]
    assert read(db, select(Appearance.position).where(Appearance.id == theirs.id)) == 0


# Removing --------------------------------------------------------------------------------------


def test_removing_asks_for_confirmation_without_javascript(
    client, db, owner, event, item, base, three
):
    minister, ambassador, _moderator = three
    first = appear(db, event, item, minister, owner)
    appear(db, event, item, ambassador, owner)
    log_in(client, owner)

    soup = page(client.get(f"{base}/{first.id}/remove"))
    assert soup.select_one("#confirm-remove-title").get_text() == (
        "Remove H.E. Mr. Russ Jalichandra from “Opening panel”?"
    )
    form = soup.select_one("#confirm-remove form")
    assert form["action"] == f"{base}/{first.id}/remove"
    assert order_of(db, item) == [minister.id, ambassador.id]  # asking changed nothing

    response = submit(client, form["action"], {})

    assert response.headers["location"] == f"{base}?done=removed"
    assert order_of(db, item) == [ambassador.id]
    assert read(db, select(Speaker.id).where(Speaker.person_id == minister.id)) is not None


def test_removing_with_htmx_confirms_and_answers_the_lineup(
    client, db, owner, event, item, base, three
):
    first = appear(db, event, item, three[0], owner)
    log_in(client, owner)

    asked = fragment(client.get(f"{base}/{first.id}/remove", headers=HTMX))
    response = submit(client, f"{base}/{first.id}/remove", {}, headers=HTMX)

    assert asked.select_one("#confirm-remove-button") is not None
    assert asked.select_one("h1") is None
    soup = fragment(response)
    assert soup.select_one("#message").get_text() == "Removed from the line-up."
    assert soup.select_one("#empty-lineup") is not None
    assert order_of(db, item) == []


# Bad input shows as text -----------------------------------------------------------------------


def test_names_with_markup_are_shown_as_text(client, db, owner, event, item, base):
    person = make_person(db, event, owner, XSS, "Family", organisation=XSS)
    appear(db, event, item, person, owner)
    log_in(client, owner)

    lineup = page(client.get(base))
    results = fragment(client.get(f"{base}/search?q=family", headers=HTMX))
    editor = page(client.get(f"/manage/events/{event.id}/agenda"))

    assert lineup.select_one(".lineup-name").get_text() == f"{XSS} Family"
    assert lineup.select_one(".lineup-details").get_text() == XSS
    assert results.select_one(".person-choice-name").get_text() == f"{XSS} Family"
    assert editor.select_one(f"#lineup-{item.id} .item-lineup-name").get_text() == f"{XSS} Family"
    for soup in (lineup, results, editor):
        assert soup.select("img") == []
        assert [s for s in soup.select("script") if not s.get("src")] == []


# The editor's day ------------------------------------------------------------------------------


def test_the_editors_items_show_their_lineup_and_a_people_link(
    client, db, owner, event, item, three
):
    minister, _ambassador, moderator = three
    appear(db, event, item, minister, owner, AppearanceRole.KEYNOTE, status="confirmed")
    appear(db, event, item, moderator, owner, AppearanceRole.MODERATOR)
    empty = make_item(db, event, "Coffee", at="10:00", minutes=15)
    log_in(client, owner)

    soup = page(client.get(f"/manage/events/{event.id}/agenda"))

    lines = [" ".join(li.get_text(" ").split()) for li in soup.select(f"#lineup-{item.id} li")]
    assert lines == [
        "H.E. Mr. Russ Jalichandra (Keynote speaker)",
        "Mali Moderator (Moderator) · Invited",
    ]
    assert soup.select_one(f"#lineup-{empty.id}") is None
    link = soup.select_one(f"#people-item-{item.id}")
    assert link["href"] == f"/manage/events/{event.id}/agenda/items/{item.id}/people"
    assert link.get_text(" ", strip=True) == "People : Opening panel"


def test_the_editor_query_count_does_not_grow_with_people(client, db, owner, event, count_queries):
    rooms = [make_room(db, event, "Room A"), make_room(db, event, "Room B")]
    items = [
        make_item(db, event, f"Item {n}", at=f"{9 + n // 2:02d}:00", room=rooms[n % 2])
        for n in range(10)
    ]
    book = [make_person(db, event, owner, f"Given{n}", f"Family{n}") for n in range(50)]
    appear(db, event, items[0], book[0], owner)
    appear(db, event, items[1], book[1], owner)
    log_in(client, owner)
    with count_queries() as few:
        assert client.get(f"/manage/events/{event.id}/agenda").status_code == 200
    for n, person in enumerate(book[2:]):
        appear(db, event, items[n % 10], person, owner)
    # Two people on two items at once each: a clash to name.
    appear(db, event, items[1], book[2], owner)
    appear(db, event, items[0], book[3], owner)

    with count_queries() as many:
        response = client.get(f"/manage/events/{event.id}/agenda")

    soup = page(response)
    assert len(soup.select(".item-lineup li")) == 52
    assert len(soup.select(".clash-person")) == 2
    assert len(many) == len(few) + 1  # the names of the people double-booked, once


def test_the_lineup_page_query_count_does_not_grow_with_people(
    client, db, owner, event, item, base, count_queries
):
    book = [make_person(db, event, owner, f"Given{n}", f"Family{n}") for n in range(50)]
    appear(db, event, item, book[0], owner)
    log_in(client, owner)
    with count_queries() as one:
        assert client.get(base).status_code == 200
    for person in book[1:]:
        appear(db, event, item, person, owner)

    with count_queries() as fifty:
        response = client.get(base)

    assert len(page(response).select("#lineup-list > li")) == 50
    assert len(fifty) == len(one)


# A person in two places at once ----------------------------------------------------------------


def test_a_person_on_two_overlapping_items_is_a_clash_on_the_editor_and_the_release_page(
    client, db, owner, event, three
):
    minister, ambassador, _moderator = three
    hall, side = make_room(db, event, "Main hall"), make_room(db, event, "Side room")
    talk = make_item(db, event, "Opening talk", at="09:00", minutes=60, room=hall)
    panel = make_item(db, event, "Panel", at="09:30", minutes=30, room=side)
    appear(db, event, talk, minister, owner)
    appear(db, event, panel, minister, owner)
    appear(db, event, talk, ambassador, owner)
    appear(db, event, panel, ambassador, owner, status=AppearanceStatus.DECLINED)  # not a clash
    log_in(client, owner)

    editor = page(client.get(f"/manage/events/{event.id}/agenda"))
    release = page(client.get(f"/manage/events/{event.id}/agenda/release"))

    for soup in (editor, release):
        clashes = soup.select("#clashes .clash")
        assert [clash["data-kind"] for clash in clashes] == ["person"]
        assert clashes[0].select_one(".clash-text").get_text() == (
            "H.E. Mr. Russ Jalichandra is on two items at once:"
        )
        linked = [a["data-item"] for a in clashes[0].select(".clash-item")]
        assert linked == [str(talk.id), str(panel.id)]
    notes = {
        item_id: [li.get_text() for li in editor.select(f"#clashes-{item_id} li")]
        for item_id in (talk.id, panel.id)
    }
    assert notes == {
        talk.id: ["H.E. Mr. Russ Jalichandra is also on “Panel” (09:30–10:00) at the same time."],
        panel.id: [
            "H.E. Mr. Russ Jalichandra is also on “Opening talk” (09:00–10:00) at the same time."
        ],
    }
    assert "has-clash" in editor.select_one(f"#item-{panel.id}")["class"]


def test_people_of_another_team_are_not_found(client, db, owner, event, base):
    team = Team(name="Another team")
    db.add(team)
    db.commit()
    other = make_event(db, starts_at=STARTS, owner=owner, team=team)
    make_person(db, other, owner, "Hidden", "Person")
    log_in(client, owner)

    soup = page(client.get(f"{base}?q=hidden"))

    assert soup.select("input[name=person]") == []
    assert (
        soup.select_one("#no-results").get_text() == "No one in your team's book matches “hidden”."
    )
