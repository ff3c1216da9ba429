"""Name badges (eventapp/exports/badges.py): a PDF of everyone confirmed or of one person,
eight badges to an A4 sheet, with the co-hosts' logos; read back with pypdf."""

import io

import pytest
from PIL import Image

from eventapp import registration as rules
from eventapp import uploads
from eventapp.exports import badges
from eventapp.models import RegistrationMode, Role
from tests.factories import (
    add_host,
    add_member,
    log_in,
    make_event,
    make_user,
    open_registration,
)

pypdf = pytest.importorskip("pypdf", reason="the PDF is read back with pypdf (the test extra)")

THAI_NAME = ("สมชาย", "ใจดี")  # no SARA AM: pypdf reads it back as written
A4 = (595, 842)  # points, rounded


@pytest.fixture
def owner(db):
    return make_user(db)


@pytest.fixture
def event(db, owner):
    found = make_event(db, title="EU–Southeast Asia Digital Diplomacy Forum", owner=owner)
    open_registration(db, found)
    return found


def path(event) -> str:
    return f"/manage/events/{event.id}/registrations/badges.pdf"


def register(db, event, n, **fields):
    fields.setdefault("given_name", f"Given{n}")
    fields.setdefault("family_name", f"Family{n}")
    found = rules.register(
        db, event, rules.AttendeeDetails(email=f"attendee{n}@example.org", **fields)
    )
    db.commit()
    return found


def squeezed(text: str) -> str:
    return "".join(text.split())


def pages_text(body: bytes) -> list[str]:
    return [squeezed(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(body)).pages]


def png(colour: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_badges_of_everyone_confirmed_eight_to_an_a4_sheet(client, db, owner, event):
    for n in range(9):
        register(db, event, n, organisation=f"Organisation {n}")
    cancelled = register(db, event, 99)
    rules.cancel(db, event, cancelled, actor=owner)
    db.commit()
    log_in(client, owner)

    response = client.get(path(event))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2
    assert {tuple(round(v) for v in page.mediabox[2:]) for page in reader.pages} == {A4}
    texts = pages_text(response.content)
    on_first = [n for n in range(9) if f"Given{n}Family{n}" in texts[0]]
    on_second = [n for n in range(9) if f"Given{n}Family{n}" in texts[1]]
    assert (len(on_first), len(on_second)) == (8, 1)
    assert sorted(on_first + on_second) == list(range(9))
    assert "Given99" not in "".join(texts)
    assert texts[0].count(squeezed(event.title)) == 8
    assert "Organisation0" in texts[0] + texts[1]


def test_a_badge_has_the_honorific_the_thai_name_and_the_hosts(client, db, owner, event):
    logo = uploads.store_image(db, uploads.check_image(png("navy", (300, 100))))
    add_host(db, event, "Ministry of Foreign Affairs of Thailand", position=0, logo_id=logo.id)
    add_host(db, event, "Delegation of the European Union", position=1)
    somchai = register(
        db, event, 1, honorific="ดร.", given_name=THAI_NAME[0], family_name=THAI_NAME[1],
        organisation="กระทรวงการต่างประเทศ",
    )  # fmt: skip
    log_in(client, owner)

    response = client.get(path(event), params={"registration": str(somchai.id)})

    text = pages_text(response.content)
    assert len(text) == 1
    assert squeezed("ดร.") in text[0]
    assert squeezed(" ".join(THAI_NAME)) in text[0]
    assert "Delegation of the European Union".replace(" ", "") in text[0]
    page = pypdf.PdfReader(io.BytesIO(response.content)).pages[0]
    assert [(image.image.width, image.image.height) for image in page.images] == [(300, 100)]
    html = badges.badges_html(
        event, [somchai], [], language="en"
    )  # the name is marked Thai for the Thai fonts
    assert 'class="badge-name" lang="th"' in html.replace("  ", " ")


def test_one_persons_badge_whatever_their_status(client, db, owner, event):
    open_registration(db, event, mode=RegistrationMode.MODERATED)
    register(db, event, 1)
    pending = register(db, event, 2, given_name="Anna", family_name="Lind")
    log_in(client, owner)

    response = client.get(path(event), params={"registration": str(pending.id)})

    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith(
        f'inline; filename="{event.slug}-badge-{pending.id}.pdf"'
    )
    assert pages_text(response.content) == [squeezed(f"Anna Lind {event.title}")]


def test_another_events_registration_answers_404(client, db, owner, event):
    elsewhere = make_event(db, owner=owner)
    open_registration(db, elsewhere)
    theirs = register(db, elsewhere, 1)
    log_in(client, owner)

    statuses = [
        client.get(path(event), params={"registration": str(theirs.id)}).status_code,
        client.get(path(event), params={"registration": "x"}).status_code,
        client.get(path(event), params={"registration": "99999999999"}).status_code,
    ]

    assert statuses == [404, 422, 422]  # a malformed id is refused as any bad parameter


def test_registrars_may_print_badges_but_viewers_may_not(client, db, event, other_client):
    register(db, event, 1)
    registrar, viewer = make_user(db), make_user(db)
    add_member(db, event, registrar, Role.REGISTRAR)
    add_member(db, event, viewer, Role.VIEWER)
    log_in(client, registrar)
    log_in(other_client, viewer)

    assert client.get(path(event)).status_code == 200
    assert other_client.get(path(event)).status_code == 403


def test_no_one_confirmed_gives_a_sheet_that_says_so(db, event):
    body = badges.badges_pdf(event, [], [], language="en")

    assert pages_text(body) == ["Nobodytoprintabadgefor."]
