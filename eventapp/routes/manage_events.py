"""Organisers' pages for events: the list of their events, creating and editing an event,
publishing, and the activity log. (The co-host pages are in `manage_hosts`.)

Who may do what (checked on every request by `event_for`):

    page                         owner  organiser  registrar/rapporteur/viewer  non-member
    overview                     yes    yes        yes                          404
    edit, publish, cancel        yes    yes        403                          404
    activity                     yes    yes        403                          404
"""

from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError
from starlette.datastructures import FormData

from eventapp import events
from eventapp.agenda import local_to_utc
from eventapp.forms import Submitted, form_values, int_or_none, parse, see_other
from eventapp.i18n import gettext as _
from eventapp.i18n import language_name
from eventapp.models import Event, LineupOrder, Role, User, Visibility, utcnow
from eventapp.routes.access import ANY_MEMBER, EDITORS, CurrentUser, Db, RowId, event_for
from eventapp.templating import local_datetime, path_for, render

router = APIRouter(prefix="/manage")

DEFAULT_TIMEZONE = "Asia/Bangkok"
TIMEZONE_REGIONS = (
    "Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/",
    "Indian/", "Pacific/",
)  # fmt: skip


def done_message(done: str | None) -> str:
    """The notice for a `?done=` key after a redirect (the co-host pages' too); any other value
    shows nothing."""
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
        starts_at = local_to_utc(self.start_date, self.start_time, zone)
        ends_at = local_to_utc(self.end_date, self.end_time, zone)
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


REMINDER_DAYS_MAX = 60


class LineupForm(BaseModel):
    """The event's line-up settings (a fieldset of the edit form)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    lineup_order: LineupOrder = LineupOrder.PROTOCOL
    show_unconfirmed: bool = False
    reminder_days: int = Field(default=7, ge=0, le=REMINDER_DAYS_MAX)

    _blanks = field_validator("reminder_days", mode="before")(_blank_is_missing)


def _parse_lineup(values: dict[str, Any]) -> tuple[LineupForm | None, dict[str, str]]:
    """The line-up settings, when the form showed them (a form without the fieldset, as an
    older page sends, leaves them alone)."""
    if "lineup_order" not in values:
        return None, {}
    parsed, errors = parse(LineupForm, values)
    if "reminder_days" in errors and errors["reminder_days"] != _("This field is required."):
        errors["reminder_days"] = _(
            "Enter a number of days from 0 to %(max)s (0: never remind).", max=REMINDER_DAYS_MAX
        )
    return parsed, errors


def lineup_order_labels() -> dict[str, str]:
    return {
        LineupOrder.PROTOCOL: _("Protocol precedence"),
        LineupOrder.FAMILY_NAME: _("Family name"),
        LineupOrder.ORGANISATION: _("Organisation, then protocol precedence"),
    }


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
        "lineup_order": str(event.lineup_order),
        "show_unconfirmed": "on" if event.show_unconfirmed else "",
        "reminder_days": str(event.reminder_days),
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
        "lineup_orders": list(lineup_order_labels().items()),
        "reminder_days_max": REMINDER_DAYS_MAX,
        **extra,
    }


def _team_options(db: Db, user: User) -> list[tuple[str, str]]:
    """The teams a new event may join, when there is a choice (two or more), latest first."""
    teams = events.teams_of(db, user)
    return [(str(team.id), team.name) for team in teams] if len(teams) > 1 else []


@router.get("/events/new", name="show_new_event")
def show_new_event(request: Request, db: Db, user: CurrentUser):
    teams = _team_options(db, user)
    values = {**NEW_EVENT_VALUES, "team": teams[0][0] if teams else ""}
    context = _form_context(values, {}, event=None, teams=teams)
    return render(request, "manage/event_form.html", context)


@router.post("/events/new", name="create_event")
def create_event(request: Request, db: Db, user: CurrentUser, form: Submitted):
    details, values, errors = _parse_event_form(form)
    teams = _team_options(db, user)
    team_id = None
    if teams:
        team_id = int_or_none(values.get("team"))
        if str(team_id) not in dict(teams):
            errors["team"] = _("Choose a team from the list.")
    if details is not None and not errors:
        try:
            event = events.create_event(db, actor=user, details=details, team_id=team_id)
        except events.SlugTaken:
            db.rollback()
            errors = {"slug": _slug_taken_message()}
        else:
            db.commit()
            return _back_to_overview(request, event, "created")
    context = _form_context(values, errors, event=None, teams=teams)
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
    lineup, lineup_errors = _parse_lineup(values)
    errors = {**lineup_errors, **errors}
    if lineup_errors:
        details = None
    version = int_or_none(form.get("version"))
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
            if lineup is None:
                theirs = {k: v for k, v in theirs.items() if k not in events.LINEUP_FIELDS}
            context = _form_context(
                values,
                {},
                **context_extra,
                version=stale.current.version,
                theirs=_shown_lineup(differences(theirs, values)),
            )
            return render(
                request, "manage/event_form.html", context, block="event_form", status_code=409
            )
        except events.SlugTaken:
            db.rollback()
            errors = {"slug": _slug_taken_message()}
        else:
            if lineup is not None:
                changes |= events.set_lineup_settings(
                    db,
                    event,
                    actor=user,
                    lineup_order=lineup.lineup_order,
                    show_unconfirmed=lineup.show_unconfirmed,
                    reminder_days=lineup.reminder_days,
                    is_new_version=not changes,
                )
            db.commit()
            return _back_to_overview(request, event, "saved" if changes else "unchanged")
    context = _form_context(values, errors, **context_extra, version=version)
    return render(request, "manage/event_form.html", context, block="event_form", status_code=422)


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
        "lineup_order": _("Order of the line-up"),
        "show_unconfirmed": _("Show people not yet confirmed"),
        "reminder_days": _("Remind invited speakers after (days)"),
        "team": _("Team"),
        "note_sections": _("Parts of a note"),
        "needs_cohost_approval": _("Each co-host approves before publication"),
        "report_foreword": _("Foreword"),
        "report_conclusions": _("Conclusions"),
        "organisation": _("Co-host"),
    }


def _shown_lineup(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conflict panel's rows with the line-up settings in words."""
    orders = lineup_order_labels()
    for row in rows:
        for side in ("theirs", "yours"):
            if row["field"] == "lineup_order":
                row[side] = orders.get(row[side], row[side])
            elif row["field"] == "show_unconfirmed":
                row[side] = _("Yes") if row[side] else _("No")
    return rows


