"""The public page cache: anonymous visitors get bytes rendered once, with their own CSRF token,
and a release, an event edit or a status change made anywhere shows at once."""

from functools import partial

import httpx
import pytest

from eventapp import agenda, events, public_cache
from eventapp.models import EventStatus
from tests.factories import (
    add_host,
    log_in,
    make_event,
    make_item,
    make_user,
    page,
    post_form,
    release_agenda,
)
from tests.test_agenda_concurrency import together
from tests.test_summaries_pages import publish_note


@pytest.fixture
def owner(db):
    return make_user(db)


@pytest.fixture
def event(db, owner):
    event = make_event(db, owner=owner)
    add_host(db, event, "Ministry of Foreign Affairs")
    make_item(db, event, "Opening remarks")
    release_agenda(db, event, owner)
    return event


def _titles(response) -> list[str]:
    return [a.get_text(" ", strip=True) for a in page(response).select(".agenda-title")]


def test_a_repeated_visit_is_answered_from_the_cache(app, client, event, count_queries):
    first = client.get(f"/events/{event.slug}/agenda")

    with count_queries() as counted:
        second = client.get(f"/events/{event.slug}/agenda")

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.text == first.text
    assert (app.state.page_cache.hits, app.state.page_cache.misses) == (1, 1)
    assert len(counted) == 0  # only the cache's own query, straight through the driver


def test_each_visitor_gets_a_working_token_of_their_own(client, other_client, event):
    client.get(f"/events/{event.slug}/agenda")  # renders and keeps the page

    mine = page(client.get(f"/events/{event.slug}/agenda")).select_one("input[name=csrf_token]")
    theirs = page(other_client.get(f"/events/{event.slug}/agenda"))
    theirs = theirs.select_one("input[name=csrf_token]")

    assert mine["value"] != theirs["value"]
    assert "placeholder" not in theirs["value"]
    answer = post_form(
        other_client, "/language", {"language": "th", "next": "/", "csrf_token": theirs["value"]}
    )
    assert answer.status_code == 303


def test_a_new_release_shows_at_once(client, db, event, owner):
    client.get(f"/events/{event.slug}/agenda")
    item = agenda.items_of(db, event)[0]
    details = agenda.details_of(item)
    details.titles = {"en": "Opening remarks by the Vice Minister"}
    agenda.update_item(db, event, item, actor=owner, details=details, expected_version=1)
    db.commit()

    unchanged = client.get(f"/events/{event.slug}/agenda")
    release_agenda(db, event, owner)
    released = client.get(f"/events/{event.slug}/agenda")

    assert _titles(unchanged) == ["Opening remarks"]
    assert _titles(released) == ["Opening remarks by the Vice Minister"]


def test_unpublishing_the_event_takes_the_cached_page_down(client, db, event, owner):
    client.get(f"/events/{event.slug}/agenda")

    events.change_status(db, event, "unpublish", actor=owner)
    db.commit()

    assert client.get(f"/events/{event.slug}/agenda").status_code == 404


def test_an_event_edit_shows_at_once(client, db, event):
    client.get(f"/events/{event.slug}/agenda")

    event.title = "Seminar on Combating Online Scams"
    events.touch(event)
    db.commit()

    title = page(client.get(f"/events/{event.slug}/agenda")).select_one("title").get_text()
    assert "Seminar on Combating Online Scams" in title


def test_a_signed_in_visitor_is_not_served_from_the_cache(client, db, event, owner, count_queries):
    log_in(client, owner)
    client.get(f"/events/{event.slug}/agenda")

    with count_queries() as counted:
        client.get(f"/events/{event.slug}/agenda")

    assert len(counted) > 1


def test_a_revalidation_of_a_cached_page_answers_304(client, event):
    first = client.get(f"/events/{event.slug}/agenda")

    again = client.get(
        f"/events/{event.slug}/agenda", headers={"if-none-match": first.headers["etag"]}
    )

    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]


def test_an_unknown_query_string_goes_the_normal_way(client, event, count_queries):
    client.get(f"/events/{event.slug}/agenda?utm_source=mail")

    with count_queries() as counted:
        response = client.get(f"/events/{event.slug}/agenda?utm_source=mail")

    assert response.status_code == 200
    assert len(counted) > 1


def test_a_broken_stamp_connection_is_replaced_and_the_page_still_served(client, db, event):
    path = f"/events/{event.slug}/agenda"
    first = client.get(path)
    kept = public_cache._stamp_connection.connection
    kept.dbapi_connection.close()  # as when the database restarts under a running app

    second = client.get(path)

    assert (first.status_code, second.status_code) == (200, 200)
    assert _titles(second) == ["Opening remarks"]
    assert public_cache._stamp_connection.connection is not kept


def test_a_draft_event_is_never_kept_for_the_public(client, db, owner):
    draft = make_event(db, status=EventStatus.DRAFT, owner=owner)
    make_item(db, draft, "Secret session")
    release_agenda(db, draft, owner)

    assert client.get(f"/events/{draft.slug}/agenda").status_code == 404
    log_in(client, owner)
    assert _titles(client.get(f"/events/{draft.slug}/agenda")) == ["Secret session"]


def test_a_release_counts_at_once_on_every_server(db, event, owner, spawn_server):
    servers = [spawn_server(), spawn_server()]  # two hosts' worth of caches
    path = f"/events/{event.slug}/agenda"
    before = [_titles(httpx.get(base + path)) for base in servers for _ in range(3)]
    item = agenda.items_of(db, event)[0]
    details = agenda.details_of(item)
    details.titles = {"en": "Opening remarks by the co-hosts"}
    agenda.update_item(db, event, item, actor=owner, details=details, expected_version=1)
    db.commit()
    release_agenda(db, event, owner)

    after = [_titles(httpx.get(base + path)) for base in servers for _ in range(3)]

    assert before == [["Opening remarks"]] * 6
    assert after == [["Opening remarks by the co-hosts"]] * 6


def test_a_crowd_asking_at_once_for_a_changed_pdf_renders_it_once(
    db, event, owner, spawn_server, tmp_path
):
    item = make_item(db, event, "Panel", at="11:00")
    release_agenda(db, event, owner)
    publish_note(db, event, item, owner, {"summary": "What the panel agreed."})
    renders = tmp_path / "renders.txt"
    counting = (
        "import eventapp.exports.report as report\n"
        "_render = report.report_pdf\n"
        "def report_pdf(*args, **kwargs):\n"
        f"    with open({str(renders)!r}, 'a') as log:\n"
        "        log.write('render\\n')\n"
        "    return _render(*args, **kwargs)\n"
        "report.report_pdf = report_pdf\n"
    )
    server = spawn_server(preamble=counting)
    clients = [httpx.Client(base_url=server, timeout=120) for _ in range(6)]
    path = f"/events/{event.slug}/report.pdf"

    answers = together(*(partial(client.get, path) for client in clients))

    assert [answer.status_code for answer in answers] == [200] * 6
    assert len({answer.content for answer in answers}) == 1
    assert renders.read_text().splitlines() == ["render"]
