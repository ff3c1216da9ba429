"""The activity log: who changed what, when, with a before/after summary of the fields."""

from typing import Any

from sqlmodel import Session

from eventapp.models import ActivityLog, User


def record(
    db: Session,
    *,
    actor: User | None,
    action: str,
    event_id: int | None = None,
    obj: Any = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
) -> ActivityLog:
    entry = ActivityLog(
        event_id=event_id,
        user_id=actor.id if actor else None,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        summary=summary[:300],
        changes=changes or {},
    )
    db.add(entry)
    return entry


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed, as JSON-safe strings."""
    return {
        field: [_plain(before.get(field)), _plain(value)]
        for field, value in after.items()
        if before.get(field) != value
    }


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    return {field: getattr(obj, field) for field in fields}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
