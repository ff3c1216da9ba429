"""The published summaries and the outcome report: page, Markdown and PDF.

Only a public event (published or cancelled) has them: any other slug answers 404, team or not
(these pages are never a preview). Nothing here is in the public cache (`public_cache.CACHEABLE`
does not match these paths): publishing a note does not touch the event, so a cached copy
would go stale. The summaries page costs the same few queries for 1 or 100 summaries.
"""

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session

from eventapp import events
from eventapp.exports import report as report_export
from eventapp.models import Event
from eventapp.public_lineup import role_label
from eventapp.routes.access import Db
from eventapp.routes.agenda_exports import _attachment
from eventapp.routes.public_agenda import reading_language
from eventapp.templating import render

router = APIRouter()


def _public_event(db: Session, slug: str) -> Event:
    event = events.event_by_slug(db, slug)
    if event is None or not events.is_public(event):
        raise HTTPException(status_code=404)
    return event


def _gathered(db: Session, slug: str) -> report_export.Gathered:
    event = _public_event(db, slug)
    return report_export.gather(db, event, language=reading_language(event))


@router.get("/events/{slug}/summaries", name="show_summaries")
def show_summaries(request: Request, slug: str, db: Db):
    gathered = _gathered(db, slug)
    context = {
        "event": gathered.event,
        "report": gathered,
        "role_label": role_label,
        "sessions_path": f"/events/{gathered.event.slug}/sessions/",
    }
    return render(request, "public/summaries.html", context)


@router.get("/events/{slug}/report", name="show_report")
def show_report(request: Request, slug: str, db: Db):
    gathered = _gathered(db, slug)
    event = gathered.event
    context = {
        "event": event,
        "report": gathered,
        "hosts": [
            organisation for organisation, _logo in events.hosts_of(db, [event.id])[event.id]
        ],
        "sessions_path": f"/events/{event.slug}/sessions/",
    }
    return render(request, "public/report.html", context)


@router.get("/events/{slug}/report.md", name="report_markdown")
def report_markdown(slug: str, db: Db) -> Response:
    gathered = _gathered(db, slug)
    body = report_export.report_markdown(gathered).encode("utf-8")
    disposition = _attachment(f"{gathered.event.slug}-report.md")
    return Response(
        body,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )


@router.get("/events/{slug}/report.pdf", name="report_pdf")
def report_pdf(slug: str, db: Db) -> Response:
    gathered = _gathered(db, slug)
    event = gathered.event
    body = report_export.report_pdf(
        gathered, events.hosts_of(db, [event.id])[event.id], language=reading_language(event)
    )
    disposition = _attachment(f"{event.slug}-report.pdf", inline=True)
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )
