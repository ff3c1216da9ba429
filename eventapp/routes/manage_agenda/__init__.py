"""Organisers' agenda editor: rooms, the programme one day at a time, its items, and releases.

Who may do what (checked on every request by `event_for`):

    page                                   owner  organiser  registrar/rapporteur/viewer  non-member
    editor, items, rooms, release          yes    yes        403                          404

Everything here edits the draft; the public agenda changes only when someone releases it.
Every form is a plain POST first (303 on success, 422 or 409 re-rendering the page with the
reasons beside the fields). htmx then enhances it: the editor's forms swap the day's block
(`agenda_day`) and the rooms page's forms its `rooms` block, so an edit shows at once; the
item and release forms answer HX-Redirect like the event form.

    item_form.py   reading the item form; times, labels and messages the pages share
    editor.py      the day page; add, edit, duplicate, move, shift, delete items
    rooms.py       rooms: add, rename, reorder, delete
    releases.py    the release page and form
"""

from fastapi import APIRouter

from eventapp.routes.manage_agenda import editor, releases, rooms

router = APIRouter(prefix="/manage")
for module in (editor, rooms, releases):
    router.include_router(module.router)
