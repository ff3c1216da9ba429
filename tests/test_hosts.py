"""Co-hosts: adding, editing, removing and reordering an event's organisations, and who may."""

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from eventapp import events
from eventapp.models import ActivityLog, EventHost, EventStatus, Organisation, Role, Upload
from tests.factories import add_host, add_member, log_in, make_event, make_user, page, submit


def png(size=(120, 60), colour=(0, 51, 153)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def hosts_in_order(db, event) -> list[str]:
    names = list(
        db.scalars(
            select(Organisation.name)
            .join(EventHost, EventHost.organisation_id == Organisation.id)
            .where(EventHost.event_id == event.id)
            .order_by(EventHost.position)
        )
    )
    db.commit()  # end the read: SQLite has one writer
    return names


def stored_organisation(db, organisation_id: int) -> dict | None:
    found = db.execute(
        select(
            Organisation.name, Organisation.short_name, Organisation.website, Organisation.logo_id
        ).where(Organisation.id == organisation_id)
    ).first()
    db.commit()
    return found._asdict() if found else None


def host_link(db, event, organisation_id: int) -> int:
    host_id = db.scalar(
        select(EventHost.id).where(
            EventHost.event_id == event.id, EventHost.organisation_id == organisation_id
        )
    )
    db.commit()
    return host_id


def listed_names(response) -> list[str]:
    return [h.get_text(strip=True) for h in page(response).select("#host-list .host-name")]


@pytest.fixture
def owner(db):
    return make_user(db)


@pytest.fixture
def event(db, owner):
    return make_event(db, owner=owner, status=EventStatus.DRAFT)


@pytest.fixture
def organiser(db, event):
    user = make_user(db)
    add_member(db, event, user, Role.ORGANISER)
    return user


# Adding --------------------------------------------------------------------------------------


def test_owner_adds_a_co_host_with_a_logo(client, db, owner, event):
    log_in(client, owner)

    response = submit(
        client,
        f"/manage/events/{event.id}/hosts/new",
        {"name": "Delegation of the European Union to Thailand", "short_name": "EU Delegation",
         "website": "https://www.eeas.europa.eu/delegations/thailand_en"},
        files={"logo": ("eu.png", png(), "image/png")},
    )  # fmt: skip

    assert response.status_code == 303
    assert response.headers["location"] == f"/manage/events/{event.id}/hosts?done=host-added"
    listing = client.get(f"/manage/events/{event.id}/hosts")
    assert listed_names(listing) == ["Delegation of the European Union to Thailand"]
    logo = page(listing).select_one("#host-list .host-logo img")
    image = client.get(logo["src"])
    assert (image.status_code, image.headers["content-type"]) == (200, "image/png")
    assert Image.open(io.BytesIO(image.content)).size == (120, 60)


def test_co_hosts_are_added_in_order_each_with_its_own_organisation(client, db, owner):
    first = make_event(db, owner=owner)
    second = make_event(db, owner=owner)
    log_in(client, owner)

    for event in (first, second):
        for name in ("Ministry of Foreign Affairs", "EU Delegation"):
            submit(client, f"/manage/events/{event.id}/hosts/new", {"name": name})

    assert hosts_in_order(db, first) == ["Ministry of Foreign Affairs", "EU Delegation"]
    assert db.scalar(select(func.count(Organisation.id))) == 4


def test_adding_with_htmx_tells_the_browser_where_to_go(client, db, owner, event):
    log_in(client, owner)

    response = submit(
        client,
        f"/manage/events/{event.id}/hosts/new",
        {"name": "Ministry"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/manage/events/{event.id}/hosts?done=host-added"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "n" * 201}, "name", "Use at most 200 characters."),
        ({"name": "M", "short_name": "s" * 51}, "short_name", "Use at most 50 characters."),
        ({"name": "M", "website": "javascript:alert(1)"}, "website",
         "Enter a web address starting with https:// or http://."),
        ({"name": "M", "website": "ftp://example.org"}, "website",
         "Enter a web address starting with https:// or http://."),
        ({"name": "M", "website": "https://exa mple.org"}, "website",
         "Enter a web address starting with https:// or http://."),
        ({"name": "M", "website": "https://" + "a" * 500 + ".org"}, "website",
         "Use at most 500 characters."),
        ({"name": "Nul\x00"}, "name", "This field contains a character that is not allowed."),
    ],
)  # fmt: skip
def test_adding_with_bad_input_answers_422_beside_the_field(
    client, db, owner, event, data, field, message
):
    log_in(client, owner)

    response = submit(client, f"/manage/events/{event.id}/hosts/new", data)

    soup = page(response)
    assert response.status_code == 422
    assert soup.select_one(f"#error-{field}").get_text() == message
    assert soup.select_one(f"#input-{field}")["aria-invalid"] == "true"
    assert db.scalar(select(func.count(Organisation.id))) == 0


def test_invalid_co_host_with_htmx_answers_the_form_alone(client, db, owner, event):
    log_in(client, owner)

    plain = submit(client, f"/manage/events/{event.id}/hosts/new", {"name": ""})
    enhanced = submit(
        client,
        f"/manage/events/{event.id}/hosts/new",
        {"name": ""},
        headers={"HX-Request": "true"},
    )

    assert (plain.status_code, enhanced.status_code) == (422, 422)
    assert page(plain).select_one("h1").get_text() == "Add a co-host"
    assert page(enhanced).select_one("h1") is None
    assert page(enhanced).select_one("form#host-form #error-name").get_text() == (
        "This field is required."
    )


def test_a_bare_domain_becomes_an_https_address(client, db, owner, event):
    log_in(client, owner)

    submit(client, f"/manage/events/{event.id}/hosts/new", {"name": "M", "website": "mfa.go.th"})

    assert db.scalar(select(Organisation.website)) == "https://mfa.go.th"


def test_the_add_form_is_a_multipart_form_enhanced_with_htmx(client, db, owner, event):
    log_in(client, owner)

    form = page(client.get(f"/manage/events/{event.id}/hosts/new")).select_one("form#host-form")

    path = f"/manage/events/{event.id}/hosts/new"
    assert (form["method"], form["action"], form["enctype"], form["hx-post"]) == (
        "post",
        path,
        "multipart/form-data",
        path,
    )


# Who may -------------------------------------------------------------------------------------


def test_organisers_edit_details_but_may_not_add_remove_or_reorder(client, db, event, organiser):
    first = add_host(db, event, "Ministry", position=0)
    add_host(db, event, "Delegation", position=1)
    host_id = host_link(db, event, first.id)
    log_in(client, organiser)
    base = f"/manage/events/{event.id}/hosts"

    statuses = {
        "list": client.get(base).status_code,
        "edit form": client.get(f"{base}/{host_id}/edit").status_code,
        "add form": client.get(f"{base}/new").status_code,
        "add": submit(client, f"{base}/new", {"name": "X"}).status_code,
        "confirm remove": client.get(f"{base}/{host_id}/remove").status_code,
        "remove": submit(client, f"{base}/{host_id}/remove", {}).status_code,
        "move": submit(client, f"{base}/{host_id}/move", {"direction": "down"}).status_code,
    }
    listing = page(client.get(base))

    assert statuses == {
        "list": 200,
        "edit form": 200,
        "add form": 403,
        "add": 403,
        "confirm remove": 403,
        "remove": 403,
        "move": 403,
    }
    assert listing.select_one("#add-host") is None
    assert listing.select(".move-form") == []
    assert hosts_in_order(db, event) == ["Ministry", "Delegation"]


def test_viewers_see_the_list_but_may_not_edit(client, db, event):
    organisation = add_host(db, event, "Ministry")
    host_id = host_link(db, event, organisation.id)
    viewer = make_user(db)
    add_member(db, event, viewer, Role.VIEWER)
    log_in(client, viewer)

    listing = client.get(f"/manage/events/{event.id}/hosts")
    edit = submit(
        client,
        f"/manage/events/{event.id}/hosts/{host_id}/edit",
        {"name": "Changed", "version": "1"},
    )

    assert listed_names(listing) == ["Ministry"]
    assert page(listing).select(".host-actions a") == []
    assert edit.status_code == 403
    assert stored_organisation(db, organisation.id)["name"] == "Ministry"


def test_another_events_co_host_answers_404(client, db, owner, event):
    other = make_event(db, owner=owner)
    elsewhere = add_host(db, other, "Elsewhere")
    host_id = host_link(db, other, elsewhere.id)
    log_in(client, owner)

    edit = client.get(f"/manage/events/{event.id}/hosts/{host_id}/edit")
    remove = submit(client, f"/manage/events/{event.id}/hosts/{host_id}/remove", {})

    assert (edit.status_code, remove.status_code) == (404, 404)
    assert hosts_in_order(db, other) == ["Elsewhere"]


# Editing -------------------------------------------------------------------------------------


def test_organiser_edits_a_co_host(client, db, event, organiser):
    added = add_host(db, event, "Ministry", website="https://old.example.org")
    host_id = host_link(db, event, added.id)
    log_in(client, organiser)

    response = submit(
        client,
        f"/manage/events/{event.id}/hosts/{host_id}/edit",
        {"name": "Ministry of Foreign Affairs", "short_name": "MFA",
         "website": "https://www.mfa.go.th/", "version": "1"},
    )  # fmt: skip

    assert response.status_code == 303
    assert stored_organisation(db, added.id) == {
        "name": "Ministry of Foreign Affairs",
        "short_name": "MFA",
        "website": "https://www.mfa.go.th/",
        "logo_id": None,
    }


def test_editing_one_events_co_host_never_changes_another_event(client, db, owner, event):
    """Even when two events point at the same organisation row (an import or the demo could)."""
    shared = add_host(db, event, "Shared Ministry")
    other = make_event(db, owner=owner)
    db.add(EventHost(event_id=other.id, organisation_id=shared.id, position=0))
    db.commit()
    host_id = host_link(db, event, shared.id)
    log_in(client, owner)

    submit(
        client,
        f"/manage/events/{event.id}/hosts/{host_id}/edit",
        {"name": "Renamed for this event", "version": "1"},
    )

    assert hosts_in_order(db, event) == ["Renamed for this event"]
    assert hosts_in_order(db, other) == ["Shared Ministry"]


def test_replacing_and_removing_a_logo(client, db, owner, event):
    added = add_host(db, event, "Ministry")
    host_id = host_link(db, event, added.id)
    log_in(client, owner)
    path = f"/manage/events/{event.id}/hosts/{host_id}/edit"

    submit(client, path, {"name": "Ministry", "version": "1"}, files={"logo": ("m.png", png(), "")})
    with_logo = stored_organisation(db, added.id)["logo_id"]
    form = page(client.get(path))
    submit(client, path, {"name": "Ministry", "version": "2", "remove_logo": "on"})

    assert with_logo is not None
    assert form.select_one("#current-logo img")["src"].startswith("/media/")
    assert stored_organisation(db, added.id)["logo_id"] is None


def test_a_stale_co_host_save_shows_their_version(client, db, owner, event, organiser):
    added = add_host(db, event, "Ministry")
    host_id = host_link(db, event, added.id)
    path = f"/manage/events/{event.id}/hosts/{host_id}/edit"
    log_in(client, organiser)
    submit(client, path, {"name": "Their name", "version": "1"})

    response = submit(client, path, {"name": "My name", "website": "", "version": "1"})

    soup = page(response)
    assert response.status_code == 409
    assert soup.select_one("#conflict-name .theirs .conflict-value").get_text() == "Their name"
    assert soup.select_one("#conflict-name .yours .conflict-value").get_text() == "My name"
    assert soup.select_one("input[name=version]")["value"] == "2"
    assert stored_organisation(db, added.id)["name"] == "Their name"


# Removing ------------------------------------------------------------------------------------


def test_removing_asks_for_confirmation_without_javascript(client, db, owner, event):
    added = add_host(db, event, "Ministry")
    add_host(db, event, "Delegation", position=1)
    host_id = host_link(db, event, added.id)
    log_in(client, owner)
    listing = page(client.get(f"/manage/events/{event.id}/hosts"))

    confirm = page(client.get(listing.select_one(f"#remove-host-{host_id}")["href"]))
    form = confirm.select_one("#confirm-remove form")
    response = submit(client, form["action"], {})

    assert confirm.select_one("#confirm-remove-title").get_text() == (
        "Remove Ministry from this event's co-hosts?"
    )
    assert (form["method"], response.status_code) == ("post", 303)
    assert hosts_in_order(db, event) == ["Delegation"]
    assert stored_organisation(db, added.id) is None


def test_a_published_event_keeps_its_last_co_host(client, db, owner):
    event = make_event(db, owner=owner, status=EventStatus.PUBLISHED)
    only = add_host(db, event, "Ministry")
    host_id = host_link(db, event, only.id)
    log_in(client, owner)

    response = submit(client, f"/manage/events/{event.id}/hosts/{host_id}/remove", {})

    assert response.status_code == 409
    problem = page(response).select_one("#problem").get_text()
    assert problem.startswith("A published or cancelled event keeps at least one co-host.")
    assert hosts_in_order(db, event) == ["Ministry"]


# Reordering ----------------------------------------------------------------------------------


@pytest.fixture
def three_hosts(db, event):
    made = [add_host(db, event, name, position=i) for i, name in enumerate("ABC")]
    return [host_link(db, event, organisation.id) for organisation in made]


def test_reordering_with_plain_forms(client, db, owner, event, three_hosts):
    log_in(client, owner)
    base = f"/manage/events/{event.id}/hosts"
    a, _b, c = three_hosts

    down = submit(client, f"{base}/{a}/move", {"direction": "down"})
    submit(client, f"{base}/{c}/move", {"direction": "up"})
    submit(client, f"{base}/{c}/move", {"direction": "up"})
    submit(client, f"{base}/{c}/move", {"direction": "up"})  # already first: no change

    assert (down.status_code, down.headers["location"]) == (303, f"{base}#host-{a}")
    assert hosts_in_order(db, event) == ["C", "B", "A"]


def test_reordering_with_htmx_answers_the_list_alone(client, db, owner, event, three_hosts):
    log_in(client, owner)
    a = three_hosts[0]

    response = submit(
        client,
        f"/manage/events/{event.id}/hosts/{a}/move",
        {"direction": "down"},
        headers={"HX-Request": "true"},
    )

    soup = page(response)
    assert response.status_code == 200
    assert soup.select_one("h1") is None
    assert soup.select_one("div#host-list") is not None
    assert listed_names(response) == ["B", "A", "C"]
    form = soup.select_one(f"#host-{a} .move-form")
    assert (form["method"], form["hx-post"], form["hx-target"]) == (
        "post",
        f"/manage/events/{event.id}/hosts/{a}/move",
        "#host-list",
    )


def test_reorder_buttons_at_the_ends_are_disabled(client, db, owner, event, three_hosts):
    log_in(client, owner)
    a, _b, c = three_hosts

    soup = page(client.get(f"/manage/events/{event.id}/hosts"))

    disabled = [button["id"] for button in soup.select(".move-form button[disabled]")]
    assert disabled == [f"move-up-{a}", f"move-down-{c}"]


def test_a_bad_direction_answers_422(client, db, owner, event, three_hosts):
    log_in(client, owner)

    response = submit(
        client, f"/manage/events/{event.id}/hosts/{three_hosts[0]}/move", {"direction": "left"}
    )

    assert response.status_code == 422
    assert hosts_in_order(db, event) == ["A", "B", "C"]


# Rules, without HTTP -------------------------------------------------------------------------


def test_moving_keeps_positions_dense_after_a_removal(db, owner, event, three_hosts):
    links = {link.id: link for link in db.scalars(select(EventHost))}

    events.remove_host(db, event, links[three_hosts[1]], actor=owner)
    events.move_host(db, event, links[three_hosts[2]], actor=owner, offset=-1)
    db.commit()

    positions = [
        (name, position)
        for name, position in db.execute(
            select(Organisation.name, EventHost.position)
            .join(EventHost, EventHost.organisation_id == Organisation.id)
            .order_by(EventHost.position)
        )
    ]
    assert positions == [("C", 0), ("A", 1)]
    actions = list(db.scalars(select(ActivityLog.action).order_by(ActivityLog.id)))
    assert actions == ["host.remove", "host.reorder"]


def test_identical_logos_are_stored_once(client, db, owner, event):
    log_in(client, owner)

    for name in ("A", "B"):
        submit(
            client,
            f"/manage/events/{event.id}/hosts/new",
            {"name": name},
            files={"logo": ("same.png", png(), "image/png")},
        )

    assert db.scalar(select(func.count(Upload.id))) == 1
    assert db.scalar(select(func.count(func.distinct(Organisation.logo_id)))) == 1
