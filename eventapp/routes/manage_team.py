"""An event's team page (members, roles, invitations) and the page where an invitation is
accepted.

Every team route asks `event_for` on each request: a removed member or a changed role counts
from the next request on. Members and invitations are looked up within the event, so another
event's ids answer 404. Forms post to plain URLs and answer 303; htmx posts target `#team`, and
the redirected GET answers with that block alone.
"""

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field, field_validator

from eventapp import auth, forms, i18n, notes, report_settings, security, team
from eventapp.i18n import gettext as _
from eventapp.models import Event, Role, User
from eventapp.routes.access import (
    ANY_MEMBER,
    OWNERS,
    SESSION_COOKIE,
    CurrentUser,
    Db,
    OptionalUser,
    event_for,
)
from eventapp.routes.account import set_session_cookie
from eventapp.templating import render

router = APIRouter()
FormText = Annotated[str, Form()]


def _done_message(key: str) -> str:
    """The notice for a `?done=` key after a redirect; any other value shows nothing."""
    messages = {
        "invite": _("The invitation is on its way."),
        "resend": _("The invitation was sent again; the earlier link no longer works."),
        "revoke": _("The invitation was revoked; its link no longer works."),
        "role": _("The role was changed."),
        "remove": _("The member was removed from the team."),
        "cohost": _("The co-host this member approves for was changed."),
    }
    return messages.get(key, "")


class InviteForm(BaseModel):
    email: Annotated[str, Field(min_length=1, max_length=254)]
    role: Role

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        value = auth.normalise_email(value)
        if not team.is_valid_email(value):
            raise ValueError(_("Enter an email address, like name@example.org."))
        return value


class RoleForm(BaseModel):
    role: Role


