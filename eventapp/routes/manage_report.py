"""The organisers' page for session notes and the outcome report: the parts a rapporteur's note
has, whether each co-host approves before publication (and who approves for which), the
report's foreword and conclusions with a preview, and links to the public report.

Owners and organisers only. A plain POST answers 303 on success, 422 with the reasons beside the
fields, or 409 with the saved values beside the ones sent (the settings share the event row's
version with the event form).
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.datastructures import FormData

from eventapp import notes, report_settings
from eventapp.events import StaleEdit
from eventapp.forms import Submitted, int_or_none, see_other
from eventapp.i18n import gettext as _
from eventapp.markdown import render_markdown
from eventapp.models import NOTE_SECTIONS, Event, Role
from eventapp.routes import manage_events
from eventapp.routes.access import EDITORS, CurrentUser, Db, RowId, event_for
from eventapp.routes.manage_agenda.item_form import incomplete_message
from eventapp.templating import path_for, render

router = APIRouter(prefix="/manage")

TEXTS = ("report_foreword", "report_conclusions")


def field_labels() -> dict[str, str]:
    labels = manage_events.field_labels()
    return {name: labels[name] for name in report_settings.FIELDS}


def _values(settings: report_settings.ReportSettings) -> dict[str, Any]:
    return {
        "note_sections": list(settings.note_sections),
        "needs_cohost_approval": settings.needs_cohost_approval,
        "report_foreword": settings.report_foreword,
        "report_conclusions": settings.report_conclusions,
    }


def _posted(form: FormData) -> report_settings.ReportSettings:
    chosen = {str(value) for value in form.getlist("note_sections")}
    return report_settings.ReportSettings(
        note_sections=[name for name in NOTE_SECTIONS if name in chosen],
        needs_cohost_approval=form.get("needs_cohost_approval") == "on",
        report_foreword=str(form.get("report_foreword") or "").replace("\x00", ""),
        report_conclusions=str(form.get("report_conclusions") or "").replace("\x00", ""),
    )


def _differences(saved: Event, yours: dict[str, Any]) -> list[dict[str, Any]]:
    """The settings where the saved event differs from what this person sent, in words."""
    labels = notes.section_labels()
    theirs = _values(report_settings.settings_of(saved))
    rows = []
    for name, their_value in theirs.items():
        your_value = yours[name]
        if name in TEXTS:
            same = their_value.strip() == your_value.replace("\r\n", "\n").strip()
        else:
            same = their_value == your_value
        if same:
            continue
        if name == "note_sections":
            their_value = ", ".join(labels.get(n, n) for n in their_value)
            your_value = ", ".join(labels.get(n, n) for n in your_value)
        elif name == "needs_cohost_approval":
            their_value = _("Yes") if their_value else _("No")
            your_value = _("Yes") if your_value else _("No")
        rows.append({"field": name, "theirs": their_value, "yours": your_value})
    return rows


def _problem(error: report_settings.SettingsError) -> str:
    if isinstance(error, report_settings.NoSections):
        return _("Choose at least one part.")
    most = f"{report_settings.TEXT_MAX:,}"
    return _("This text is too long: at most %(most)s characters.", most=most)


def _page(
    request: Request,
    db: Db,
    event: Event,
    role: Role,
    values: dict[str, Any],
    *,
    version: int | None,
    errors: dict[str, str] | None = None,
    theirs: list[dict[str, Any]] | None = None,
    previews: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    reviewers = report_settings.reviewers_by_cohost(db, event)
    context = {
        "event": event,
        "role": role,
        "values": values,
        "version": version,
        "errors": errors or {},
        "theirs": theirs,
        "previews": previews,
        "field_labels": field_labels(),
        "section_labels": notes.section_labels(),
        "sections": NOTE_SECTIONS,
        "reviewers": reviewers,
        "without_reviewer": [host.name for host, members in reviewers if not members],
        "has_published": notes.has_published(db, event),
        "message": _("The settings were saved.")
        if request.query_params.get("done") == "saved" and status_code == 200
        else "",
    }
    return render(request, "manage/report_settings.html", context, status_code=status_code)


@router.get("/events/{event_id}/report", name="show_report_settings")
def show_report_settings(request: Request, event_id: RowId, db: Db, user: CurrentUser):
    event, role = event_for(db, user, event_id, EDITORS)
    values = _values(report_settings.settings_of(event))
    return _page(request, db, event, role, values, version=event.version)


@router.post("/events/{event_id}/report", name="save_report_settings")
def save_report_settings(
    request: Request, event_id: RowId, db: Db, user: CurrentUser, form: Submitted
):
    event, role = event_for(db, user, event_id, EDITORS)
    settings = _posted(form)
    values = _values(settings)
    version = int_or_none(form.get("version"))
    if version is None:
        errors = {"__all__": incomplete_message()}
        return _page(request, db, event, role, values, version=None, errors=errors, status_code=422)
    if form.get("preview") == "1":
        previews = {name: Markup(render_markdown(values[name])) for name in TEXTS}  # noqa: S704
        return _page(request, db, event, role, values, version=version, previews=previews)
    try:
        changes = report_settings.save(
            db, event, actor=user, settings=settings, expected_version=version
        )
    except StaleEdit as stale:
        db.rollback()
        theirs = _differences(stale.current, values)
        return _page(
            request, db, event, role, values, version=stale.current.version, theirs=theirs,
            status_code=409,
        )  # fmt: skip
    except report_settings.SettingsError as error:
        db.rollback()
        errors = {error.field: _problem(error)}
        return _page(
            request, db, event, role, values, version=version, errors=errors, status_code=422
        )
    db.commit()
    done = "saved" if changes else "unchanged"
    path = path_for(request, "show_report_settings", event_id=event.id)
    return see_other(request, f"{path}?done={done}")
