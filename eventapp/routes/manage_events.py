"""Organisers' pages for events: the list of their events, creating and editing an event,
publishing, co-hosts and the activity log."""

from fastapi import APIRouter, Request
from sqlalchemy import select

from eventapp.models import Event, Membership
from eventapp.routes.access import ANY_MEMBER, CurrentUser, Db, event_for
from eventapp.templating import render

router = APIRouter(prefix="/manage")


@router.get("/", name="manage_home")
def manage_home(request: Request, db: Db, user: CurrentUser):
    query = select(Event).order_by(Event.starts_at.desc())
    if not user.is_admin:
        query = query.join(Membership, Membership.event_id == Event.id).where(
            Membership.user_id == user.id
        )
    return render(request, "manage/home.html", {"events": db.scalars(query).all()})


@router.get("/events/{event_id}/", name="show_event_overview")
def show_event_overview(request: Request, event_id: int, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, ANY_MEMBER)
    return render(request, "manage/overview.html", {"event": event, "role": role})
