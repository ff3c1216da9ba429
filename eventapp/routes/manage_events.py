"""Organisers' pages for events: the list of their events, creating and editing an event,
publishing, co-hosts and the activity log.

Who may do what (checked on every request by `event_for`):

    page                         owner  organiser  registrar/rapporteur/viewer  non-member
    overview, co-host list       yes    yes        yes                          404
    edit, publish, cancel        yes    yes        403                          404
    co-host details, activity    yes    yes        403                          404
    add/remove/reorder co-hosts  yes    403        403                          404
"""

from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError
from starlette.datastructures import FormData, UploadFile

from eventapp import events, uploads
from eventapp.forms import form_values, parse
from eventapp.i18n import gettext as _
from eventapp.i18n import language_name
from eventapp.models import Event, EventHost, Organisation, Role, User, Visibility, utcnow
from eventapp.routes.access import ANY_MEMBER, EDITORS, OWNERS, CurrentUser, Db, event_for
from eventapp.templating import is_htmx_fragment_request, local_datetime, render

router = APIRouter(prefix="/manage")

# Ids in addresses: anything that is not a positive 32-bit integer is a page that does not exist
# (404 through the app's validation handler), never a database error.
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
DEFAULT_TIMEZONE = "Asia/Bangkok"
TIMEZONE_REGIONS = (
    "Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/",
    "Indian/", "Pacific/",
)  # fmt: skip


async def submitted_form(request: Request) -> FormData:
    """The posted form (parsed once; the CSRF check may already have read it)."""
    return await request.form()


Submitted = Annotated[FormData, Depends(submitted_form)]


