"""The agenda PDF (eventapp/exports/pdf.py): what a reader finds in it, read back with pypdf,
and that nothing in an agenda can make WeasyPrint read a file or reach the network."""

import io
import subprocess
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from babel.dates import format_date
from bs4 import BeautifulSoup
from PIL import Image

from eventapp import agenda, events, i18n, uploads
from eventapp.exports import pdf
from eventapp.models import ItemKind
from eventapp.templating import local_date
from tests.factories import (
    add_host,
    make_event,
    make_item,
    make_room,
    make_user,
    page,
    release_agenda,
)

try:
    weasyprint = pdf.load_weasyprint()
except (ImportError, OSError) as exc:  # OSError: Pango or its fonts are missing
    pytest.skip(
        f"WeasyPrint cannot be imported ({exc}): pip install 'weasyprint>=68,<71' and Debian's "
        "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0",
        allow_module_level=True,
    )
pypdf = pytest.importorskip("pypdf", reason="the PDF is read back with pypdf (the test extra)")


# 09:00 in Bangkok on Monday 2 March 2026; with days=2 the event ends on the 3rd at 17:00.
STARTS = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
THAI_TITLE = "การประชุมว่าด้วยความร่วมมือระหว่างประเทศ"
THAI_TITLE_WITH_AM = "กำหนดการหารือเรื่องน้ำและสำนักงานตำรวจ"


def words(text: str) -> str:
    return " ".join(text.split())


def squeezed(text: str) -> str:
    """Without any white space: a line may wrap anywhere in a table cell."""
    return "".join(text.split())


def pages_text(body: bytes) -> list[str]:
    return [words(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(body)).pages]


