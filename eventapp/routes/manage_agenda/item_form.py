"""The agenda editor's item form: reading it, refusing it field by field, and the times, labels
and messages the editor's pages share."""

from datetime import date, datetime, time, timedelta
from typing import Any

from babel.dates import format_date, format_skeleton
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError
from starlette.datastructures import FormData

from eventapp import agenda, i18n
from eventapp.forms import form_values, int_or_none, parse
from eventapp.i18n import gettext as _
from eventapp.i18n import language_name
from eventapp.models import Event, ItemKind
from eventapp.templating import timezone_label


def plenary_label() -> str:
    return _("Plenary (all rooms)")


def gap_message() -> str:
    return _("This time does not exist in this timezone (the clocks change). Choose another.")


def incomplete_message() -> str:
    return _("The form was incomplete. Reload the page and try again.")


def too_long(limit: int) -> str:
    return _("Use at most %(max)s characters.", max=limit)


# Times as organisers read them ----------------------------------------------------------------


def _locale() -> str:
    return i18n.current_language()


def local_clock(moment: datetime, event: Event) -> str:
    return moment.astimezone(agenda.zone_of(event)).strftime("%H:%M")


def day_label(day: date) -> str:
    """'Fri, Aug 8' / 'ศุกร์ 8 ส.ค.'"""
    return format_skeleton("MMMEd", day, locale=_locale())


def long_day_label(day: date) -> str:
    return format_date(day, "full", locale=_locale())


def local_when(moment: datetime, event: Event) -> str:
    """A moment with its day, in the event's timezone: 'Fri, Aug 8 09:00'."""
    local = moment.astimezone(agenda.zone_of(event))
    return f"{day_label(local.date())} {local.strftime('%H:%M')}"


def time_range(starts_at: datetime, ends_at: datetime, event: Event) -> str:
    return f"{local_clock(starts_at, event)}–{local_clock(ends_at, event)}"


# The item form --------------------------------------------------------------------------------