def see_other(request: Request, url: str) -> Response:
    """303 to `url`; an htmx request is told to go there itself (a followed redirect would
    swap a whole page into the form)."""
    if is_htmx_fragment_request(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _path(request: Request, name: str, **params: Any) -> str:
    return str(request.app.url_path_for(name, **params))


def _message_for(done: str | None) -> str:
    messages = {
        "created": _("Event created as a draft. Add its co-hosts, then publish it."),
        "saved": _("Changes saved."),
        "unchanged": _("Nothing was changed."),
        "published": _("The event is published: its public page is open to everyone."),
        "unpublished": _("The event is a draft again: only its team can see it."),
        "cancelled": _("The event is cancelled. Its public page says so."),
        "host-added": _("Co-host added."),
        "host-saved": _("Co-host saved."),
        "host-removed": _("Co-host removed."),
    }
    return messages.get(done or "", "")


# The list of events --------------------------------------------------------------------------


@router.get("/", name="manage_home")
def manage_home(request: Request, db: Db, user: CurrentUser):
    return render(request, "manage/home.html", {"rows": events.events_for(db, user)})


# Creating and editing an event ---------------------------------------------------------------


def _blank_is_missing(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise PydanticCustomError("missing", "Field required")
    return value


def _newlines(value: Any) -> Any:
    # Browsers send CRLF from a textarea but count a newline as one character for maxlength.
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


KeptText = Annotated[str, StringConstraints(strip_whitespace=False)]


class EventForm(BaseModel):
    """The event form as posted. Limits here hold the same on SQLite and PostgreSQL."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    title: str = Field(min_length=1, max_length=200)
    slug: str = Field(default="", max_length=100)
    # Long texts are kept as typed (not stripped): saving the form unchanged changes nothing.
    description: KeptText = Field(default="", max_length=20_000)
    timezone: str = Field(min_length=1, max_length=64)
    start_date: date
    start_time: time
    end_date: date
    end_time: time
    venue_name: str = Field(default="", max_length=200)
    venue_address: KeptText = Field(default="", max_length=500)
    languages: list[str] = Field(default_factory=list, validate_default=True)
    default_language: str = Field(default="", max_length=10)
    visibility: Visibility = Visibility.LISTED

    _blanks = field_validator("start_date", "start_time", "end_date", "end_time", mode="before")(
        _blank_is_missing
    )
    _crlf = field_validator("description", "venue_address", mode="before")(_newlines)

    @field_validator("slug")
    @classmethod
    def _readable_slug(cls, value: str) -> str:
        if not value:
            return ""
        slug = events.slugify(value)
        if not slug:
            raise ValueError(_("Use letters or numbers (hyphens between words)."))
        return slug

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if value not in events.known_timezones():
            raise ValueError(_("Choose a timezone from the list, such as Asia/Bangkok."))
        return value

    @field_validator("start_date", "end_date")
    @classmethod
    def _plausible_year(cls, value: date) -> date:
        if not 1970 <= value.year <= 2200:
            raise ValueError(_("Enter a date between 1970 and 2200."))
        return value

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError(_("Choose at least one language."))
        if any(code not in events.LANGUAGE_CHOICES for code in value):
            raise ValueError(_("Choose languages from the list."))
        return [code for code in events.LANGUAGE_CHOICES if code in value]

    def details(self) -> tuple[events.EventDetails | None, dict[str, str]]:
        """The event's fields with times in UTC, or the errors of the fields taken together."""
        errors: dict[str, str] = {}
        zone = ZoneInfo(self.timezone)
        starts_at = _local_to_utc(self.start_date, self.start_time, zone)
        ends_at = _local_to_utc(self.end_date, self.end_time, zone)
        gap = _("This time does not exist in this timezone (the clocks change). Choose another.")
        if starts_at is None:
            errors["start_time"] = gap
        if ends_at is None:
            errors["end_time"] = gap
        if starts_at and ends_at and ends_at <= starts_at:
            errors["end_date"] = _("The end must be after the start.")
        languages = list(self.languages)
        if self.default_language:
            if self.default_language not in languages:
                errors["default_language"] = _("Choose one of the languages ticked above.")
            else:
                languages.remove(self.default_language)
                languages.insert(0, self.default_language)
        if errors or starts_at is None or ends_at is None:
            return None, errors
        details = events.EventDetails(
            title=self.title,
            slug=self.slug,
            description=self.description,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=self.timezone,
            venue_name=self.venue_name,
            venue_address=self.venue_address,
            languages=languages,
            visibility=self.visibility,
        )
        return details, {}


def _local_to_utc(day: date, moment: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock time in `zone`; None when the clocks skip that time."""
    local = datetime.combine(day, moment.replace(second=0, microsecond=0), tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def _parse_event_form(form: FormData) -> tuple[events.EventDetails | None, dict, dict]:
    values = form_values(form, lists={"languages"})
    parsed, errors = parse(EventForm, values)
    if parsed is None:
        return None, values, errors
    details, errors = parsed.details()
    return details, values, errors


def event_values(event: Event) -> dict[str, Any]:
    """The form's values for a saved event (times in its own timezone)."""
    zone = ZoneInfo(event.timezone)
    starts, ends = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    languages = event.language_list
    return {
        "title": event.title,
        "slug": event.slug,
        "description": event.description,
        "timezone": event.timezone,
        "start_date": starts.date().isoformat(),
        "start_time": starts.strftime("%H:%M"),
        "end_date": ends.date().isoformat(),
        "end_time": ends.strftime("%H:%M"),
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "languages": languages,
        "default_language": languages[0] if languages else "",
        "visibility": str(event.visibility),
    }


NEW_EVENT_VALUES = {
    "timezone": DEFAULT_TIMEZONE,
    "languages": ["en"],
    "default_language": "en",
    "visibility": "listed",
}


@lru_cache(maxsize=4)
def timezone_options(today: date) -> list[tuple[str, str]]:
    """The zones people pick from, each with its offset today: 'Asia/Bangkok (UTC+07:00)'."""
    noon = datetime.combine(today, time(12), tzinfo=UTC)
    names = sorted(z for z in events.known_timezones() if z.startswith(TIMEZONE_REGIONS))
    options = [("UTC", "UTC")]
    for name in names:
        offset = noon.astimezone(ZoneInfo(name)).strftime("%z")
        options.append((name, f"{name.replace('_', ' ')} (UTC{offset[:3]}:{offset[3:]})"))
    return options


def _form_context(values: dict[str, Any], errors: dict[str, str], **extra: Any) -> dict[str, Any]:
    options = timezone_options(utcnow().date())
    chosen = values.get("timezone", "")
    if chosen and chosen in events.known_timezones() and chosen not in dict(options):
        options = [*options, (chosen, chosen)]
    return {
        "values": values,
        "errors": errors,
        "timezones": options,
        "language_choices": [(code, language_name(code)) for code in events.LANGUAGE_CHOICES],
        "field_labels": field_labels(),
        **extra,
    }


@router.get("/events/new", name="show_new_event")
def show_new_event(request: Request, user: CurrentUser):
    context = _form_context(dict(NEW_EVENT_VALUES), {}, event=None)
    return render(request, "manage/event_form.html", context)


@router.post("/events/new", name="create_event")
def create_event(request: Request, db: Db, user: CurrentUser, form: Submitted):
    details, values, errors = _parse_event_form(form)
    if details is not None:
        try:
            event = events.create_event(db, actor=user, details=details)
        except events.SlugTaken:
            db.rollback()
            errors = {"slug": _slug_taken_message()}
        else:
            db.commit()
            return see_other(
                request, _path(request, "show_event_overview", event_id=event.id) + "?done=created"
            )
    context = _form_context(values, errors, event=None)
    return render(request, "manage/event_form.html", context, block="event_form", status_code=422)


def _slug_taken_message() -> str:
    return _("Another event already uses this web address. Choose a different one.")


@router.get("/events/{event_id}/edit", name="show_edit_event")
def show_edit_event(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, EDITORS)
    context = _form_context(event_values(event), {}, event=event, role=role, version=event.version)
    return render(request, "manage/event_form.html", context)


@router.post("/events/{event_id}/edit", name="edit_event")
def edit_event(request: Request, event_id: RowId, db: Db, user: CurrentUser, form: Submitted):
    event, role = event_for(db, user, event_id, EDITORS)
    details, values, errors = _parse_event_form(form)
    version = _int_or_none(form.get("version"))
    if version is None:
        errors.setdefault("__all__", _("The form was incomplete. Reload the page and try again."))
    context_extra: dict[str, Any] = {"event": event, "role": role}
    if details is not None and version is not None and not errors:
        try:
            changes = events.update_event(
                db, event, actor=user, details=details, expected_version=version
            )
        except events.StaleEdit as stale:
            db.rollback()
            theirs = event_values(stale.current)
            context = _form_context(
                values,
                {},
                **context_extra,
                version=stale.current.version,
                theirs=_differences(theirs, values),
            )
            return render(
                request, "manage/event_form.html", context, block="event_form", status_code=409
            )
        except events.SlugTaken:
            db.rollback()
            errors = {"slug": _slug_taken_message()}
        else:
            db.commit()
            done = "saved" if changes else "unchanged"
            return see_other(
                request, _path(request, "show_event_overview", event_id=event.id) + f"?done={done}"
            )
    context = _form_context(values, errors, **context_extra, version=version)
    return render(request, "manage/event_form.html", context, block="event_form", status_code=422)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if isinstance(value, str) else None
    except ValueError:
        return None


def field_labels() -> dict[str, str]:
    """What the form and the activity log call each field, in the reader's language."""
    return {
        "title": _("Title"),
        "slug": _("Web address"),
        "description": _("Description"),
        "timezone": _("Timezone"),
        "start_date": _("Start date"),
        "start_time": _("Start time"),
        "end_date": _("End date"),
        "end_time": _("End time"),
        "starts_at": _("Starts"),
        "ends_at": _("Ends"),
        "venue_name": _("Venue"),
        "venue_address": _("Address"),
        "languages": _("Languages"),
        "default_language": _("Main language"),
        "visibility": _("Visibility"),
        "status": _("Status"),
        "name": _("Name"),
        "short_name": _("Short name"),
        "website": _("Website"),
        "logo_id": _("Logo"),
        "order": _("Order of co-hosts"),
    }


def _differences(theirs: dict[str, Any], yours: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields where the saved version differs from what this person sent."""
    rows = []
    for name, their_value in theirs.items():
        your_value = yours.get(name, [] if name == "languages" else "")
        if name == "languages":
            same = sorted(their_value) == sorted(your_value or [])
            their_value = ", ".join(language_name(c) for c in their_value)
            your_value = ", ".join(language_name(c) for c in your_value or [])
        else:
            your_value = (your_value or "").replace("\r\n", "\n").strip()
            same = str(their_value).strip() == your_value
        if not same:
            rows.append({"field": name, "theirs": their_value, "yours": your_value})
    return rows


# The overview and the event's status ---------------------------------------------------------


def _overview(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    *,
    status_code: int = 200,
    problem: str = "",
    confirm_cancel: bool = False,
) -> Response:
    hosts = events.hosts_of(db, [event.id])[event.id]
    zone = ZoneInfo(event.timezone)
    context = {
        "event": event,
        "starts_local": event.starts_at.astimezone(zone),
        "ends_local": event.ends_at.astimezone(zone),
        "role": role,
        "can_edit": role in EDITORS,
        "hosts": hosts,
        "transitions": events.allowed_transitions(event) if role in EDITORS else [],
        "message": _message_for(request.query_params.get("done")) if status_code == 200 else "",
        "problem": problem,
        "confirm_cancel": confirm_cancel,
    }
    return render(request, "manage/overview.html", context, status_code=status_code)


@router.get("/events/{event_id}/", name="show_event_overview")
def show_event_overview(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, ANY_MEMBER)
    return _overview(request, db, event, role)


def _change_status(
    request: Request, db: Db, user: User, event_id: int, transition: str, done: str
) -> Response:
    event, role = event_for(db, user, event_id, EDITORS)
    try:
        events.change_status(db, event, transition, actor=user)
    except events.StatusChangeRefused as refused:
        db.rollback()
        if isinstance(refused, events.NeedsCoHost):
            problem = _("Add at least one co-host before publishing the event.")
            return _overview(request, db, event, role, status_code=422, problem=problem)
        problem = _("The event's status changed meanwhile; nothing was done. Check it below.")
        return _overview(request, db, event, role, status_code=409, problem=problem)
    db.commit()
    return see_other(
        request, _path(request, "show_event_overview", event_id=event.id) + f"?done={done}"
    )


@router.post("/events/{event_id}/publish", name="publish_event")
def publish_event(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    return _change_status(request, db, user, event_id, "publish", "published")


@router.post("/events/{event_id}/unpublish", name="unpublish_event")
def unpublish_event(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    return _change_status(request, db, user, event_id, "unpublish", "unpublished")


@router.get("/events/{event_id}/cancel", name="confirm_cancel_event")
def confirm_cancel_event(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, EDITORS)
    return _overview(request, db, event, role, confirm_cancel=True)


@router.post("/events/{event_id}/cancel", name="cancel_event")
def cancel_event(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    return _change_status(request, db, user, event_id, "cancel", "cancelled")


# Co-hosts ------------------------------------------------------------------------------------


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
        "message": _message_for(request.query_params.get("done")) if status_code == 200 else "",
    }
    return render(request, "manage/hosts.html", context, block=block, status_code=status_code)


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
    values = form_values(form)
    parsed, errors = parse(HostForm, values)
    image, logo_error = _checked_logo(form)
    if logo_error:
        errors["logo"] = logo_error
    if parsed is None or errors:
        return _host_form(request, event, role, values, errors, status_code=422)
    stored = uploads.store_image(db, image) if image else None
    details = events.HostDetails(parsed.name, parsed.short_name, parsed.website)
    events.add_host(db, event, actor=user, details=details, logo=stored)
    db.commit()
    return see_other(request, _path(request, "show_hosts", event_id=event.id) + "?done=host-added")


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
    values = form_values(form)
    parsed, errors = parse(HostForm, values)
    image, logo_error = _checked_logo(form)
    if logo_error:
        errors["logo"] = logo_error
    version = _int_or_none(form.get("version"))
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
    details = events.HostDetails(parsed.name, parsed.short_name, parsed.website)
    try:
        events.update_host(
            db,
            event,
            host,
            organisation,
            actor=user,
            details=details,
            logo=stored,
            remove_logo=parsed.remove_logo,
            expected_version=version,
        )
    except events.StaleEdit as stale:
        db.rollback()
        current = stale.current
        rows = _differences(_organisation_values(current), values)
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
    return see_other(request, _path(request, "show_hosts", event_id=event.id) + "?done=host-saved")


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
    return see_other(
        request, _path(request, "show_hosts", event_id=event.id) + "?done=host-removed"
    )


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
        _path(request, "show_hosts", event_id=event.id) + f"#host-{host.id}", status_code=303
    )


# The activity log ----------------------------------------------------------------------------


def action_labels() -> dict[str, str]:
    return {
        "event.create": _("Created the event"),
        "event.edit": _("Edited the event"),
        "event.publish": _("Published the event"),
        "event.unpublish": _("Unpublished the event"),
        "event.cancel": _("Cancelled the event"),
        "host.add": _("Added a co-host"),
        "host.edit": _("Edited a co-host"),
        "host.remove": _("Removed a co-host"),
        "host.reorder": _("Reordered the co-hosts"),
    }


PAGE_SIZE = 100


def _shown(field: str, value: Any, timezone: str) -> str:
    """A logged value as a person reads it: times in the event's timezone, lists spelled out."""
    if value is None or value == "":
        return "—"
    if field in ("starts_at", "ends_at") and isinstance(value, str):
        try:
            return local_datetime(datetime.fromisoformat(value), timezone)
        except ValueError:
            return value
    if field == "languages" and isinstance(value, str):
        return ", ".join(language_name(code) for code in value.split(",") if code)
    text = str(value)
    limit = 200 if field == "description" else 400
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


@router.get("/events/{event_id}/activity", name="show_activity")
def show_activity(request: Request, event_id: RowId, db: Db, user: CurrentUser, before: str = ""):
    event, role = event_for(db, user, event_id, EDITORS)
    before_id = _int_or_none(before)
    entries = events.activity_of(db, event, before_id=before_id, limit=PAGE_SIZE)
    actions = action_labels()
    shown = [
        {
            "entry": entry,
            "who": (actor.name or actor.email) if actor else None,
            "what": actions.get(entry.action, entry.action),
            "changes": [
                (field, _shown(field, old, event.timezone), _shown(field, new, event.timezone))
                for field, (old, new) in (entry.changes or {}).items()
            ],
        }
        for entry, actor in entries
    ]
    older = entries[-1][0].id if len(entries) == PAGE_SIZE else None
    context = {
        "event": event,
        "role": role,
        "entries": shown,
        "older": older,
        "field_labels": field_labels(),
        "now": utcnow(),
    }
    return render(request, "manage/activity.html", context)