def png(colour: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def day_label(day, language: str = "en") -> str:
    return format_date(day, "full", locale=language)


@pytest.fixture
def owner(db):
    return make_user(db)


@pytest.fixture
def seminar(db, owner):
    """A two-day bilingual seminar with two co-hosts (one with a logo) and a released agenda."""
    event = make_event(
        db,
        title="EU–Thailand Seminar on Online Scams",
        starts_at=STARTS,
        days=2,
        languages="en,th",
        venue_name="Centara Grand",
        venue_address="999 Rama I Road, Bangkok",
    )
    logo = uploads.store_image(db, uploads.check_image(png("navy", (300, 100))))
    add_host(db, event, "Ministry of Foreign Affairs of Thailand", position=0, logo_id=logo.id)
    add_host(db, event, "Delegation of the European Union", position=1)
    hall = make_room(db, event, "Main hall")
    make_room(db, event, "Room B")
    make_item(
        db,
        event,
        at="09:00",
        kind=ItemKind.OPENING_REMARKS,
        titles={"en": "Opening of the seminar", "th": THAI_TITLE},
    )
    make_item(db, event, at="09:30", room=hall, titles={"en": "Scam centres across borders"})
    make_item(db, event, at="10:00", kind=ItemKind.BREAK, titles={"en": "Coffee break"})
    make_item(
        db,
        event,
        day=1,
        at="09:00",
        room=hall,
        kind=ItemKind.PANEL,
        titles={"en": "Protecting victims", "th": THAI_TITLE_WITH_AM},
    )
    release_agenda(db, event, owner)
    return event


def render(db, event, *, language: str = "en") -> bytes:
    programme = agenda.published_programme(db, event)
    released_at = agenda.latest_release(db, event).released_at
    hosts = events.hosts_of(db, [event.id])[event.id]
    return pdf.agenda_pdf(programme, hosts, language=language, released_at=released_at)


def html_of(db, event, *, language: str = "en") -> BeautifulSoup:
    programme = agenda.published_programme(db, event)
    hosts = events.hosts_of(db, [event.id])[event.id]
    with i18n.language(language):
        html = pdf.agenda_html(programme, hosts, language=language)
    return BeautifulSoup(html, "lxml")


# What a reader finds --------------------------------------------------------------------------


def test_agenda_pdf_is_a4_with_one_page_per_day(db, seminar):
    body = render(db, seminar)

    reader = pypdf.PdfReader(io.BytesIO(body))
    assert body.startswith(b"%PDF-")
    assert len(reader.pages) == 2
    size = reader.pages[0].mediabox
    assert (round(float(size.width)), round(float(size.height))) == (595, 842)  # A4 in points


def test_agenda_pdf_has_the_title_block_each_day_and_both_titles(db, seminar):
    first_day, second_day = agenda.event_days(seminar)

    page_1, page_2 = pages_text(render(db, seminar))

    assert "EU–Thailand Seminar on Online Scams" in page_1
    assert "Centara Grand, 999 Rama I Road, Bangkok" in page_1
    assert "Times in Asia/Bangkok (UTC+07:00)" in page_1
    assert day_label(first_day) in page_1
    assert day_label(second_day) in page_2
    # Page 1 names the second day once, as the end of the event's dates, not as a day heading.
    assert page_1.count(day_label(second_day)) == 1
    assert "Protecting victims" not in page_1
    assert "Opening of the seminar" in page_1
    assert "Protecting victims" in page_2


def test_thai_titles_are_extractable_as_written(db, seminar):
    page_1, page_2 = pages_text(render(db, seminar))

    # Every glyph came from a font that has it, and maps back to its own letters.
    assert squeezed(THAI_TITLE) in squeezed(page_1)
    # SARA AM copies as the NIKHAHIT and SARA AA drawn for it (see pdf.split_sara_am), and
    # the plain SARA AA of every other word stays itself.
    assert squeezed(pdf.split_sara_am(THAI_TITLE_WITH_AM)) in squeezed(page_2)
    assert "\u0e33" not in page_1 + page_2
    assert squeezed(THAI_TITLE) in squeezed(pages_text(render(db, seminar, language="th"))[0])


def test_split_sara_am_writes_what_harfbuzz_draws():
    # น้ำ: NIKHAHIT moves before the tone mark, as HarfBuzz's Thai shaper draws it.
    assert pdf.split_sara_am("น้ำ") == "\u0e19\u0e4d\u0e49\u0e32"
    assert pdf.split_sara_am("ทำ") == "\u0e17\u0e4d\u0e32"
    assert pdf.split_sara_am("ນ້ຳ") == "\u0e99\u0ecd\u0ec9\u0eb2"  # Lao
    assert pdf.split_sara_am("ความ Seminar") == "ความ Seminar"


def test_footer_numbers_pages_and_names_the_release(db, seminar):
    released_at = agenda.latest_release(db, seminar).released_at
    with i18n.language("en"):
        published = local_date(released_at, seminar.timezone)

    page_1, page_2 = pages_text(render(db, seminar))

    assert "Page 1 of 2" in page_1
    assert "Page 2 of 2" in page_2
    assert f"Version 1, published {published}" in page_1
    # The running title is on the pages after the first, which has the title block.
    assert page_2.count("EU–Thailand Seminar on Online Scams") == 1


def test_thai_reader_gets_thai_labels_and_the_thai_title_first(db, seminar):
    first_day = agenda.event_days(seminar)[0]

    page_1 = pages_text(render(db, seminar, language="th"))[0]

    assert "หน้า 1 จาก 2" in page_1
    assert squeezed(pdf.split_sara_am(day_label(first_day, "th"))) in squeezed(page_1)
    assert page_1.index(squeezed(THAI_TITLE)[:8]) < page_1.index("Opening of the seminar")


def test_plenary_items_say_all_rooms_and_breaks_stand_apart(db, seminar):
    soup = html_of(db, seminar)

    rows = soup.select("#day-2026-03-02 tbody tr")
    assert [row.select_one(".room").get_text(strip=True) for row in rows] == [
        "All rooms",
        "Main hall",
        "All rooms",
    ]
    assert [row.select_one(".kind").get_text(strip=True) for row in rows] == [
        "Opening remarks",
        "Keynote",
        "Break",
    ]
    assert ["is-pause" in row["class"] for row in rows] == [False, False, True]


def test_times_are_local_and_labelled_with_the_zone(db, seminar):
    soup = html_of(db, seminar)

    day = soup.select_one("#day-2026-03-02")
    assert [words(cell.get_text()) for cell in day.select("tbody .when")] == [
        "9:00 AM–9:30 AM",
        "9:30 AM–10:00 AM",
        "10:00 AM–10:30 AM",
    ]
    assert words(day.select_one("thead th").get_text(" ")) == "Time Asia/Bangkok (UTC+07:00)"


def test_other_language_title_is_under_the_title_only_when_there_is_one(db, seminar):
    soup = html_of(db, seminar)

    cells = soup.select("#day-2026-03-02 tbody td.titles")
    assert [
        [(p["class"][0], p["lang"], p.get_text(strip=True)) for p in cell.select("p")]
        for cell in cells
    ] == [
        [("title", "en", "Opening of the seminar"), ("title-other", "th", THAI_TITLE)],
        [("title", "en", "Scam centres across borders")],
        [("title", "en", "Coffee break")],
    ]


def test_title_falls_back_to_another_language_when_missing(db, seminar):
    soup = html_of(db, seminar, language="th")

    titles = soup.select("#day-2026-03-02 tbody p.title")
    assert [(p["lang"], p.get_text(strip=True)) for p in titles] == [
        ("th", THAI_TITLE),
        ("en", "Scam centres across borders"),
        ("en", "Coffee break"),
    ]


def test_co_hosts_stand_side_by_side_in_their_order_with_the_logo_embedded(db, seminar):
    soup = html_of(db, seminar)
    body = render(db, seminar)

    cells = soup.select("#hosts td.host")
    assert [cell.select_one(".host-logo").get_text(strip=True) for cell in cells] == [
        "",
        "Delegation of the European Union",
    ]
    assert cells[0].select_one("img")["src"].startswith("data:image/png;base64,")
    assert cells[0].select_one("img")["alt"] == "Ministry of Foreign Affairs of Thailand"
    page = pypdf.PdfReader(io.BytesIO(body)).pages[0]
    assert [(image.image.width, image.image.height) for image in page.images] == [(300, 100)]


# The address /events/{slug}/agenda.pdf (its 404s, 304s and query count are with the exports) -


def test_agenda_pdf_is_served_inline_in_the_readers_language(client, seminar):
    path = f"/events/{seminar.slug}/agenda.pdf"

    english = client.get(path)
    thai = client.get(path, headers={"accept-language": "th"})

    assert english.headers["content-type"] == "application/pdf"
    name = f"{seminar.slug}-agenda.pdf"
    assert english.headers["content-disposition"] == (
        f"inline; filename=\"{name}\"; filename*=UTF-8''{name}"
    )
    assert "Page 1 of 2" in pages_text(english.content)[0]
    assert "หน้า 1 จาก 2" in pages_text(thai.content)[0]


def test_agenda_pdf_shows_the_release_never_the_draft(client, db, seminar, owner):
    opening = agenda.items_of(db, seminar)[0]
    details = agenda.details_of(opening)
    details.titles = {"en": "Unreleased title", "th": THAI_TITLE}
    agenda.update_item(db, seminar, opening, actor=owner, details=details, expected_version=1)
    db.commit()

    page_1 = pages_text(client.get(f"/events/{seminar.slug}/agenda.pdf").content)[0]

    assert ("Opening of the seminar" in page_1, "Unreleased" in page_1) == (True, False)


def test_public_agenda_links_to_the_pdf_and_the_other_downloads(client, seminar):
    links = page(client.get(f"/events/{seminar.slug}/agenda")).select("#agenda-downloads a")

    assert [(link["href"], link.get_text()) for link in links] == [
        (f"/events/{seminar.slug}/agenda.ics", "Add to calendar"),
        (f"/events/{seminar.slug}/agenda.pdf", "PDF to print"),
        (f"/events/{seminar.slug}/agenda.csv", "Spreadsheet (CSV)"),
        (f"/events/{seminar.slug}/schedule.xml", "For schedule apps (XML)"),
        (f"/events/{seminar.slug}/schedule.json", "For schedule apps (JSON)"),
    ]


# Nothing is fetched ---------------------------------------------------------------------------


@pytest.fixture
def listener():
    """A web server on 127.0.0.1 that answers every request with a small PNG and remembers
    the paths asked for; `listener.url`."""
    asked: list[str] = []
    image = png("red", (4, 4))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(image)))
            self.end_headers()
            self.wfile.write(image)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    server.asked = asked
    yield server
    server.shutdown()
    server.server_close()


