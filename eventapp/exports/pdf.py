"""The agenda as a PDF (WeasyPrint): a title block with the co-hosts' logos side by side, then
one page per day with a table of the day's items; "Page X of Y" and the release in the footer.

WeasyPrint fetches nothing here. Logos go in as data: URIs, the stylesheet as a string, and the
URL fetcher refuses every address that is not a data: URI, so no text in an agenda can make it
read a local file or reach the network. (User text is escaped and Markdown sanitised anyway;
the fetcher is the second wall.)

Fonts come from fontconfig: DejaVu Sans for Latin text, the TLWG fonts (Debian's
fonts-thai-tlwg) for Thai; Pango picks, for each run of text, the first family in the list
that has its glyphs. WeasyPrint itself is imported on the first PDF: it loads Pango and scans
the fonts, which an app that may never print should not pay for at start.
"""

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from typing import TYPE_CHECKING

from babel.dates import format_date
from markupsafe import Markup

from eventapp import i18n
from eventapp.agenda import Programme, ProgrammeItem, kind_labels, title_of
from eventapp.config import resource_dir
from eventapp.i18n import _
from eventapp.markdown import render_markdown
from eventapp.models import Organisation, Upload
from eventapp.public_lineup import OnStage, lineup_lines
from eventapp.templating import environment, local_date, local_time, timezone_label

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcherResponse

# Uploads are re-encoded to these; anything else (an SVG could point elsewhere) is not embedded.
LOGO_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})


class RefusedURL(ValueError):
    """WeasyPrint was asked for an address other than a data: URI."""


# What the template shows ---------------------------------------------------------------------


@dataclass
class Text:
    lang: str
    text: str


@dataclass
class Host:
    name: str
    logo_uri: str | None  # a data: URI


@dataclass
class Row:
    item: ProgrammeItem
    starts: str
    ends: str
    room: str
    kind: str
    titles: list[Text]  # the reading language's (or its fallback) first, then the others
    description: Text  # its text is sanitised HTML
    lineup: list[str]  # a line per role: "Panellists: A, B"


@dataclass
class Day:
    date: date
    label: str
    zone: str
    rows: list[Row]


def text_in(texts: dict[str, str], programme: Programme, language: str) -> Text:
    """The text `agenda.title_of` picks, with the language it is in."""
    chosen = title_of(texts, programme.event.language_list, language)
    order = [language, *programme.event.language_list, *texts]
    return Text(next((code for code in order if texts.get(code) == chosen), language), chosen)


def titles_in(programme: Programme, item: ProgrammeItem, language: str) -> list[Text]:
    """The title in `language` (or its fallback), then each other event language's own."""
    first = text_in(item.titles, programme, language)
    others = [
        Text(code, item.titles[code])
        for code in programme.event.language_list
        if code != first.lang and item.titles.get(code) and item.titles[code] != first.text
    ]
    return [first, *others]


def logo_uri(logo: Upload | None) -> str | None:
    if logo is None or logo.content_type not in LOGO_TYPES or not logo.data:
        return None
    return f"data:{logo.content_type};base64,{base64.b64encode(logo.data).decode('ascii')}"


def _description(programme: Programme, item: ProgrammeItem, language: str) -> Text:
    found = text_in(item.descriptions, programme, language)
    html = render_markdown(found.text) if found.text.strip() else ""
    return Text(found.lang, Markup(html))  # noqa: S704  (sanitised)


def _day(
    programme: Programme,
    day: date,
    items: list[ProgrammeItem],
    language: str,
    lineups: dict[int, list[OnStage]],
) -> Day:
    zone = programme.event.timezone
    noon = datetime.combine(day, time(12), tzinfo=programme.zone)
    all_rooms, kinds = _("All rooms"), kind_labels()
    rows = [
        Row(
            item=item,
            starts=local_time(item.starts_at, zone),
            ends=local_time(item.ends_at, zone),
            room=item.room.name if item.room else all_rooms,
            kind=kinds.get(item.kind, str(item.kind)),
            titles=titles_in(programme, item, language),
            description=_description(programme, item, language),
            lineup=lineup_lines(lineups.get(item.id, [])),
        )
        for item in items
    ]
    return Day(
        date=day,
        label=format_date(day, "full", locale=i18n.current_language()),
        zone=timezone_label(noon, zone),
        rows=rows,
    )


def agenda_html(
    programme: Programme,
    hosts: list[tuple[Organisation, Upload | None]],
    *,
    language: str,
    lineups: dict[int, list[OnStage]] | None = None,
) -> str:
    """The document WeasyPrint lays out (in the interface language already chosen)."""
    lineups = lineups or {}
    return environment.get_template("pdf/agenda.html").render(
        event=programme.event,
        programme=programme,
        hosts=[Host(organisation.name, logo_uri(logo)) for organisation, logo in hosts],
        days=[_day(programme, day, items, language, lineups) for day, items in programme.days()],
        lang=i18n.current_language(),
    )


# The footer ----------------------------------------------------------------------------------


def css_string(text: str) -> str:
    """`text` as a CSS string that nothing in it can end: all but plain letters and digits
    are written as six-digit escapes."""
    escaped = (c if c.isascii() and c.isalnum() else f"\\{ord(c):06x}" for c in split_sara_am(text))
    return '"' + "".join(escaped) + '"'


