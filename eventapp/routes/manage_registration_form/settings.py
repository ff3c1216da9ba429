"""The registration settings page: when, how many, who, privacy; counts of the moment."""

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from eventapp import agenda, events, registration
from eventapp import registration_settings as settings_rules
from eventapp.forms import Submitted, int_or_none, see_other
from eventapp.i18n import gettext as _
from eventapp.models import Event, ParticipantList, RegistrationMode, RegistrationSettings, Role
from eventapp.routes.access import CurrentUser, Db, RowId
from eventapp.routes.manage_registration_form.common import (
    current_settings,
    done_message,
    editor_event,
    incomplete_message,
    languages_of,
    posted,
    whole_number,
)
from eventapp.templating import path_for, render, timezone_label

router = APIRouter()


def mode_labels() -> dict[str, str]:
    return {
        RegistrationMode.OPEN: _("Open: first come, first served"),
        RegistrationMode.MODERATED: _("Moderated: an organiser approves each registration"),
        RegistrationMode.INVITATION: _("Invitation only: with an invitation code or link"),
    }


def participant_list_labels() -> dict[str, str]:
    return {
        ParticipantList.OFF: _("Off: no participant list"),
        ParticipantList.ATTENDEES: _("For attendees only, through their personal link"),
        ParticipantList.PUBLIC: _("Public, on the event's pages"),
    }


def settings_labels(event: Event) -> dict[str, str]:
    labels = {
        "is_enabled": _("Registration is on"),
        "opens_date": _("Opens on"),
        "opens_time": _("Opening time"),
        "closes_date": _("Closes on"),
        "closes_time": _("Closing time"),
        "capacity": _("Places"),
        "has_waitlist": _("Waiting list when full"),
        "mode": _("Who may register"),
        "group_max": _("People one person may register"),
        "participant_list": _("Participant list"),
        "retention_days": _("Keep personal data after the event (days)"),
    }
    for code, name in languages_of(event):
        labels[f"privacy_{code}"] = _("Privacy statement (%(language)s)", language=name)
    return labels


def settings_values(settings: RegistrationSettings, event: Event) -> dict[str, Any]:
    """The form's values for saved settings (times in the event's timezone)."""
    zone = ZoneInfo(event.timezone)
    values: dict[str, Any] = {
        "is_enabled": "on" if settings.is_enabled else "",
        "capacity": "" if settings.capacity is None else str(settings.capacity),
        "has_waitlist": "on" if settings.has_waitlist else "",
        "mode": str(settings.mode),
        "group_max": str(settings.group_max),
        "participant_list": str(settings.participant_list),
        "retention_days": "" if settings.retention_days is None else str(settings.retention_days),
    }
    for name, moment in (("opens", settings.opens_at), ("closes", settings.closes_at)):
        local = moment.astimezone(zone) if moment else None
        values[f"{name}_date"] = local.date().isoformat() if local else ""
        values[f"{name}_time"] = local.strftime("%H:%M") if local else ""
    for code in event.language_list:
        values[f"privacy_{code}"] = (settings.privacy or {}).get(code, "")
    return values


def _local_moment(
    values: dict[str, Any], name: str, zone: ZoneInfo, errors: dict[str, str]
) -> datetime | None:
    day_text = str(values.get(f"{name}_date", "")).strip()
    time_text = str(values.get(f"{name}_time", "")).strip()
    if not day_text and not time_text:
        return None
    if not day_text or not time_text:
        field = f"{name}_date" if not day_text else f"{name}_time"
        errors[field] = _("Enter both a date and a time, or neither.")
        return None
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        errors[f"{name}_date"] = _("Enter a date.")
        return None
    try:
        moment = time.fromisoformat(time_text)
    except ValueError:
        errors[f"{name}_time"] = _("Enter a time.")
        return None
    if not 1970 <= day.year <= 2200:
        errors[f"{name}_date"] = _("Enter a date between 1970 and 2200.")
        return None
    found = agenda.local_to_utc(day, moment, zone)
    if found is None:
        errors[f"{name}_time"] = _(
            "This time does not exist in this timezone (the clocks change). Choose another."
        )
    return found


