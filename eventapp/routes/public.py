"""Public pages: the list of events, an event's page, logos, the language choice, health."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import text

from eventapp import events, i18n, notes, registration, security
from eventapp.config import get_settings
from eventapp.db import get_engine
from eventapp.exports.jsonld import event_jsonld
from eventapp.models import ParticipantList
from eventapp.routes.access import Db, OptionalUser, role_in
from eventapp.routes.account import set_language_cookie
from eventapp.templating import render

router = APIRouter()


@router.get("/healthz", name="health")
def health() -> Response:
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


@router.get("/", name="list_events")
def list_events(request: Request, db: Db, user: OptionalUser):
    """Published, listed events: upcoming soonest first, then the recent past."""
    upcoming, past = events.public_events(db)
    hosts = events.hosts_of(db, [e.id for e in upcoming + past])
    return render(
        request, "public/index.html", {"upcoming": upcoming, "past": past, "hosts": hosts}
    )


@router.get("/events/{slug}", name="show_event")
def show_event(request: Request, slug: str, db: Db, user: OptionalUser):
    event = events.event_by_slug(db, slug)
    if event is None:
        raise HTTPException(status_code=404)
    is_team = user is not None and role_in(db, user, event) is not None
    if not events.is_public(event) and not is_team:
        raise HTTPException(status_code=404)
    hosts = events.hosts_of(db, [event.id])[event.id]
    # Absolute addresses come from EVENTAPP_BASE_URL, never from the request's Host header.
    base = get_settings().base_url
    jsonld = event_jsonld(
        event,
        hosts,
        url=base + quote(request.app.url_path_for("show_event", slug=event.slug)),
        media_url=lambda key: base + request.app.url_path_for("media", key=key),
    )
    settings = registration.find_settings(db, event)
    return render(
        request,
        "public/event.html",
        {
            "event": event,
            "hosts": hosts,
            "jsonld": jsonld,
            "is_team": is_team,
            "takes_registrations": settings is not None and settings.is_enabled,
            "has_summaries": notes.has_published(db, event),
            "lists_participants": settings is not None
            and settings.participant_list == ParticipantList.PUBLIC,
        },
    )


@router.get("/media/{key}", name="media")
def show_media(key: str, db: Db) -> Response:
    upload = events.upload_by_key(db, key)
    if upload is None:
        raise HTTPException(status_code=404)
    return Response(
        upload.data,
        media_type=upload.content_type,
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "Content-Disposition": "inline",
        },
    )


@router.post("/language", name="choose_language")
def choose_language(
    request: Request,
    language: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    if language not in i18n.LANGUAGES:
        raise HTTPException(status_code=422)
    response = RedirectResponse(security.safe_next(next), status_code=303)
    set_language_cookie(response, language)
    return response
