"""schema.org Event as JSON-LD, for search engines and calendar tools reading the event page.

The page embeds it with Jinja's `tojson`, which escapes <, > and & so no title can close the
<script> element.
"""

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from eventapp.models import Event, EventStatus, Organisation, Upload

STATUS = {
    EventStatus.PUBLISHED: "https://schema.org/EventScheduled",
    EventStatus.CANCELLED: "https://schema.org/EventCancelled",
    EventStatus.DRAFT: "https://schema.org/EventScheduled",
}


def event_jsonld(
    event: Event,
    hosts: list[tuple[Organisation, Upload | None]],
    *,
    url: str,
    media_url: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """Dates carry the event's UTC offset (2025-08-08T09:00:00+07:00); each co-host is an
    organizer, in the co-hosts' order."""
    zone = ZoneInfo(event.timezone)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": url,
        "startDate": event.starts_at.astimezone(zone).isoformat(),
        "endDate": event.ends_at.astimezone(zone).isoformat(),
        "eventStatus": STATUS[EventStatus(event.status)],
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "inLanguage": event.language_list,
        "organizer": [_organisation(host, logo, media_url) for host, logo in hosts],
    }
    if event.venue_name or event.venue_address:
        data["location"] = {
            "@type": "Place",
            "name": event.venue_name or event.venue_address,
            "address": {"@type": "PostalAddress", "streetAddress": event.venue_address},
        }
    return data


def _organisation(
    host: Organisation, logo: Upload | None, media_url: Callable[[str], str] | None
) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "Organization", "name": host.name}
    if host.short_name:
        data["alternateName"] = host.short_name
    if host.website:
        data["url"] = host.website
    if logo is not None and media_url is not None:
        data["logo"] = media_url(logo.key)
    return data
