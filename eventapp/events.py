"""Events and their co-hosts (rules: no FastAPI here)."""

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from eventapp.models import Event, EventHost, EventStatus, Organisation, Upload, Visibility, utcnow


def public_events(db: Session, *, now: datetime | None = None) -> tuple[list[Event], list[Event]]:
    """Published, listed events: (upcoming or running, soonest first), (past, latest first)."""
    now = now or utcnow()
    base = select(Event).where(
        Event.status.in_([EventStatus.PUBLISHED, EventStatus.CANCELLED]),
        Event.visibility == Visibility.LISTED,
    )
    upcoming = db.scalars(base.where(Event.ends_at >= now).order_by(Event.starts_at)).all()
    past = db.scalars(base.where(Event.ends_at < now).order_by(Event.starts_at.desc()).limit(20))
    return list(upcoming), list(past.all())


def event_by_slug(db: Session, slug: str) -> Event | None:
    return db.scalar(select(Event).where(Event.slug == slug))


def is_public(event: Event) -> bool:
    return event.status in (EventStatus.PUBLISHED, EventStatus.CANCELLED)


def hosts_of(
    db: Session, event_ids: list[int]
) -> dict[int, list[tuple[Organisation, Upload | None]]]:
    """Each event's co-hosts in their order, with logos, in one query for any number of events."""
    rows = db.execute(
        select(EventHost.event_id, Organisation, Upload)
        .join(Organisation, Organisation.id == EventHost.organisation_id)
        .outerjoin(Upload, Upload.id == Organisation.logo_id)
        .where(EventHost.event_id.in_(event_ids))
        .order_by(EventHost.event_id, EventHost.position, EventHost.id)
    ).all()
    hosts: dict[int, list[tuple[Organisation, Upload | None]]] = {i: [] for i in event_ids}
    for event_id, organisation, logo in rows:
        hosts[event_id].append((organisation, logo))
    return hosts


def upload_by_key(db: Session, key: str) -> Upload | None:
    return db.scalar(select(Upload).where(Upload.key == key))
