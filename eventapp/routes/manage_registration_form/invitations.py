"""Invitations of an invitation-only event: shared codes and personal links, revoking."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError

from eventapp import registration_invites
from eventapp.forms import Submitted, see_other
from eventapp.i18n import LANGUAGES, language_name
from eventapp.i18n import gettext as _
from eventapp.models import Event, RegistrationInvite, RegistrationMode, Role
from eventapp.routes.access import CurrentUser, Db, RowId
from eventapp.routes.manage_registration_form.common import (
    current_settings,
    done_message,
    editor_event,
    posted,
    whole_number,
)
from eventapp.templating import is_htmx_fragment_request, path_for, render

router = APIRouter()


def _invitations_page(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    *,
    code_values: dict[str, Any] | None = None,
    code_errors: dict[str, str] | None = None,
    people_values: dict[str, Any] | None = None,
    people_errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    settings = current_settings(db, event)
    context = {
        "event": event,
        "role": role,
        "invites": registration_invites.for_event(db, event),
        "is_invitation_only": settings.mode == RegistrationMode.INVITATION,
        "mail_languages": [
            (code, language_name(code)) for code in event.language_list if code in LANGUAGES
        ],
        "code_values": code_values or {},
        "code_errors": code_errors or {},
        "people_values": people_values or {},
        "people_errors": people_errors or {},
        "message": message or done_message(request.query_params.get("done")),
    }
    return render(
        request,
        "manage/registration_invitations.html",
        context,
        block="invitations_panel",
        status_code=status_code,
    )


def _after_invite_change(request: Request, db: Db, event: Event, role: Role, done: str):
    if is_htmx_fragment_request(request):
        return _invitations_page(request, db, event, role, message=done_message(done))
    path = path_for(request, "show_registration_invitations", event_id=event.id)
    return see_other(request, f"{path}?done={done}")


def _invite_or_404(db: Db, event: Event, invite_id: int) -> RegistrationInvite:
    found = registration_invites.invite_in(db, event, invite_id)
    if found is None:
        raise HTTPException(status_code=404)
    return found


@router.get("/events/{event_id}/registration/invitations", name="show_registration_invitations")
def show_registration_invitations(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = editor_event(db, user, event_id)
    return _invitations_page(request, db, event, role)


@router.post("/events/{event_id}/registration/invitations/code", name="create_registration_code")
def create_registration_code(
    request: Request, event_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    event, role = editor_event(db, user, event_id)
    values, errors = posted(form)
    max_uses, problem = whole_number(
        str(values.get("max_uses", "")),
        low=1,
        high=registration_invites.MAX_USES_LIMIT,
        blank_ok=True,
        message=_(
            "Enter a number from 1 to %(max)s, or leave it empty.",
            max=registration_invites.MAX_USES_LIMIT,
        ),
    )
    if problem:
        errors["max_uses"] = problem
    note = str(values.get("note", ""))
    if len(note.strip()) > registration_invites.NOTE_MAX:
        errors["note"] = _("Use at most %(max)s characters.", max=registration_invites.NOTE_MAX)
    if not str(values.get("code", "")).strip():
        errors["code"] = _("This field is required.")
    if not errors:
        try:
            registration_invites.create_code(
                db, event, actor=user, code=values["code"], max_uses=max_uses, note=note
            )
            db.commit()
        except registration_invites.InviteError as refused:
            db.rollback()
            errors["code"] = str(refused)
        except IntegrityError:  # the same code, created by someone else this very moment
            db.rollback()
            errors["code"] = _("This event already has this code. Choose another.")
        else:
            return _after_invite_change(request, db, event, role, "code-created")
    return _invitations_page(
        request, db, event, role, code_values=values, code_errors=errors, status_code=422
    )


@router.post(
    "/events/{event_id}/registration/invitations/people", name="invite_registration_people"
)
def invite_registration_people(
    request: Request, event_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    event, role = editor_event(db, user, event_id)
    values, errors = posted(form)
    text = str(values.get("emails", ""))
    note = str(values.get("note", ""))
    emails, refused = registration_invites.parse_emails(text.replace("\x00", ""))
    if refused:
        errors["emails"] = _(
            "These lines are not email addresses: %(lines)s. Correct or remove them.",
            lines="; ".join(refused[:10]) + ("; …" if len(refused) > 10 else ""),
        )
    elif not emails:
        errors["emails"] = _("Enter at least one email address, one per line.")
    elif len(emails) > registration_invites.PEOPLE_MAX:
        errors["emails"] = _(
            "Invite at most %(max)s people at a time.", max=registration_invites.PEOPLE_MAX
        )
    if len(note.strip()) > registration_invites.NOTE_MAX:
        errors["note"] = _("Use at most %(max)s characters.", max=registration_invites.NOTE_MAX)
    language = values.get("language", "")
    if language not in (event.language_list or ["en"]):
        language = None
    if not errors:
        registration_invites.invite_people(
            db, event, actor=user, emails=emails, note=note, language=language
        )
        db.commit()
        return _after_invite_change(request, db, event, role, "invited")
    return _invitations_page(
        request, db, event, role, people_values=values, people_errors=errors, status_code=422
    )


@router.post(
    "/events/{event_id}/registration/invitations/{invite_id}/revoke",
    name="revoke_registration_invite",
)
def revoke_registration_invite(
    request: Request, event_id: RowId, invite_id: RowId, db: Db, user: CurrentUser
):
    event, role = editor_event(db, user, event_id)
    invite = _invite_or_404(db, event, invite_id)
    registration_invites.revoke(db, event, invite, actor=user)
    db.commit()
    return _after_invite_change(request, db, event, role, "revoked")
