"""Name badges as a PDF (WeasyPrint, through `pdf.pdf_from_html`: nothing is fetched, logos go
in as data: URIs): A4 sheets of eight badges, two across and four down, each 95 x 65 mm with a
dashed edge to cut along. A badge has the co-hosts' logos side by side, the honorific over the
name in large type, the organisation, and the event's title at the foot.

A long name steps its type down so it still fits on two lines; Thai text is marked `lang="th"`
so it gets the Thai fonts and their taller lines (see static/css/pdf.css).
"""

import re
from dataclasses import dataclass

from eventapp import i18n
from eventapp.exports import pdf
from eventapp.exports.frab import printable
from eventapp.models import Event, Organisation, Registration, Upload
from eventapp.templating import environment

PER_SHEET = 8
_THAI = re.compile("[\u0e00-\u0e7f]")

# Page and badge geometry: 2 x 95 mm + 20 mm = 210 mm across, 4 x 65 mm + 37 mm = 297 mm down.
BADGE_CSS = """
@page {
  size: A4;
  margin: 18mm 10mm 19mm;
  @top-left { content: none }
  @top-right { content: none }
  @bottom-left { content: none }
  @bottom-right { content: none }
}
.sheet { display: grid; grid-template-columns: 95mm 95mm; grid-auto-rows: 65mm; }
.sheet + .sheet { break-before: page; }
.badge {
  box-sizing: border-box; width: 95mm; height: 65mm; overflow: hidden;
  border: 0.4pt dashed #999; padding: 4mm 5mm 3.5mm;
  display: flex; flex-direction: column; text-align: center;
}
.badge-hosts { display: flex; justify-content: center; align-items: center; gap: 4mm;
  height: 11mm; }
.badge-hosts img { max-height: 11mm; max-width: 26mm; width: auto; height: auto; }
.badge-host-name { font-size: 6.5pt; font-weight: bold; color: #333; }
.badge-person { flex: 1; display: flex; flex-direction: column; justify-content: center; }
.badge-honorific { font-size: 10pt; color: #333; }
.badge-name { font-size: 20pt; font-weight: bold; line-height: 1.15; }
.badge-name.size-long { font-size: 15pt; }
.badge-name.size-longer { font-size: 11.5pt; }
.badge-name:lang(th) { line-height: 1.35; }
.badge-organisation { font-size: 10pt; margin-top: 1.5mm; color: #222; }
.badge-event { font-size: 7pt; color: #555; border-top: 0.4pt solid #bbb; padding-top: 1.5mm; }
"""


@dataclass
class Part:
    text: str
    lang: str


@dataclass
class Badge:
    honorific: Part
    name: Part
    organisation: Part
    size: str  # "", "long" or "longer": the name's type steps down


def _part(text: str, fallback: str) -> Part:
    text = " ".join(printable(text).split())
    return Part(text, "th" if _THAI.search(text) else fallback)


def badge_of(registration: Registration, *, language: str) -> Badge:
    name = " ".join(part for part in (registration.given_name, registration.family_name) if part)
    size = "" if len(name) <= 22 else "long" if len(name) <= 34 else "longer"
    return Badge(
        honorific=_part(registration.honorific, language),
        name=_part(name, language),
        organisation=_part(registration.organisation, language),
        size=size,
    )


def badges_html(
    event: Event,
    registrations: list[Registration],
    hosts: list[tuple[Organisation, Upload | None]],
    *,
    language: str,
) -> str:
    badges = [badge_of(found, language=language) for found in registrations]
    sheets = [badges[n : n + PER_SHEET] for n in range(0, len(badges), PER_SHEET)]
    return environment.get_template("pdf/badges.html").render(
        event=event,
        title=_part(event.title, event.language_list[0] if event.language_list else language),
        hosts=[pdf.Host(organisation.name, pdf.logo_uri(logo)) for organisation, logo in hosts],
        sheets=sheets,
        lang=i18n.current_language(),
    )


def badges_pdf(
    event: Event,
    registrations: list[Registration],
    hosts: list[tuple[Organisation, Upload | None]],
    *,
    language: str,
) -> bytes:
    """A badge for each of `registrations`, in their order; one empty sheet when none.
    Reads each logo's bytes (`events.hosts_of` defers them)."""
    with i18n.language(language):
        html = badges_html(event, registrations, hosts, language=language)
    return pdf.pdf_from_html(html, css=[BADGE_CSS])