def parse_settings_form(
    form: FormData, event: Event
) -> tuple[settings_rules.SettingsDetails | None, dict[str, Any], dict[str, str]]:
    """(the details, the values as sent, errors by field)."""
    values, errors = posted(form)
    zone = ZoneInfo(event.timezone)
    opens_at = _local_moment(values, "opens", zone, errors)
    closes_at = _local_moment(values, "closes", zone, errors)
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_date"] = _("Registration must close after it opens.")
    capacity, problem = whole_number(
        str(values.get("capacity", "")),
        low=0,
        high=settings_rules.CAPACITY_MAX,
        blank_ok=True,
        message=_("Enter a number of places from 0, or leave it empty for no limit."),
    )
    if problem:
        errors["capacity"] = problem
    group_max, problem = whole_number(
        str(values.get("group_max", "")),
        low=1,
        high=settings_rules.GROUP_MAX,
        blank_ok=False,
        message=_("Enter a number from 1 to %(max)s.", max=settings_rules.GROUP_MAX),
    )
    if problem:
        errors["group_max"] = problem
    retention, problem = whole_number(
        str(values.get("retention_days", "")),
        low=1,
        high=settings_rules.RETENTION_MAX,
        blank_ok=True,
        message=_(
            "Enter a number of days from 1 to %(max)s, or leave it empty to keep the data.",
            max=settings_rules.RETENTION_MAX,
        ),
    )
    if problem:
        errors["retention_days"] = problem
    mode = values.get("mode", "")
    if mode not in set(RegistrationMode):
        errors["mode"] = _("Choose one of the options.")
    shown = values.get("participant_list", "")
    if shown not in set(ParticipantList):
        errors["participant_list"] = _("Choose one of the options.")
    privacy = {}
    for code in event.language_list:
        text = str(values.get(f"privacy_{code}", "")).replace("\r\n", "\n").strip()
        if len(text) > settings_rules.PRIVACY_MAX:
            errors[f"privacy_{code}"] = _(
                "Use at most %(max)s characters.", max=settings_rules.PRIVACY_MAX
            )
        privacy[code] = text
    if errors:
        return None, values, errors
    details = settings_rules.SettingsDetails(
        is_enabled=bool(values.get("is_enabled")),
        opens_at=opens_at,
        closes_at=closes_at,
        capacity=capacity,
        has_waitlist=bool(values.get("has_waitlist")),
        mode=RegistrationMode(mode),
        group_max=group_max or 1,
        privacy=privacy,
        participant_list=ParticipantList(shown),
        retention_days=retention,
    )
    return details, values, {}


def _settings_conflict(
    theirs: dict[str, Any], yours: dict[str, Any], labels: dict[str, str]
) -> list[dict[str, str]]:
    """The fields where the saved settings differ from the form as it was sent, in words."""
    modes, lists = mode_labels(), participant_list_labels()

    def shown(name: str, value: Any) -> str:
        text = str(value or "").replace("\r\n", "\n").strip()
        if name in ("is_enabled", "has_waitlist"):
            return _("Yes") if text else _("No")
        if name == "mode":
            return modes.get(text, text)
        if name == "participant_list":
            return lists.get(text, text)
        return text

    return [
        {"field": name, "theirs": shown(name, value), "yours": shown(name, yours.get(name))}
        for name, value in theirs.items()
        if name in labels and shown(name, value) != shown(name, yours.get(name))
    ]


def _settings_page(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    version: int | None,
    theirs: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    settings = current_settings(db, event)
    context = {
        "event": event,
        "role": role,
        "values": values,
        "errors": errors,
        "version": version,
        "theirs": theirs,
        "counts": registration.counts(db, event),
        "settings": settings,
        "places_left": registration.places_left(settings),
        "is_open": registration.is_open(settings),
        "zone": timezone_label(event.starts_at, event.timezone),
        "languages": languages_of(event),
        "modes": list(mode_labels().items()),
        "participant_lists": list(participant_list_labels().items()),
        "field_labels": settings_labels(event),
        "group_limit": settings_rules.GROUP_MAX,
        "retention_limit": settings_rules.RETENTION_MAX,
        "message": done_message(request.query_params.get("done")) if status_code == 200 else "",
    }
    return render(
        request,
        "manage/registration_settings.html",
        context,
        block="settings_form" if status_code != 200 else None,
        status_code=status_code,
    )


@router.get("/events/{event_id}/registration/settings", name="show_registration_settings")
def show_registration_settings(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = editor_event(db, user, event_id)
    settings = current_settings(db, event)
    values = settings_values(settings, event)
    return _settings_page(request, db, event, role, values, {}, version=settings.version)


@router.post("/events/{event_id}/registration/settings", name="save_registration_settings")
def save_registration_settings(
    request: Request, event_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    event, role = editor_event(db, user, event_id)
    details, values, errors = parse_settings_form(form, event)
    version = int_or_none(form.get("version"))
    if version is None:
        errors.setdefault("__all__", incomplete_message())
    if details is None or errors or version is None:
        return _settings_page(
            request, db, event, role, values, errors, version=version, status_code=422
        )
    try:
        changes = settings_rules.update_settings(
            db, event, actor=user, details=details, expected_version=version
        )
    except events.StaleEdit as stale:
        saved = settings_values(stale.current, event)
        their_version = stale.current.version
        db.rollback()
        theirs = _settings_conflict(saved, values, settings_labels(event))
        return _settings_page(
            request, db, event, role, values, {}, version=their_version, theirs=theirs,
            status_code=409,
        )  # fmt: skip
    db.commit()
    done = "saved" if changes else "unchanged"
    path = path_for(request, "show_registration_settings", event_id=event.id)
    return see_other(request, f"{path}?done={done}")
