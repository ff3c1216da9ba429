"""What the registration pages share: access, notices, reading posted forms."""

from typing import Any

from sqlalchemy import select
from starlette.datastructures import FormData

from eventapp.forms import form_values
from eventapp.i18n import gettext as _
from eventapp.i18n import language_name
from eventapp.models import Event, RegistrationSettings, Role, User
from eventapp.routes.access import EDITORS, Db, event_for


def incomplete_message() -> str:
    return _("The form was incomplete. Reload the page and try again.")


def done_message(done: str | None) -> str:
    messages = {
        "saved": _("Changes saved."),
        "unchanged": _("Nothing was changed."),
        "question-added": _("Question added to the form."),
        "question-saved": _("Question saved."),
        "question-deleted": _("Question deleted."),
        "question-moved": _("Order of the questions saved."),
        "code-created": _("Invitation code created."),
        "invited": _("Invitations queued: the mails with their links go out shortly."),
        "revoked": _("The invitation no longer works."),
    }
    return messages.get(done or "", "")


def editor_event(db: Db, user: User, event_id: int) -> tuple[Event, Role]:
    return event_for(db, user, event_id, EDITORS)


def current_settings(db: Db, event: Event) -> RegistrationSettings:
    """The saved settings, or the defaults a first save starts from (a GET writes nothing;
    registration.settings_of makes the row on the first save)."""
    found = db.scalar(select(RegistrationSettings).where(RegistrationSettings.event_id == event.id))
    return found if found is not None else RegistrationSettings(event_id=event.id)


def posted(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """(the form's text values, errors of those holding a NUL, which PostgreSQL cannot store)."""
    values = {k: v for k, v in form_values(form).items() if k != "csrf_token"}
    errors = {
        name: _("This field contains a character that is not allowed.")
        for name, value in values.items()
        if "\x00" in value
    }
    return values, errors


def languages_of(event: Event) -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in event.language_list or ["en"]]


def whole_number(
    text: str, *, low: int, high: int, blank_ok: bool, message: str
) -> tuple[int | None, str]:
    text = text.strip()
    if not text:
        return None, "" if blank_ok else _("This field is required.")
    try:
        number = int(text)
    except ValueError:
        return None, message
    return (number, "") if low <= number <= high else (None, message)
