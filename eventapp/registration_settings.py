"""An organiser changes how an event's registration works (rules: no FastAPI here).

The settings row is also the lock every decision about a place takes (see registration.py), so a
save takes it too; a new capacity goes through registration.set_capacity, which gives the places
it frees to the waiting list, in order.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from eventapp import activity, events, registration
from eventapp.models import (
    Event,
    ParticipantList,
    RegistrationMode,
    RegistrationSettings,
    User,
)

GROUP_MAX = 20
RETENTION_MAX = 3650
CAPACITY_MAX = 1_000_000
PRIVACY_MAX = 20_000

FIELDS = [
    "is_enabled",
    "opens_at",
    "closes_at",
    "has_waitlist",
    "mode",
    "group_max",
    "privacy",
    "participant_list",
    "retention_days",
]


@dataclass
class SettingsDetails:
    """What the settings form sets (times in UTC; `capacity` None: no limit)."""

    is_enabled: bool = False
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    capacity: int | None = None
    has_waitlist: bool = True
    mode: RegistrationMode = RegistrationMode.OPEN
    group_max: int = 1
    privacy: dict[str, str] = field(default_factory=dict)
    participant_list: ParticipantList = ParticipantList.OFF
    retention_days: int | None = 180


def details_of(settings: RegistrationSettings) -> SettingsDetails:
    return SettingsDetails(
        is_enabled=settings.is_enabled,
        opens_at=settings.opens_at,
        closes_at=settings.closes_at,
        capacity=settings.capacity,
        has_waitlist=settings.has_waitlist,
        mode=RegistrationMode(settings.mode),
        group_max=settings.group_max,
        privacy=dict(settings.privacy or {}),
        participant_list=ParticipantList(settings.participant_list),
        retention_days=settings.retention_days,
    )


def _logged(settings: RegistrationSettings) -> dict[str, Any]:
    values = activity.snapshot(settings, FIELDS)
    values["mode"] = str(values["mode"])
    values["participant_list"] = str(values["participant_list"])
    values["privacy"] = dict(values["privacy"] or {})
    return values


def _brief(texts: dict[str, str] | None) -> str:
    return "; ".join(f"{code}: {text[:100]}" for code, text in (texts or {}).items())


def update_settings(
    db: Session,
    event: Event,
    *,
    actor: User,
    details: SettingsDetails,
    expected_version: int,
) -> dict[str, list[Any]]:
    """Save the settings; returns what changed ({}: nothing). Raises events.StaleEdit (its
    `current` is the saved settings) when someone saved since the form was opened. Privacy
    statements in languages the event no longer uses are kept."""
    settings = registration.settings_of(db, event)
    db.refresh(settings, with_for_update=True)
    if settings.version != expected_version:
        raise events.StaleEdit(settings)
    changes: dict[str, list[Any]] = {}
    if details.capacity != settings.capacity:
        changes["capacity"] = [settings.capacity, details.capacity]
        # Bumps the version, logs the change and promotes the waiting list.
        registration.set_capacity(db, event, actor=actor, capacity=details.capacity)
    before = _logged(settings)
    languages = event.language_list
    kept = {code: text for code, text in (settings.privacy or {}).items() if code not in languages}
    written = {code: text for code, text in details.privacy.items() if code in languages and text}
    settings.is_enabled = details.is_enabled
    settings.opens_at = details.opens_at
    settings.closes_at = details.closes_at
    settings.has_waitlist = details.has_waitlist
    settings.mode = details.mode
    settings.group_max = details.group_max
    settings.privacy = {**written, **kept}
    settings.participant_list = details.participant_list
    settings.retention_days = details.retention_days
    other = activity.diff(before, _logged(settings))
    if "privacy" in other:  # the statements may be long: the log keeps their beginning
        other["privacy"] = [_brief(before["privacy"]), _brief(settings.privacy)]
    if other:
        if "capacity" not in changes:
            settings.version += 1
        activity.record(
            db,
            actor=actor,
            action="registration.settings",
            event_id=event.id,
            obj=settings,
            changes=other,
        )
        events.touch(event)
        changes.update(other)
    db.flush()
    return changes
