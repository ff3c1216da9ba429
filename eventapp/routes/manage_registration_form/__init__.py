"""Organisers' pages for how an event's registration works: its settings, the custom questions
of its form (with a preview of them as attendees see them), and the invitations of an
invitation-only event.

Who may do what (checked on every request by `event_for`):

    page                                   owner  organiser  registrar/rapporteur/viewer  non-member
    settings, form builder, invitations    yes    yes        403                          404

(Registrars see the counts on the registrations list; the settings are the organisers'.)
A question or invitation of another event answers 404. Every form is a plain POST first (303 on
success; 422 or 409 re-rendering with the reasons beside the fields); htmx then enhances it:
the settings form answers HX-Redirect like the event form, and the questions and invitations
pages swap their panel in place.

    common.py        access, notices and reading posted forms, shared by the pages
    settings.py      the settings page and its form
    form_builder.py  the questions: add, edit in place, reorder, delete, preview
    invitations.py   shared codes, personal invitations, revoking
"""

from fastapi import APIRouter

from eventapp.routes.manage_registration_form import form_builder, invitations, settings

router = APIRouter(prefix="/manage")
for module in (settings, form_builder, invitations):
    router.include_router(module.router)
