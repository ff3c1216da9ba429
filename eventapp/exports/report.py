"""The outcome report and the public summaries (rules side: no FastAPI here).

What the public reads is the latest agenda release (titles, times, rooms), the live public
line-ups and the *published* text of each note (`notes.published_summaries`): a summary whose
item is not in the latest release is not shown, and draft text never is. Three exports share
one gathering (`gather`): the HTML page, the Markdown file and the PDF (WeasyPrint, through
`exports.pdf.pdf_from_html`, which fetches nothing but data: URIs).

The Markdown file is defused for readers that render raw HTML: `<` and `&` are written as
entities (no tag, no entity-encoded scheme survives) and a dangerous scheme (javascript:,
vbscript:, data:, file:) loses its colon.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, time

from markupsafe import Markup
from sqlalchemy import select
from sqlmodel import Session

from eventapp import agenda, i18n, notes
from eventapp.agenda import Programme, ProgrammeItem
from eventapp.exports import pdf
from eventapp.i18n import _
from eventapp.markdown import render_markdown
from eventapp.models import Event, Note, Organisation, Upload
from eventapp.public_lineup import OnStage, lineup_lines, public_lineups
from eventapp.templating import environment, local_date, local_time, timezone_label


@dataclass
class Section:
    name: str
    label: str
    text: str  # Markdown as published

    @property
    def html(self) -> Markup:
        return Markup(render_markdown(self.text))  # noqa: S704  (sanitised)


@dataclass
class SessionSummary:
    item: ProgrammeItem
    title: str
    date: str
    starts: str
    ends: str
    room: str
    lineup: list[OnStage]
    sections: list[Section]
    action_items: list[dict[str, str]]

    @property
    def lineup_lines(self) -> list[str]:
        return lineup_lines(self.lineup)

    @property
    def anchor(self) -> str:
        return f"summary-{self.item.id}"


@dataclass
class Outcome:
    title: str
    anchor: str
    text: str = ""  # a recommendation's Markdown
    action: dict[str, str] = field(default_factory=dict)

    @property
    def html(self) -> Markup:
        return Markup(render_markdown(self.text))  # noqa: S704  (sanitised)


@dataclass
class Gathered:
    event: Event
    programme: Programme | None
    zone_label: str
    lineups: dict[int, list[OnStage]]
    summaries: list[SessionSummary]
    recommendations: list[Outcome] = field(default_factory=list)
    action_items: list[Outcome] = field(default_factory=list)

    def title_of(self, item: ProgrammeItem) -> str:
        return agenda.title_of(item.titles, self.event.language_list, i18n.current_language())

    @property
    def foreword_html(self) -> Markup:
        return Markup(render_markdown(self.event.report_foreword or ""))  # noqa: S704

    @property
    def conclusions_html(self) -> Markup:
        return Markup(render_markdown(self.event.report_conclusions or ""))  # noqa: S704


def _summary_of(
    event: Event,
    item: ProgrammeItem,
    sections: dict[str, str],
    action_items: list[dict[str, str]],
    *,
    language: str,
    lineup: list[OnStage],
) -> SessionSummary:
    zone = event.timezone
    labels = notes.section_labels()
    return SessionSummary(
        item=item,
        title=agenda.title_of(item.titles, event.language_list, language),
        date=local_date(item.starts_at, zone, "full"),
        starts=local_time(item.starts_at, zone),
        ends=local_time(item.ends_at, zone),
        room=item.room.name if item.room else _("All rooms"),
        lineup=lineup,
        sections=[
            Section(name, labels[name], sections[name])
            for name in notes.text_sections(event)
            if (sections.get(name) or "").strip()
        ],
        action_items=list(action_items),
    )


def gather(db: Session, event: Event, *, language: str) -> Gathered:
    """The published summaries in agenda order with their sessions (three queries: the latest
    release, the summaries, the line-ups), and the consolidated outcomes."""
    latest = agenda.latest_release(db, event)
    programme = None
    if latest is not None:
        programme = Programme.from_snapshot(event, latest.snapshot, number=latest.number)
    noon = datetime.combine(agenda.event_days(event)[0], time(12), tzinfo=agenda.zone_of(event))
    found = Gathered(event, programme, timezone_label(noon, event.timezone), {}, [])
    if programme is None:
        return found
    published = {s.item.id: s for s in notes.published_summaries(db, event)}
    found.lineups = public_lineups(db, event, [item.id for item in programme.items])
    for item in programme.items:
        summary = published.get(item.id)
        if summary is None:
            continue
        built = _summary_of(
            event,
            item,
            summary.sections,
            summary.action_items,
            language=language,
            lineup=found.lineups.get(item.id, []),
        )
        found.summaries.append(built)
        text = (summary.sections.get("recommendations") or "").strip()
        if text:
            found.recommendations.append(Outcome(built.title, built.anchor, text=text))
        found.action_items.extend(
            Outcome(built.title, built.anchor, action=action) for action in summary.action_items
        )
    return found


def session_summary(
    db: Session,
    event: Event,
    item: ProgrammeItem,
    *,
    language: str,
    lineup: list[OnStage] | None = None,
) -> SessionSummary | None:
    """The published summary of one session of the latest release (None when there is none):
    one query, for the session page."""
    note = db.scalar(
        select(Note).where(
            Note.event_id == event.id,
            Note.agenda_item_id == item.id,
            Note.published_at.is_not(None),
        )
    )
    if note is None:
        return None
    return _summary_of(
        event,
        item,
        note.published_sections,
        note.published_action_items,
        language=language,
        lineup=lineup or [],
    )


# Markdown ------------------------------------------------------------------------------------

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_SCHEME = re.compile(r"(javascript|vbscript|data|file)(\s*)(\\?):", re.IGNORECASE)


def defuse_markdown(text: str) -> str:
    """Markdown that no renderer turns into a tag, an event handler or a script link."""
    text = _CONTROL.sub("", text or "").replace("&", "&amp;").replace("<", "&lt;")
    return _SCHEME.sub(r"\1 :", text)


def _line(text: str) -> str:
    return " ".join(defuse_markdown(text).split())


def report_markdown(report: Gathered) -> str:
    event = report.event
    zone = event.timezone
    out = [f"# {_line(event.title)}", "", f"_{_line(_('Outcome report'))}_", ""]
    when = (
        f"{local_date(event.starts_at, zone, 'full')} – {local_date(event.ends_at, zone, 'full')}"
    )
    out.append(f"- **{_line(_('When'))}:** {_line(when)}")
    where = ", ".join(x for x in (event.venue_name, event.venue_address) if x)
    if where:
        out.append(f"- **{_line(_('Where'))}:** {_line(where)}")
    out.append("")
    if event.report_foreword.strip():
        out += [f"## {_line(_('Foreword'))}", "", defuse_markdown(event.report_foreword), ""]
    out += [
        f"## {_line(_('Agenda'))}",
        "",
        f"_{_line(_('Times in %(zone)s', zone=report.zone_label))}_",
        "",
    ]
    if report.programme is not None:
        for item in report.programme.items:
            start, end = local_time(item.starts_at, zone), local_time(item.ends_at, zone)
            room = item.room.name if item.room else _("All rooms")
            when = f"{local_date(item.starts_at, zone)} {start}–{end}"
            out.append(f"- {when} · {_line(room)} · **{_line(report.title_of(item))}**")
            out += [f"  - {_line(line)}" for line in lineup_lines(report.lineups.get(item.id, []))]
        out.append("")
    out += [f"## {_line(_('Session summaries'))}", ""]
    for summary in report.summaries:
        out += [f"### {_line(summary.title)}", ""]
        out.append(
            f"_{_line(f'{summary.date}, {summary.starts}–{summary.ends} · {summary.room}')}_"
        )
        out += ["", *[f"- {_line(line)}" for line in summary.lineup_lines], ""]
        for section in summary.sections:
            out += [f"#### {_line(section.label)}", "", defuse_markdown(section.text), ""]
        if summary.action_items:
            out += [f"#### {_line(notes.section_labels()['action_items'])}", ""]
            out += _action_table([("", a) for a in summary.action_items], with_session=False)
    out += [f"## {_line(_('Recommendations'))}", ""]
    for outcome in report.recommendations:
        out += [f"### {_line(outcome.title)}", "", defuse_markdown(outcome.text), ""]
    out += [f"## {_line(_('Action items'))}", ""]
    out += _action_table([(o.title, o.action) for o in report.action_items], with_session=True)
    if event.report_conclusions.strip():
        out += [f"## {_line(_('Conclusions'))}", "", defuse_markdown(event.report_conclusions), ""]
    return "\n".join(out).rstrip() + "\n"


def _cell(text: str) -> str:
    return _line(text).replace("|", "\\|")


def _action_table(rows: list[tuple[str, dict[str, str]]], *, with_session: bool) -> list[str]:
    if not rows:
        return []
    head = [_("What"), _("Who"), _("By")] + ([_("Session")] if with_session else [])
    out = ["| " + " | ".join(_cell(h) for h in head) + " |", "|" + " --- |" * len(head)]
    for title, action in rows:
        cells = [action.get("what", ""), action.get("who", ""), action.get("by", "")]
        cells += [title] if with_session else []
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return [*out, ""]


# PDF -----------------------------------------------------------------------------------------

REPORT_CSS = """
.report-title-page { page-break-after: always; text-align: center; }
.report-title-page .hosts { margin: 0 auto 2cm; }
.toc { page-break-after: always; }
.toc ol { list-style: none; padding-left: 0; }
.toc ol ol { padding-left: 1em; }
.toc a { color: inherit; text-decoration: none; }
.toc a::after { content: leader('.') target-counter(attr(href), page); }
.report-part { page-break-before: always; }
.action-table { width: 100%; border-collapse: collapse; }
.action-table th, .action-table td { border: 0.5pt solid #999; padding: 2pt 4pt; text-align: left; }
"""


def report_html(
    report: Gathered, hosts: list[tuple[Organisation, Upload | None]], *, language: str
) -> str:
    """The document WeasyPrint lays out (in the interface language already chosen)."""
    return environment.get_template("pdf/report.html").render(
        report=report,
        event=report.event,
        hosts=[pdf.Host(organisation.name, pdf.logo_uri(logo)) for organisation, logo in hosts],
        lang=i18n.current_language(),
    )


def report_pdf(
    report: Gathered, hosts: list[tuple[Organisation, Upload | None]], *, language: str
) -> bytes:
    """A4: a title page with the co-hosts' logos, a table of contents with page numbers, then
    the report; "Page X of Y" in the footer. Reads each logo's bytes (one query per logo)."""
    with i18n.language(language):
        html = report_html(report, hosts, language=language)
        pages = pdf.page_numbers_content(_("Page %(page)s of %(last)s"))
        footer = (
            f"@page {{ @top-left {{ content: {pdf.css_string(report.event.title)} }}"
            f" @bottom-right {{ content: {pages} }} }}"
            "@page :first { @top-left { content: none } @bottom-right { content: none } }"
        )
    return pdf.pdf_from_html(html, css=[REPORT_CSS, footer])
