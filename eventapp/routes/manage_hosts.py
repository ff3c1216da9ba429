"""Organisers' pages for an event's co-hosts: the list, adding, editing, removing and
reordering them, each with its logo.

Who may do what (checked on every request by `event_for`):

    page                         owner  organiser  registrar/rapporteur/viewer  non-member
    co-host list                 yes    yes        yes                          404
    co-host details              yes    yes        403                          404
    add/remove/reorder co-hosts  yes    403        403                          404
"""

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.datastructures import FormData, UploadFile

from eventapp import events, uploads
from eventapp.forms import Submitted, form_values, int_or_none, parse, see_other
from eventapp.i18n import gettext as _
from eventapp.models import Event, EventHost, Organisation, Role
from eventapp.routes.access import ANY_MEMBER, EDITORS, OWNERS, CurrentUser, Db, RowId, event_for
from eventapp.routes.manage_events import differences, done_message, field_labels
from eventapp.templating import is_htmx_fragment_request, path_for, render

router = APIRouter(prefix="/manage")


def _website(value: str) -> str:
    """An http(s) address; a bare domain gets https:// in front."""
    if not value:
        return ""
    if "://" not in value and not value.lower().startswith(("javascript:", "data:", "mailto:")):
        value = "https://" + value
    parts = urlsplit(value)
    host = parts.hostname or ""
    if (
        parts.scheme.lower() not in ("http", "https")
        or "." not in host
        or any(c.isspace() or ord(c) < 32 for c in value)
    ):
        raise ValueError(_("Enter a web address starting with https:// or http://."))
    if len(value) > 500:
        raise ValueError(_("Use at most %(max)s characters.", max=500))
    return value


class HostForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    short_name: str = Field(default="", max_length=50)
    website: str = Field(default="", max_length=500)
    remove_logo: bool = False

    _web = field_validator("website")(_website)

    def details(self) -> events.HostDetails:
        return events.HostDetails(self.name, self.short_name, self.website)


def _checked_logo(form: FormData) -> tuple[uploads.CheckedImage | None, str]:
    """The checked logo image, if one was chosen, or the reason it was refused. (Read after the
    access check, so nobody without the right can make the server decode images.)"""
    upload = form.get("logo")
    if not isinstance(upload, UploadFile):
        return None, ""
    upload.file.seek(0)
    data = upload.file.read(uploads.MAX_BYTES + 1)
    if not data and not upload.filename:
        return None, ""  # the file field was left empty
    try:
        return uploads.check_image(data), ""
    except uploads.UploadRefused as refused:
        return None, str(refused)


def _parse_host_form(
    form: FormData,
) -> tuple[HostForm | None, dict[str, Any], dict[str, str], uploads.CheckedImage | None]:
    """(the parsed form, its values, errors by field, the checked logo if one was chosen)."""
    values = form_values(form)
    parsed, errors = parse(HostForm, values)
    image, logo_error = _checked_logo(form)
    if logo_error:
        errors["logo"] = logo_error
    return parsed, values, errors, image


def _host_or_404(db: Db, event: Event, host_id: int) -> tuple[EventHost, Organisation]:
    found = events.host_of(db, event, host_id)
    if found is None:
        raise HTTPException(status_code=404)
    return found


def _hosts_page(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    *,
    confirm_remove: int | None = None,
    problem: str = "",
    status_code: int = 200,
    block: str | None = None,
) -> Response:
    context = {
        "event": event,
        "role": role,
        "can_edit": role in EDITORS,
        "is_owner": role in OWNERS,
        "rows": events.host_rows(db, event),
        "confirm_remove": confirm_remove,
        "problem": problem,
        "message": done_message(request.query_params.get("done")) if status_code == 200 else "",
    }
    return render(request, "manage/hosts.html", context, block=block, status_code=status_code)


def _back_to_hosts(request: Request, event: Event, done: str) -> Response:
    return see_other(request, path_for(request, "show_hosts", event_id=event.id) + f"?done={done}")


@router.get("/events/{event_id}/hosts", name="show_hosts")
def show_hosts(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, ANY_MEMBER)
    return _hosts_page(request, db, event, role)


def _host_form(
    request: Request,
    event: Event,
    role: Role,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    host: EventHost | None = None,
    organisation: Organisation | None = None,
    logo: Any = None,
    version: int | None = None,
    status_code: int = 200,
    theirs: list[dict[str, Any]] | None = None,
) -> Response:
    context = {
        "event": event,
        "role": role,
        "values": values,
        "errors": errors,
        "host": host,
        "organisation": organisation,
        "logo": logo,
        "version": version,
        "theirs": theirs,
        "field_labels": field_labels(),
    }
    block = "host_form" if status_code != 200 else None
    return render(request, "manage/host_form.html", context, block=block, status_code=status_code)