def page_numbers_content(template: str) -> str:
    """A CSS `content` value from a translated "Page %(page)s of %(last)s"."""
    counters = {"page": "counter(page)", "last": "counter(pages)"}
    parts = re.split(r"%\((page|last)\)s", template)
    # re.split keeps the captured names at the odd positions.
    return " ".join(
        counters[part] if n % 2 else css_string(part) for n, part in enumerate(parts) if part
    )


def footer_css(programme: Programme, released_at: datetime | None) -> str:
    event = programme.event
    if programme.number == 0:
        release = _("Draft, not released")
    elif released_at is None:
        release = _("Version %(number)s", number=programme.number)
    else:
        zone = event.timezone
        when = f"{local_date(released_at, zone)}, {local_time(released_at, zone)}"
        release = _("Version %(number)s, published %(when)s", number=programme.number, when=when)
    pages = page_numbers_content(_("Page %(page)s of %(last)s"))
    return (
        f"@page {{ @top-left {{ content: {css_string(event.title)} }}"
        f" @bottom-left {{ content: {css_string(release)} }}"
        f" @bottom-right {{ content: {pages} }} }}"
        "@page :first { @top-left { content: none } @top-right { content: none } }"
    )


# Making the PDF ------------------------------------------------------------------------------

# HarfBuzz draws Thai SARA AM (and Lao AM) as NIKHAHIT + SARA AA, the NIKHAHIT moved before the
# tone marks, and the SARA AA glyph is the one plain SARA AA uses. WeasyPrint maps each glyph
# back to the text it first stood for, so a PDF in which "ำ" comes first reads every "า" as
# "ำ" ("ความ" copies as "ควำม", and screen readers say it). Handing it the sequence it would
# draw anyway keeps one glyph for one character: the page looks the same (checked pixel for
# pixel in Loma, Garuda and Norasi) and "ำ" copies as "ํา".
_SARA_AM = [  # (the AM and the above-base marks before it, what is drawn)
    (re.compile("([\u0e31\u0e34-\u0e37\u0e3b\u0e47-\u0e4e]*)\u0e33"), "\u0e4d\\1\u0e32"),  # Thai
    (re.compile("([\u0eb1\u0eb4-\u0eb7\u0ebb\u0ec7-\u0ece]*)\u0eb3"), "\u0ecd\\1\u0eb2"),  # Lao
]


def split_sara_am(text: str) -> str:
    """Thai and Lao AM as the NIKHAHIT and AA that are drawn for it, in the order drawn."""
    for pattern, drawn in _SARA_AM:
        text = pattern.sub(drawn, text)
    return text


@cache
def _stylesheet_text() -> str:
    return (resource_dir("static") / "css" / "pdf.css").read_text(encoding="utf-8")


@cache
def load_weasyprint():
    """WeasyPrint, imported on the first PDF.

    Importing it sets Pillow's process-wide `ImageFile.LOAD_TRUNCATED_IMAGES`, which would let
    truncated uploads through `uploads.check_image` for the rest of the process. The PDFs embed
    only images that were re-encoded on upload, so the flag goes back to Pillow's default.
    """
    import weasyprint
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return weasyprint


@cache
def _fetcher_class() -> type:
    load_weasyprint()
    from weasyprint.urls import URLFetcher

    class DataOnlyFetcher(URLFetcher):
        """Reads data: URIs; refuses files, http(s) and every other scheme."""

        def fetch(self, url: str, headers: dict | None = None) -> "URLFetcherResponse":
            if url[:5].lower() != "data:":
                raise RefusedURL(f"refused to fetch {url[:100]!r}: only data: URIs are read")
            return super().fetch(url, headers)

    return DataOnlyFetcher


def url_fetcher():
    """A WeasyPrint URL fetcher that reads data: URIs only."""
    return _fetcher_class()(allowed_protocols={"data"}, allow_redirects=False)


def pdf_from_html(html: str, *, css: Sequence[str] = ()) -> bytes:
    """Lay out `html` with the PDF stylesheet and `css`; nothing outside it is ever fetched."""
    weasyprint = load_weasyprint()
    fetcher = url_fetcher()
    stylesheets = [
        weasyprint.CSS(string=split_sara_am(text), url_fetcher=fetcher)
        for text in [_stylesheet_text(), *css]
    ]
    document = weasyprint.HTML(string=split_sara_am(html), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=stylesheets, pdf_tags=True)


def agenda_pdf(
    programme: Programme,
    hosts: list[tuple[Organisation, Upload | None]],
    *,
    language: str,
    released_at: datetime | None = None,
    lineups: dict[int, list[OnStage]] | None = None,
) -> bytes:
    """The agenda in `language` (titles, and the labels when the interface has that language),
    A4, one page per day. `released_at` puts the release's date in the footer; `lineups`
    gives each item's public line-up.

    Reads each logo's bytes (`hosts_of` defers them: one query per logo, in the caller's
    session)."""
    with i18n.language(language):
        html = agenda_html(programme, hosts, language=language, lineups=lineups)
        footer = footer_css(programme, released_at)
    return pdf_from_html(html, css=[footer])
