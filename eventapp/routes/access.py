"""Request dependencies: the database session, who is asking, and what they may touch.

Every /manage/ route asks `event_for(...)` on each request, so a removed member or a changed role
counts from the next request on. An event the caller is not a member of answers 404, as does
anything that belongs to another event.
"""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from sqlalchemy import select
from sqlmodel import Session

from eventapp import auth, i18n
from eventapp.db import new_session
from eventapp.models import Event, Membership, Role, User

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SESSION_COOKIE = "eventapp_session"
LANGUAGE_COOKIE = "eventapp_lang"  # the language switch's choice (see app.RequestContext)

EDITORS = {Role.OWNER, Role.ORGANISER}
OWNERS = {Role.OWNER}
ANY_MEMBER = set(Role)

# Ids in addresses: anything that is not a positive 32-bit integer is a page that does not exist
# (404 through the app's validation handler), never a database error.
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def get_db(request: Request) -> Iterator[Session]:
    """A session per request; write requests begin with the write lock on SQLite."""
    with new_session(write=request.method not in SAFE_METHODS) as db:
        yield db


Db = Annotated[Session, Depends(get_db)]


def _session_user(request: Request, db: Db) -> User | None:
    if not hasattr(request.state, "user"):
        request.state.user = auth.user_for_session(db, request.cookies.get(SESSION_COOKIE))
    return request.state.user


async def current_user(
    request: Request, user: Annotated[User | None, Depends(_session_user)]
) -> User | None:
    # Async on purpose: a sync dependency runs in a worker thread with a copy of the context,
    # so a language set there would never reach the page. Here it is set in the request's task.
    if user and user.language in i18n.LANGUAGES and not request.cookies.get(LANGUAGE_COOKIE):
        i18n.set_language(user.language)
    return user


class LoginRequired(Exception):
    """Answered with a redirect to the login page, coming back afterwards."""


def require_user(user: Annotated[User | None, Depends(current_user)]) -> User:
    if user is None:
        raise LoginRequired()
    return user


def require_admin(user: Annotated[User, Depends(require_user)]) -> User:
    if not user.is_admin:
        raise HTTPException(status_code=403)
    return user


OptionalUser = Annotated[User | None, Depends(current_user)]
CurrentUser = Annotated[User, Depends(require_user)]
AdminUser = Annotated[User, Depends(require_admin)]


def role_in(db: Session, user: User, event: Event) -> Role | None:
    """The user's role in the event; site administrators act as owners."""
    if user.is_admin:
        return Role.OWNER
    role = db.scalar(
        select(Membership.role).where(
            Membership.event_id == event.id, Membership.user_id == user.id
        )
    )
    return Role(role) if role else None


def event_for(db: Session, user: User, event_id: int, allowed: set[Role]) -> tuple[Event, Role]:
    """The event and the caller's role, or 404 (not a member) / 403 (member, role too narrow)."""
    event = db.get(Event, event_id)
    role = role_in(db, user, event) if event else None
    if event is None or role is None:
        raise HTTPException(status_code=404)
    if role not in allowed:
        raise HTTPException(status_code=403)
    return event, role