class NewAccountForm(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(_("This field is required."))
        return value.strip()

    @field_validator("password")
    @classmethod
    def _policy(cls, value: str) -> str:
        problem = security.password_problem(value)  # already in the person's language
        if problem:
            raise ValueError(problem)
        return value


def _role_options() -> list[tuple[str, str]]:
    return [(str(role), team.role_label(role)) for role in Role]


def _team_page(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    team_error: str = "",
    status_code: int = 200,
) -> Response:
    can_manage = role in OWNERS
    context = {
        "event": event,
        "role": role,
        "nav_current": "team",
        "can_manage": can_manage,
        "members": team.members(db, event),
        "invitations": team.open_invitations(db, event) if can_manage else [],
        "role_label": team.role_label,
        "role_options": _role_options(),
        "cohosts": notes.cohosts_of(db, event),
        "reviewer_roles": {str(r) for r in report_settings.REVIEWER_ROLES},
        "is_expired": team.is_expired,
        "errors": errors or {},
        "values": values or {"email": "", "role": str(Role.ORGANISER)},
        "team_error": team_error,
        "done": _done_message(request.query_params.get("done", "")),
    }
    return render(request, "manage/team.html", context, block="team", status_code=status_code)


def _back_to_team(event: Event, done: str) -> RedirectResponse:
    return RedirectResponse(f"/manage/events/{event.id}/team?done={done}", status_code=303)


def _owner_event(db: Db, user: User, event_id: int) -> tuple[Event, Role]:
    return event_for(db, user, event_id, OWNERS)


def _open_invitation(db: Db, user: User, event_id: int, invitation_id: int):
    """The event and its open invitation, for an owner; 403/404 otherwise."""
    event, _role = _owner_event(db, user, event_id)
    invitation = team.invitation_in(db, event, invitation_id)
    if invitation is None:
        raise HTTPException(status_code=404)
    return event, invitation


def _team_member(db: Db, user: User, event_id: int, membership_id: int):
    """The event, the caller's role and the event's membership, for an owner; 403/404 otherwise."""
    event, role = _owner_event(db, user, event_id)
    membership = team.membership_in(db, event, membership_id)
    if membership is None:
        raise HTTPException(status_code=404)
    return event, role, membership


@router.get("/manage/events/{event_id}/team", name="show_team")
def show_team(request: Request, event_id: int, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, ANY_MEMBER)
    return _team_page(request, db, event, role)


@router.post("/manage/events/{event_id}/team/invitations", name="invite_member")
def invite_member(
    request: Request,
    event_id: int,
    db: Db,
    user: CurrentUser,
    email: FormText = "",
    role_name: Annotated[str, Form(alias="role")] = "",
):
    event, role = _owner_event(db, user, event_id)
    values = {"email": email, "role": role_name}
    parsed, errors = forms.parse(InviteForm, values)
    if parsed is not None:
        try:
            team.invite(db, event, email=parsed.email, role=parsed.role, invited_by=user)
        except team.TeamError as exc:
            errors = {"email": str(exc)}
    if errors:
        db.rollback()
        shown = {"email": email.replace("\x00", ""), "role": role_name}
        return _team_page(request, db, event, role, errors=errors, values=shown, status_code=422)
    db.commit()
    return _back_to_team(event, "invite")


@router.post(
    "/manage/events/{event_id}/team/invitations/{invitation_id}/resend",
    name="resend_invitation",
)
def resend_invitation(
    request: Request, event_id: int, invitation_id: int, db: Db, user: CurrentUser
):
    event, invitation = _open_invitation(db, user, event_id, invitation_id)
    team.resend(db, event, invitation, actor=user)
    db.commit()
    return _back_to_team(event, "resend")


@router.post(
    "/manage/events/{event_id}/team/invitations/{invitation_id}/revoke",
    name="revoke_invitation",
)
def revoke_invitation(
    request: Request, event_id: int, invitation_id: int, db: Db, user: CurrentUser
):
    event, invitation = _open_invitation(db, user, event_id, invitation_id)
    team.revoke(db, event, invitation, actor=user)
    db.commit()
    return _back_to_team(event, "revoke")


@router.post(
    "/manage/events/{event_id}/team/members/{membership_id}/role", name="change_member_role"
)
def change_member_role(
    request: Request,
    event_id: int,
    membership_id: int,
    db: Db,
    user: CurrentUser,
    role_name: Annotated[str, Form(alias="role")] = "",
):
    event, role, membership = _team_member(db, user, event_id, membership_id)
    parsed, errors = forms.parse(RoleForm, {"role": role_name})
    problem = errors.get("role", "")
    if parsed is not None:
        try:
            team.change_role(db, event, membership, parsed.role, actor=user)
        except team.TeamError as exc:
            problem = str(exc)
    if problem:
        db.rollback()
        return _team_page(request, db, event, role, team_error=problem, status_code=422)
    db.commit()
    return _back_to_team(event, "role")


@router.post(
    "/manage/events/{event_id}/team/members/{membership_id}/cohost", name="change_member_cohost"
)
def change_member_cohost(
    request: Request,
    event_id: int,
    membership_id: int,
    db: Db,
    user: CurrentUser,
    cohost: FormText = "",
):
    event, role, membership = _team_member(db, user, event_id, membership_id)
    organisation_id = forms.int_or_none(cohost) if cohost else None
    if cohost and organisation_id is None:
        return _team_page(
            request, db, event, role, team_error=_("Choose a co-host from the list."),
            status_code=422,
        )  # fmt: skip
    try:
        report_settings.set_cohost(db, event, membership, organisation_id, actor=user)
    except LookupError:
        db.rollback()
        return _team_page(
            request, db, event, role, team_error=_("Choose a co-host from the list."),
            status_code=422,
        )  # fmt: skip
    db.commit()
    return _back_to_team(event, "cohost")


@router.post("/manage/events/{event_id}/team/members/{membership_id}/remove", name="remove_member")
def remove_member(request: Request, event_id: int, membership_id: int, db: Db, user: CurrentUser):
    event, role, membership = _team_member(db, user, event_id, membership_id)
    removing_self = membership.user_id == user.id
    try:
        team.remove(db, event, membership, actor=user)
    except team.TeamError as exc:
        db.rollback()
        return _team_page(request, db, event, role, team_error=str(exc), status_code=422)
    db.commit()
    if removing_self and not user.is_admin:
        # The team page is no longer theirs: leave for the list of their events.
        return forms.see_other(request, "/manage/")
    return _back_to_team(event, "remove")


# Accepting an invitation -----------------------------------------------------------------------


def _invitation_or_404(request: Request, db: Db, token: str, *, lock: bool = False):
    invitation = team.find_invitation(db, token, lock=lock)
    if invitation is None:
        return None, render(request, "account/invitation_invalid.html", {}, status_code=404)
    return invitation, None


def _accept_page(
    request: Request,
    db: Db,
    invitation,
    token: str,
    user: User | None,
    *,
    errors: dict[str, str] | None = None,
    name: str = "",
    status_code: int = 200,
) -> Response:
    event = db.get(Event, invitation.event_id)
    if user is not None:
        state = "join" if user.email == invitation.email else "wrong_account"
    else:
        state = "log_in" if auth.find_user(db, invitation.email) else "create_account"
    inviter = db.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    context = {
        "invitation": invitation,
        "event": event,
        "inviter": inviter,
        "state": state,
        "token": token,
        "role_name": team.role_label(invitation.role),
        "errors": errors or {},
        "name": name,
        "login_url": f"/login?next=/invitations/{token}",
    }
    return render(
        request,
        "account/invitation.html",
        context,
        block="accept_form",
        status_code=status_code,
    )


@router.get("/invitations/{token}", name="show_invitation")
def show_invitation(request: Request, token: str, db: Db, user: OptionalUser):
    invitation, invalid = _invitation_or_404(request, db, token)
    if invalid:
        return invalid
    return _accept_page(request, db, invitation, token, user)


@router.post("/invitations/{token}", name="accept_invitation")
def accept_invitation(
    request: Request,
    token: str,
    db: Db,
    user: OptionalUser,
    name: FormText = "",
    password: FormText = "",
):
    invitation, invalid = _invitation_or_404(request, db, token, lock=True)
    if invalid:
        return invalid
    session_token = None
    if user is None:
        if auth.find_user(db, invitation.email) is not None:
            # That account must log in first; the login page brings them back here.
            return RedirectResponse(f"/login?next=/invitations/{token}", status_code=303)
        parsed, errors = forms.parse(NewAccountForm, {"name": name, "password": password})
        if parsed is None:
            return _accept_page(
                request,
                db,
                invitation,
                token,
                None,
                errors=errors,
                name=name.replace("\x00", ""),
                status_code=422,
            )
        user = auth.create_user(db, invitation.email, parsed.password, name=parsed.name)
        user.language = i18n.current_language()
        session_token = auth.start_session(
            db,
            user,
            ip=request.state.client_ip,
            user_agent=request.headers.get("user-agent", ""),
        )
    elif user.email != invitation.email:
        return _accept_page(request, db, invitation, token, user, status_code=403)
    try:
        team.accept(db, invitation, user)
    except team.TeamError as exc:
        db.rollback()
        errors = {"__all__": str(exc)}
        return _accept_page(request, db, invitation, token, user, errors=errors, status_code=422)
    if session_token:
        auth.end_session(db, request.cookies.get(SESSION_COOKIE))
    db.commit()
    response = forms.see_other(request, f"/manage/events/{invitation.event_id}/")
    if session_token:
        set_session_cookie(response, session_token)
    return response
