"""Mail: written to the outbox in the caller's transaction, sent later by `eventapp worker`.

Templates live in `templates/mail/<name>.txt` and `<name>.html`; the subject is the `subject`
block of the text template. Both are rendered in the recipient's language.
"""

import secrets
from typing import Any

from sqlmodel import Session

from eventapp import i18n
from eventapp.config import get_settings
from eventapp.models import MailMessage


def queue(
    db: Session,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str | None = None,
    event_id: int | None = None,
) -> MailMessage:
    """Render `template` for one recipient and add it to the outbox (no commit: the caller's
    change and its mail land together or not at all)."""
    from eventapp.templating import environment

    context = {"base_url": get_settings().base_url, **context}
    with i18n.language(language or i18n.DEFAULT_LANGUAGE):
        text_template = environment.get_template(f"mail/{template}.txt")
        subject = "".join(text_template.blocks["subject"](text_template.new_context(context)))
        body_text = text_template.render(context)
        body_html = environment.get_template(f"mail/{template}.html").render(context)
    host = get_settings().base_host.split(":")[0] or "localhost"
    message = MailMessage(
        message_id=f"<{secrets.token_hex(16)}@{host}>",
        event_id=event_id,
        to_address=to,
        subject=" ".join(subject.split())[:300],
        body_text=body_text,
        body_html=body_html,
    )
    db.add(message)
    db.flush()
    return message
