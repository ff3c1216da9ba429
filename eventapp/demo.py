"""The demo: the EU–Thailand seminar on combating online scams (8 August 2025) and an upcoming
EU–Southeast Asia digital diplomacy forum, with a team to log in as.

Built from the seminar article (shared seed). Real people appear only with what the article
says of them; nobody is quoted. Loading twice changes nothing: every row is found by a natural
key before it is made.
"""

import io
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlmodel import Session

from eventapp import auth, uploads
from eventapp.models import (
    Event,
    EventHost,
    EventStatus,
    Membership,
    Organisation,
    Role,
    User,
    Visibility,
)

BANGKOK = "Asia/Bangkok"
SEMINAR_SLUG = "eu-thailand-online-scams-2025"
FORUM_SLUG = "eu-sea-digital-diplomacy-forum"
DEMO_PASSWORD = "seminar-demo-2025"  # noqa: S105  (printed by `eventapp demo`)

TEAM = [
    ("owner@mfa.example.org", "Demo Owner (MFA)", Role.OWNER),
    ("organiser@eu-delegation.example.org", "Demo Organiser (EU Delegation)", Role.ORGANISER),
    ("registrar@mfa.example.org", "Demo Registrar", Role.REGISTRAR),
    ("rapporteur@eu-delegation.example.org", "Demo Rapporteur", Role.RAPPORTEUR),
]
ADMIN = ("admin@example.org", "Demo Administrator")

HOSTS = [
    {
        "name": "Ministry of Foreign Affairs of the Kingdom of Thailand",
        "short_name": "MFA Thailand",
        "website": "https://www.mfa.go.th/",
        "mark": ("MFA", (24, 54, 112)),
    },
    {
        "name": "Delegation of the European Union to Thailand",
        "short_name": "EU Delegation",
        "website": "https://www.eeas.europa.eu/delegations/thailand_en",
        "mark": ("EU", (0, 51, 153)),
    },
]


def _paragraphs(*blocks: str) -> str:
    """Markdown as an organiser would type it: one line per paragraph or list item."""
    return "\n\n".join(" ".join(block.split()) for block in blocks) + "\n"


SEMINAR_DESCRIPTION = _paragraphs(
    """A one-day seminar co-hosted by the Ministry of Foreign Affairs of Thailand and the
    Delegation of the European Union to Thailand, within the EU's project *Enhancing the EU's
    Security Cooperation in and with Asia and the Indo-Pacific* (ESIWA+).""",
    "Experts from Thailand and the European Union exchange views on:",
    "- combating online scams linked to other transnational crimes;",
    "- strengthening legal and operational frameworks;",
    """- building public–private partnerships with civil society, the private sector, telecom
    providers and digital platforms.""",
    """The day opens with remarks by H.E. Mr. Russ Jalichandra, Vice Minister for Foreign
    Affairs, and H.E. Mr. David Daly, Ambassador of the European Union to Thailand, with
    Professor Wisit Wisitsora-at, Permanent Secretary of the Ministry of Digital Economy and
    Society.""",
).replace(";\n\n- ", ";\n- ")

FORUM_DESCRIPTION = _paragraphs(
    """The EU–Southeast Asia Digital Diplomacy Forum follows the EU–Thailand seminar on
    combating online scams. Experts from both regions share knowledge and best practice on
    cybersecurity cooperation, information sharing and capacity building.""",
    "*Demonstration event: the programme and speakers are placeholders.*",
)


def _local(day: datetime, hour: int, minute: int = 0) -> datetime:
    zone = ZoneInfo(BANGKOK)
    return datetime.combine(day.date(), time(hour, minute), tzinfo=zone).astimezone(UTC)


def _logo(text: str, colour: tuple[int, int, int]) -> bytes:
    """A plain placeholder mark (initials on a coloured disc): no real emblem is reproduced."""
    image = Image.new("RGBA", (240, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, 236, 236), fill=(*colour, 255))
    draw.text((120, 120), text, fill=(255, 204, 0, 255), anchor="mm", font_size=72)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _user(db: Session, email: str, name: str, *, is_admin: bool = False) -> User:
    user = auth.find_user(db, email)
    if user is None:
        user = auth.create_user(db, email, DEMO_PASSWORD, name=name, is_admin=is_admin)
    return user


def _event(db: Session, slug: str, **fields) -> Event:
    event = db.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        event = Event(slug=slug, **fields)
        db.add(event)
        db.flush()
    return event


def _hosts(db: Session, event: Event) -> None:
    if db.scalar(select(EventHost.id).where(EventHost.event_id == event.id).limit(1)):
        return
    for position, host in enumerate(HOSTS):
        logo = uploads.store_image(db, uploads.check_image(_logo(*host["mark"])))
        organisation = Organisation(
            name=host["name"],
            short_name=host["short_name"],
            website=host["website"],
            logo_id=logo.id,
        )
        db.add(organisation)
        db.flush()
        db.add(EventHost(event_id=event.id, organisation_id=organisation.id, position=position))


def _team(db: Session, event: Event, members: list[tuple[User, Role]]) -> None:
    for user, role in members:
        exists = db.scalar(
            select(Membership.id).where(
                Membership.event_id == event.id, Membership.user_id == user.id
            )
        )
        if not exists:
            db.add(Membership(event_id=event.id, user_id=user.id, role=role))


def load(db: Session, *, today: datetime | None = None) -> list[tuple[str, str, str]]:
    """Load the demo; returns the logins (email, password, role) to print."""
    today = today or datetime.now(ZoneInfo(BANGKOK))
    admin = _user(db, *ADMIN, is_admin=True)
    team = [(_user(db, email, name), role) for email, name, role in TEAM]

    seminar_day = datetime(2025, 8, 8, tzinfo=ZoneInfo(BANGKOK))
    seminar = _event(
        db,
        SEMINAR_SLUG,
        title="EU–Thailand Seminar on Combating Online Scams",
        description=SEMINAR_DESCRIPTION,
        starts_at=_local(seminar_day, 9),
        ends_at=_local(seminar_day, 17),
        timezone=BANGKOK,
        venue_name="Ministry of Foreign Affairs",
        venue_address="443 Sri Ayudhya Road, Ratchathewi, Bangkok 10400, Thailand",
        languages="en,th",
        status=EventStatus.PUBLISHED,
        visibility=Visibility.LISTED,
    )
    forum_day = today + timedelta(days=45)
    forum = _event(
        db,
        FORUM_SLUG,
        title="EU–Southeast Asia Digital Diplomacy Forum",
        description=FORUM_DESCRIPTION,
        starts_at=_local(forum_day, 9),
        ends_at=_local(forum_day + timedelta(days=1), 16, 30),
        timezone=BANGKOK,
        venue_name="Conference venue, Bangkok",
        venue_address="Bangkok, Thailand",
        languages="en,th",
        status=EventStatus.PUBLISHED,
        visibility=Visibility.LISTED,
    )
    for event in (seminar, forum):
        _hosts(db, event)
        _team(db, event, team)
    db.flush()
    logins = [(admin.email, DEMO_PASSWORD, "site administrator")]
    logins += [(user.email, DEMO_PASSWORD, role.value) for user, role in team]
    return logins
