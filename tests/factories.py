"""Plain functions that make real rows (no mocks of our own code)."""

import secrets
import uuid
from datetime import UTC, datetime, time, timedelta

from bs4 import BeautifulSoup
from sqlmodel import Session

from eventapp import agenda, auth
from eventapp import registration as registration_rules
from eventapp.models import (
    AgendaItem,
    AgendaRelease,
    Event,
    EventHost,
    EventStatus,
    ItemKind,
    Membership,
    Organisation,
    Registration,
    RegistrationSettings,
    Role,
    Room,
    Team,
    User,
    Visibility,
)

PASSWORD = "a sturdy passphrase 42"
NEW_PASSWORD = "another sturdy passphrase 7"


def make_user(
    db: Session,
    email: str | None = None,
    *,
    name: str = "",
    is_admin: bool = False,
    password: str = PASSWORD,
) -> User:
    email = email or f"user-{secrets.token_hex(4)}@example.org"
    user = auth.create_user(
        db, email, password, name=name or email.split("@")[0], is_admin=is_admin
    )
    db.commit()
    return user


def make_event(
    db: Session,
    *,
    title: str = "Seminar on Online Scams",
    slug: str | None = None,
    status: EventStatus = EventStatus.PUBLISHED,
    visibility: Visibility = Visibility.LISTED,
    starts_at: datetime | None = None,
    days: int = 1,
    timezone: str = "Asia/Bangkok",
    languages: str = "en,th",
    owner: User | None = None,
    team: Team | None = None,
    **fields,
) -> Event:
    """A published event; in `team` when given, else in a new team of its own."""
    starts_at = starts_at or datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    if team is None:
        team = Team(name="Organisers")
        db.add(team)
        db.flush()
    event = Event(
        team_id=team.id,
        slug=slug or f"event-{secrets.token_hex(4)}",
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(days=days) - timedelta(hours=16),
        timezone=timezone,
        languages=languages,
        status=status,
        visibility=visibility,
        **fields,
    )
    db.add(event)
    db.flush()
    if owner is not None:
        db.add(Membership(event_id=event.id, user_id=owner.id, role=Role.OWNER))
    db.commit()
    return event


def add_member(db: Session, event: Event, user: User, role: Role) -> Membership:
    membership = Membership(event_id=event.id, user_id=user.id, role=role)
    db.add(membership)
    db.commit()
    return membership


def add_host(db: Session, event: Event, name: str, *, position: int = 0, **fields) -> Organisation:
    organisation = Organisation(name=name, **fields)
    db.add(organisation)
    db.flush()
    db.add(EventHost(event_id=event.id, organisation_id=organisation.id, position=position))
    db.commit()
    return organisation


def make_room(db: Session, event: Event, name: str = "Main hall", **fields) -> Room:
    position = len(agenda.rooms_of(db, event))
    room = Room(event_id=event.id, name=name, position=position, **fields)
    db.add(room)
    db.commit()
    return room


def make_item(
    db: Session,
    event: Event,
    title: str = "Keynote",
    *,
    at: str = "09:00",
    minutes: int = 30,
    day: int = 0,
    room: Room | None = None,
    kind: ItemKind = ItemKind.KEYNOTE,
    titles: dict[str, str] | None = None,
    **fields,
) -> AgendaItem:
    """An item at local time `at` on the event's day number `day` (0: the first)."""
    hour, minute = (int(part) for part in at.split(":"))
    local_day = agenda.event_days(event)[0] + timedelta(days=day)
    starts_at = datetime.combine(local_day, time(hour, minute), tzinfo=agenda.zone_of(event))
    starts_at = starts_at.astimezone(UTC)
    item = AgendaItem(
        event_id=event.id,
        uid=str(uuid.uuid4()),
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        room_id=room.id if room else None,
        titles=titles or {"en": title},
        **fields,
    )
    db.add(item)
    db.commit()
    return item


def release_agenda(db: Session, event: Event, actor: User, comment: str = "") -> AgendaRelease:
    entry = agenda.release(db, event, actor=actor, comment=comment)
    db.commit()
    return entry


def read(db: Session, query):
    """One value the app wrote, then end the read (on SQLite a write session's read holds the
    write lock, and the app's next write would wait for it)."""
    value = db.scalar(query.execution_options(populate_existing=True))
    db.commit()
    return value


def read_all(db: Session, query) -> list:
    rows = list(db.scalars(query.execution_options(populate_existing=True)).all())
    db.commit()
    return rows


# Working the pages -------------------------------------------------------------------------


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "lxml")


def fragment(response) -> BeautifulSoup:
    """An htmx answer parsed as it is (lxml would wrap it in <html><body>)."""
    return BeautifulSoup(response.text, "html.parser")


def text_of(response, selector: str = "main") -> str:
    """The words a reader sees in `selector`, with white space folded."""
    return " ".join(page(response).select_one(selector).get_text(" ").split())


def csrf_from(client, path: str = "/") -> str:
    """The CSRF token of a form on `path` (fetching it also sets the CSRF cookie)."""
    response = client.get(path)
    field = page(response).select_one("input[name=csrf_token]")
    assert field is not None, f"no CSRF field on {path}"
    return field["value"]


def post_form(
    client,
    path: str,
    data: dict | None = None,
    *,
    token_from: str | None = None,
    files=None,
    headers=None,
):
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_from(client, token_from or "/"))
    return client.post(path, data=data, files=files, headers=headers)


def form_data(soup, selector: str) -> dict:
    """What a browser would send from the form as shown; a group of checkboxes sharing a name
    gives the list of those checked."""
    form = soup.select_one(selector)
    data: dict = {}
    boxes = [box["name"] for box in form.select("input[type=checkbox][name]")]
    for field in form.select("input[name]"):
        kind, name = field.get("type", "text"), field["name"]
        if kind == "checkbox" and boxes.count(name) > 1:
            if field.has_attr("checked"):
                data.setdefault(name, []).append(field.get("value", "on"))
        elif kind in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        elif kind not in ("submit", "button", "file"):
            data[name] = field.get("value", "")
    for chooser in form.select("select[name]"):
        chosen = chooser.select_one("option[selected]") or chooser.select_one("option")
        data[chooser["name"]] = chosen["value"]
    for area in form.select("textarea[name]"):
        data[area["name"]] = area.get_text()
    return data


def submit(client, path: str, data: dict | None = None, **kwargs):
    """Post a form as the logged-in user (any manage page carries the CSRF token)."""
    return post_form(client, path, data, token_from="/manage/", **kwargs)


def log_in(client, user: User, password: str = PASSWORD) -> None:
    response = post_form(client, "/login", {"email": user.email, "password": password})
    assert response.status_code == 303, response.text


def open_registration(db: Session, event: Event, **fields) -> RegistrationSettings:
    """Registration enabled now (no limit unless `capacity=` says), other settings as given."""
    settings = registration_rules.settings_of(db, event)
    settings.is_enabled = True
    for name, value in fields.items():
        setattr(settings, name, value)
    db.commit()
    return settings


def attendee(n: int | str, **fields) -> registration_rules.AttendeeDetails:
    return registration_rules.AttendeeDetails(
        email=f"attendee{n}@example.org", given_name=f"Given{n}", family_name="Family", **fields
    )


def make_registration(db: Session, event: Event, n: int | str = 1, **fields) -> Registration:
    """Registered through the rules (the event's registration must be open), committed."""
    found = registration_rules.register(db, event, attendee(n, **fields))
    db.commit()
    return found
