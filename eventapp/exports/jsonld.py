"""schema.org Event as JSON-LD, for search engines and calendar tools reading the event page."""

from typing import Any
from zoneinfo import ZoneInfo

from eventapp.models import Event, EventStatus, Organisation

STATUS = {
    EventStatus.PUBLISHED: "https://schema.org/EventScheduled",
    EventStatus.CANCELLED: "https://schema.org/EventCancelled",
    EventStatus.DRAFT: "https://schema.org/EventScheduled",
}


def event_jsonld(event: Event, hosts: list[Organisation], *, url: str) -> dict[str, Any]:
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
        "organizer": [
            {
                "@type": "Organization",
                "name": host.name,
                **({"url": host.website} if host.website else {}),
            }
            for host in hosts
        ],
    }
    if event.venue_name or event.venue_address:
        data["location"] = {
            "@type": "Place",
            "name": event.venue_name or event.venue_address,
            "address": {"@type": "PostalAddress", "streetAddress": event.venue_address},
        }
    return data