def blank_is_missing(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise PydanticCustomError("missing", "Field required")
    return value


def blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def room_choice(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # plenary
    number = int_or_none(value.strip()) if isinstance(value, str) else None
    if number is None or not 1 <= number <= 2_147_483_647:
        raise ValueError(_("Choose a room from the list."))
    return number


def plausible_year(value: date | None) -> date | None:
    if value is not None and not 1970 <= value.year <= 2200:
        raise ValueError(_("Enter a date between 1970 and 2200."))
    return value


class ItemForm(BaseModel):
    """The item form as posted (titles and descriptions, one per event language, are read by
    `_texts`)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    kind: ItemKind
    start_date: date
    start_time: time
    end_date: date | None = None
    end_time: time | None = None
    room: int | None = None
    track: str = Field(default="", max_length=agenda.TRACK_MAX)

    _required = field_validator("kind", "start_date", "start_time", mode="before")(blank_is_missing)
    _optional = field_validator("end_date", "end_time", mode="before")(blank_is_none)
    _room = field_validator("room", mode="before")(room_choice)
    _years = field_validator("start_date", "end_date")(plausible_year)


def _texts(
    values: dict[str, Any], languages: list[str]
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(titles, descriptions, errors): one of each per event language; the first language's
    title is required."""
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    errors: dict[str, str] = {}
    for position, code in enumerate(languages):
        title = str(values.get(f"title_{code}", "")).strip()
        description = str(values.get(f"description_{code}", "")).replace("\r\n", "\n").strip()
        if position == 0 and not title:
            errors[f"title_{code}"] = _("This field is required.")
        elif len(title) > agenda.TITLE_MAX:
            errors[f"title_{code}"] = too_long(agenda.TITLE_MAX)
        if len(description) > agenda.DESCRIPTION_MAX:
            errors[f"description_{code}"] = too_long(agenda.DESCRIPTION_MAX)
        titles[code], descriptions[code] = title, description
    return titles, descriptions, errors


def parse_item_form(
    form: FormData, event: Event
) -> tuple[agenda.ItemDetails | None, dict[str, Any], dict[str, str]]:
    """(the item's details with times in UTC, the values as sent, errors by field)."""
    return parse_item_values(form_values(form), event)


def parse_item_values(
    values: dict[str, Any], event: Event
) -> tuple[agenda.ItemDetails | None, dict[str, Any], dict[str, str]]:
    parsed, errors = parse(ItemForm, values)
    titles, descriptions, text_errors = _texts(values, event.language_list)
    for name, message in text_errors.items():
        errors.setdefault(name, message)
    if parsed is None or errors:
        return None, values, errors
    zone = agenda.zone_of(event)
    starts_at = agenda.local_to_utc(parsed.start_date, parsed.start_time, zone)
    if starts_at is None:
        errors["start_time"] = gap_message()
    if parsed.end_time is None:
        # An empty end: the usual length of the kind.
        minutes = agenda.DEFAULT_MINUTES[parsed.kind]
        ends_at = starts_at + timedelta(minutes=minutes) if starts_at else None
    else:
        ends_at = agenda.local_to_utc(parsed.end_date or parsed.start_date, parsed.end_time, zone)
        if ends_at is None:
            errors["end_time"] = gap_message()
    if errors or starts_at is None or ends_at is None:
        return None, values, errors
    details = agenda.ItemDetails(
        kind=parsed.kind,
        starts_at=starts_at,
        ends_at=ends_at,
        room_id=parsed.room,
        titles=titles,
        descriptions=descriptions,
        track=parsed.track,
    )
    return details, values, {}


REFUSALS = (agenda.EndsBeforeStart, agenda.OutsideEventDates, agenda.UnknownRoom)


def refusal(refused: Exception, event: Event, values: dict[str, Any]) -> dict[str, str]:
    """A rule's refusal as a message beside the field it is about."""
    if isinstance(refused, agenda.EndsBeforeStart):
        beside = "end_date" if str(values.get("end_date", "")).strip() else "end_time"
        return {beside: _("The end must be after the start.")}
    if isinstance(refused, agenda.OutsideEventDates):
        days = agenda.event_days(event)
        return {
            "start_date": _(
                "Choose a day of the event, from %(first)s to %(last)s.",
                first=long_day_label(days[0]),
                last=long_day_label(days[-1]),
            )
        }
    return {"room": _("Choose a room from the list.")}


def item_values(event: Event, details: agenda.ItemDetails) -> dict[str, Any]:
    """The form's values for an item (times in the event's timezone)."""
    zone = agenda.zone_of(event)
    starts, ends = details.starts_at.astimezone(zone), details.ends_at.astimezone(zone)
    values: dict[str, Any] = {
        "kind": str(details.kind),
        "start_date": starts.date().isoformat(),
        "start_time": starts.strftime("%H:%M"),
        "end_date": "" if ends.date() == starts.date() else ends.date().isoformat(),
        "end_time": ends.strftime("%H:%M"),
        "room": "" if details.room_id is None else str(details.room_id),
        "track": details.track,
    }
    for code in event.language_list:
        values[f"title_{code}"] = details.titles.get(code, "")
        values[f"description_{code}"] = details.descriptions.get(code, "")
    return values


def item_field_labels(event: Event) -> dict[str, str]:
    labels = {
        "kind": _("Kind"),
        "starts_at": _("Starts"),
        "ends_at": _("Ends"),
        "room": _("Room"),
        "track": _("Track"),
    }
    for code in event.language_list:
        labels[f"title_{code}"] = _("Title (%(language)s)", language=language_name(code))
        labels[f"description_{code}"] = _(
            "Description (%(language)s)", language=language_name(code)
        )
    return labels


def _shown(event: Event, details: agenda.ItemDetails, room_names: dict[int, str]) -> dict:
    """An item's fields as the conflict panel shows them."""
    shown = {
        "kind": agenda.kind_labels().get(details.kind, str(details.kind)),
        "starts_at": local_when(details.starts_at, event),
        "ends_at": local_when(details.ends_at, event),
        "room": plenary_label()
        if details.room_id is None
        else room_names.get(details.room_id, str(details.room_id)),
        "track": details.track.strip(),
    }
    for code in event.language_list:
        shown[f"title_{code}"] = (details.titles.get(code) or "").strip()
        description = (details.descriptions.get(code) or "").replace("\r\n", "\n")
        shown[f"description_{code}"] = description.strip()
    return shown


WAS = "was_"  # the edit form's hidden copies of the values it was opened with


def opened_with(values: dict[str, Any]) -> dict[str, Any] | None:
    """The values the edit form was opened with (its `was_` fields), or None from a form
    without them."""
    was = {name[len(WAS) :]: value for name, value in values.items() if name.startswith(WAS)}
    return was or None


def _same(first: Any, second: Any) -> bool:
    def plain(value: Any) -> str:
        return str(value or "").replace("\r\n", "\n").strip()

    return plain(first) == plain(second)


def merged_values(
    yours: dict[str, Any], was: dict[str, Any] | None, theirs: dict[str, Any]
) -> dict[str, Any]:
    """Your edit on top of their save: each field you changed keeps your value, every other
    field takes theirs, so applying yours never undoes a change of theirs you did not touch.
    Without `was`, every field is yours."""
    if was is None:
        return {name: yours.get(name, "") for name in theirs}
    return {
        name: yours.get(name, "") if not _same(yours.get(name), was.get(name)) else their_value
        for name, their_value in theirs.items()
    }


def conflict_rows(
    event: Event,
    theirs: agenda.ItemDetails,
    yours: agenda.ItemDetails,
    room_names: dict[int, str],
) -> list[dict[str, str]]:
    their_values = _shown(event, theirs, room_names)
    your_values = _shown(event, yours, room_names)
    return [
        {"field": name, "theirs": value, "yours": your_values[name]}
        for name, value in their_values.items()
        if value != your_values[name]
    ]


def form_options(event: Event, rooms: list[tuple[int, str]]) -> dict[str, Any]:
    days = agenda.event_days(event)
    return {
        "kind_options": list(agenda.kind_labels().items()),
        "room_options": [("", plenary_label())] + [(str(i), name) for i, name in rooms],
        "languages": event.language_list,
        "first_day": days[0].isoformat(),
        "last_day": days[-1].isoformat(),
    }


def zone_label(event: Event, day: date) -> str:
    """'Asia/Bangkok (UTC+07:00)', with the offset of that day."""
    return timezone_label(
        datetime.combine(day, time(12), tzinfo=agenda.zone_of(event)), event.timezone
    )


def stale_problem(title: str) -> str:
    return _(
        "Someone else changed “%(title)s” meanwhile, so nothing was done. It is shown as now "
        "saved; try again.",
        title=title or _("Untitled"),
    )