def test_user_text_is_shown_as_text_and_nothing_is_fetched(db, owner, listener, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(png("green", (4, 4)))
    title = f'Seminar <img src="{listener.url}/title.png"> <script>alert(1)</script>'
    event = make_event(
        db,
        title=title,
        starts_at=STARTS,
        venue_name=f'<link rel="stylesheet" href="{listener.url}/venue.css">',
    )
    add_host(db, event, f'<img src="{listener.url}/host.png">')
    make_item(
        db,
        event,
        titles={"en": f'<img src="{listener.url}/item.png">'},
        descriptions={
            "en": f'Read ![map]({listener.url}/map.png) and <img src="file://{secret}">'
            f' [link](file:///etc/passwd) and <img src="file:///etc/passwd">'
        },
    )
    release_agenda(db, event, owner)

    body = render(db, event)

    assert listener.asked == []
    text = squeezed(pages_text(body)[0])
    assert (
        squeezed(f'Seminar <img src="{listener.url}/title.png"> <script>alert(1)</script>') in text
    )
    assert squeezed(f'<img src="{listener.url}/item.png">') in text
    assert squeezed(f'<img src="{listener.url}/host.png">') in text
    assert squeezed(f'<link rel="stylesheet" href="{listener.url}/venue.css">') in text
    assert squeezed(f'<img src="file://{secret}">') in text  # Markdown shows raw HTML as text
    assert "root:" not in text
    assert len(pypdf.PdfReader(io.BytesIO(body)).pages[0].images) == 0
    description = html_of(db, event).select_one("#day-2026-03-02 .description")
    assert description.select("img, link, script, a") == []
    assert "[link](file:///etc/passwd)" in description.get_text()  # not a link: shown as typed


def test_url_fetcher_reads_data_uris_and_refuses_every_other_address(listener, tmp_path):
    fetcher = pdf.url_fetcher()
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")

    for url in [
        f"{listener.url}/a.png",
        "https://example.org/a.png",
        f"file://{secret}",
        "file:///etc/passwd",
        "ftp://example.org/a",
        f"FILE://{secret}",
    ]:
        with pytest.raises(pdf.RefusedURL):
            fetcher(url)
    assert fetcher("data:text/plain;base64,aGVsbG8=").read() == b"hello"
    assert listener.asked == []


def test_raw_html_cannot_make_the_pdf_fetch_anything(listener, tmp_path, caplog):
    """The second wall: even markup that escaped escaping fetches nothing. The control run,
    with WeasyPrint's own fetcher, shows the same document does fetch without it."""
    local = tmp_path / "local.png"
    local.write_bytes(png("green", (5, 5)))
    html = (
        f'<style>@import url("{listener.url}/import.css");'
        f' body {{ background: url("{listener.url}/background.png") }}</style>'
        f'<link rel="stylesheet" href="{listener.url}/link.css">'
        f'<p><img src="{listener.url}/remote.png"><img src="file://{local}"></p>'
    )

    control = weasyprint.HTML(string=html).write_pdf()
    fetched_by_default = sorted(listener.asked)
    listener.asked.clear()
    body = pdf.pdf_from_html(html)

    assert fetched_by_default == [
        "/background.png",
        "/import.css",
        "/link.css",
        "/remote.png",
    ]
    assert len(pypdf.PdfReader(io.BytesIO(control)).pages[0].images) == 2
    assert listener.asked == []
    assert len(pypdf.PdfReader(io.BytesIO(body)).pages[0].images) == 0
    assert "refused to fetch" in caplog.text


def test_making_a_pdf_leaves_truncated_uploads_refused(db, seminar):
    """WeasyPrint's import switches on Pillow's LOAD_TRUNCATED_IMAGES for the whole process."""
    whole = png("navy", (300, 200))
    render(db, seminar)

    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.check_image(whole[: len(whole) // 2])

    assert str(refused.value) == "The image could not be read; it may be damaged."


def test_a_thai_font_of_the_stylesheet_is_installed():
    """Without one, Thai comes out as empty boxes (and the tests above fail on the text)."""
    found = subprocess.run(
        ["fc-list", ":lang=th", "family"], capture_output=True, text=True, check=True
    ).stdout

    families = {name.strip() for line in found.splitlines() for name in line.split(",")}
    assert {"Loma", "Garuda", "Norasi", "Tlwg Typo"} & families, (
        "no Thai font of static/css/pdf.css: apt-get install fonts-thai-tlwg"
    )