@router.get("/events/{event_id}/hosts/new", name="show_new_host")
def show_new_host(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, OWNERS)
    return _host_form(request, event, role, {}, {})


@router.post("/events/{event_id}/hosts/new", name="add_host")
def add_host(request: Request, event_id: RowId, db: Db, user: CurrentUser, form: Submitted):
    event, role = event_for(db, user, event_id, OWNERS)
    parsed, values, errors, image = _parse_host_form(form)
    if parsed is None or errors:
        return _host_form(request, event, role, values, errors, status_code=422)
    stored = uploads.store_image(db, image) if image else None
    events.add_host(db, event, actor=user, details=parsed.details(), logo=stored)
    db.commit()
    return _back_to_hosts(request, event, "host-added")


def _organisation_values(organisation: Organisation) -> dict[str, Any]:
    return {
        "name": organisation.name,
        "short_name": organisation.short_name,
        "website": organisation.website,
    }


@router.get("/events/{event_id}/hosts/{host_id}/edit", name="show_edit_host")
def show_edit_host(request: Request, event_id: RowId, host_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, EDITORS)
    host, organisation = _host_or_404(db, event, host_id)
    return _host_form(
        request,
        event,
        role,
        _organisation_values(organisation),
        {},
        host=host,
        organisation=organisation,
        logo=events.logo_of(db, organisation),
        version=organisation.version,
    )


@router.post("/events/{event_id}/hosts/{host_id}/edit", name="edit_host")
def edit_host(
    request: Request,
    event_id: RowId,
    host_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    event, role = event_for(db, user, event_id, EDITORS)
    host, organisation = _host_or_404(db, event, host_id)
    parsed, values, errors, image = _parse_host_form(form)
    version = int_or_none(form.get("version"))
    if version is None:
        errors.setdefault("__all__", _("The form was incomplete. Reload the page and try again."))
    common = {"host": host, "organisation": organisation}
    if parsed is None or errors or version is None:
        return _host_form(
            request,
            event,
            role,
            values,
            errors,
            **common,
            logo=events.logo_of(db, organisation),
            version=version,
            status_code=422,
        )
    stored = uploads.store_image(db, image) if image else None
    try:
        events.update_host(
            db,
            event,
            host,
            organisation,
            actor=user,
            details=parsed.details(),
            logo=stored,
            remove_logo=parsed.remove_logo,
            expected_version=version,
        )
    except events.StaleEdit as stale:
        db.rollback()
        current = stale.current
        rows = differences(_organisation_values(current), values)
        return _host_form(
            request,
            event,
            role,
            values,
            {},
            **common,
            logo=events.logo_of(db, current),
            version=current.version,
            theirs=rows,
            status_code=409,
        )
    db.commit()
    return _back_to_hosts(request, event, "host-saved")


@router.get("/events/{event_id}/hosts/{host_id}/remove", name="confirm_remove_host")
def confirm_remove_host(
    request: Request, event_id: RowId, host_id: RowId, db: Db, user: CurrentUser
):
    event, role = event_for(db, user, event_id, OWNERS)
    host, _organisation = _host_or_404(db, event, host_id)
    return _hosts_page(request, db, event, role, confirm_remove=host.id)


@router.post("/events/{event_id}/hosts/{host_id}/remove", name="remove_host")
def remove_host(request: Request, event_id: RowId, host_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, OWNERS)
    host, _organisation = _host_or_404(db, event, host_id)
    try:
        events.remove_host(db, event, host, actor=user)
    except events.LastCoHost:
        db.rollback()
        problem = _(
            "A published or cancelled event keeps at least one co-host. Add another co-host "
            "first, or unpublish the event."
        )
        return _hosts_page(request, db, event, role, problem=problem, status_code=409)
    db.commit()
    return _back_to_hosts(request, event, "host-removed")


@router.post("/events/{event_id}/hosts/{host_id}/move", name="move_host")
def move_host(
    request: Request,
    event_id: RowId,
    host_id: RowId,
    db: Db,
    user: CurrentUser,
    form: Submitted,
):
    event, role = event_for(db, user, event_id, OWNERS)
    host, _organisation = _host_or_404(db, event, host_id)
    direction = form.get("direction")
    if direction not in ("up", "down"):
        raise HTTPException(status_code=422)
    events.move_host(db, event, host, actor=user, offset=-1 if direction == "up" else 1)
    db.commit()
    if is_htmx_fragment_request(request):
        return _hosts_page(request, db, event, role, block="host_list")
    return RedirectResponse(
        path_for(request, "show_hosts", event_id=event.id) + f"#host-{host.id}", status_code=303
    )