def differences(theirs: dict[str, Any], yours: dict[str, Any]) -> list[dict[str, Any]]:
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
        "message": done_message(request.query_params.get("done")) if status_code == 200 else "",
        "problem": problem,
        "confirm_cancel": confirm_cancel,
    }
    return render(request, "manage/overview.html", context, status_code=status_code)


def _back_to_overview(request: Request, event: Event, done: str) -> Response:
    return see_other(
        request, path_for(request, "show_event_overview", event_id=event.id) + f"?done={done}"
    )


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
    return _back_to_overview(request, event, done)


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
        "room.add": _("Added a room"),
        "room.edit": _("Edited a room"),
        "room.delete": _("Deleted a room"),
        "room.move": _("Reordered the rooms"),
        "item.add": _("Added an agenda item"),
        "item.edit": _("Edited an agenda item"),
        "item.move": _("Moved an agenda item"),
        "item.delete": _("Deleted an agenda item"),
        "item.shift": _("Shifted the agenda"),
        "agenda.release": _("Released the agenda"),
        "person.add": _("Added a person"),
        "person.update": _("Edited a person"),
        "person.self_update": _("The speaker corrected their profile through their own page"),
        "person.photo": _("Changed a person's photo"),
        "person.photo_removed": _("Removed a person's photo"),
        "speaker.precedence": _("Changed a speaker's precedence"),
        "speaker.invite": _("Invited a speaker"),
        "speaker.revoke": _("Revoked a speaker's link"),
        "speaker.remind": _("Reminded a speaker of the invitation"),
        "appearance.add": _("Added a person to an agenda item"),
        "appearance.update": _("Changed an appearance on an agenda item"),
        "appearance.move": _("Moved a person in an item's line-up"),
        "appearance.reorder": _("Reordered an item's line-up"),
        "appearance.remove": _("Removed a person from an agenda item"),
        "question.add": _("Added a registration question"),
        "question.edit": _("Edited a registration question"),
        "question.move": _("Reordered the registration questions"),
        "question.delete": _("Deleted a registration question"),
        "registration.settings": _("Changed the registration settings"),
        "registration.capacity": _("Changed the registration capacity"),
        "registration.create": _("Someone registered"),
        "registration.update": _("A registration was changed"),
        "registration.cancel": _("A registration was cancelled"),
        "registration.promote": _("A place went to the first on the waiting list"),
        "registration.decide": _("Approved or rejected a registration"),
        "registration.resend": _("Sent a personal link again"),
        "registration.erase": _("Erased a person's registration data"),
        "registration_invite.code": _("Created an invitation code"),
        "registration_invite.person": _("Invited someone to register"),
        "registration_invite.revoke": _("Revoked an invitation"),
        "checkin.create": _("Checked someone in"),
        "checkin.undo": _("Undid a check-in"),
        "note.assign": _("Assigned a rapporteur to an agenda item"),
        "note.unassign": _("Removed a rapporteur from an agenda item"),
        "note.save": _("Saved a session note"),
        "note.autosave": _("A session note was saved while typing"),
        "note.restore": _("Restored an earlier version of a session note"),
        "note.submit": _("Submitted a session summary for approval"),
        "note.request_changes": _("Asked for changes to a session summary"),
        "note.approve": _("Approved a session summary"),
        "note.publish": _("Published a session summary"),
        "note.unpublish": _("Unpublished a session summary"),
        "team.change_cohost": _("Said which co-host a member approves for"),
    }


PAGE_SIZE = 100


def _shown(field: str, value: Any, timezone: str) -> str:
    """A logged value as a person reads it: times in the event's timezone, lists spelled out."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field == "lineup_order":
        return lineup_order_labels().get(value, str(value))
    if field in ("starts_at", "ends_at") and isinstance(value, str):
        try:
            return local_datetime(datetime.fromisoformat(value), timezone)
        except ValueError:
            return value
    if field == "languages" and isinstance(value, str):
        return ", ".join(language_name(code) for code in value.split(",") if code)
    if isinstance(value, dict):  # texts per language: {"en": "...", "th": "..."}
        value = "; ".join(f"{language_name(code)}: {text}" for code, text in value.items())
    text = str(value)
    limit = 200 if field == "description" else 400
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _nobody(action: str) -> str | None:
    """Who acted when no account did: a speaker through their link, or the worker."""
    if action in ("person.self_update", "appearance.update", "person.photo"):
        return _("The speaker, through their own link")
    if action == "speaker.remind":
        return _("Automatic reminder")
    return None  # an account since removed


@router.get("/events/{event_id}/activity", name="show_activity")
def show_activity(request: Request, event_id: RowId, db: Db, user: CurrentUser, before: str = ""):
    event, role = event_for(db, user, event_id, EDITORS)
    before_id = int_or_none(before)
    entries = events.activity_of(db, event, before_id=before_id, limit=PAGE_SIZE)
    actions = action_labels()
    shown = [
        {
            "entry": entry,
            "who": (actor.name or actor.email) if actor else _nobody(entry.action),
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
