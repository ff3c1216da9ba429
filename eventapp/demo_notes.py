"""The demo's rapporteurs' notes: the seminar's published session summaries and outcome report,
and the forum's notes at every step of review (see eventapp/notes.py for the steps).

The seminar summaries say only what the seminar article reports, in the rapporteur's words:
nobody is quoted, and the recommendations and action items are the co-hosts', not any
person's. The forum's notes are placeholders like its programme. Everything goes through the
rules, so revisions, approvals and statuses are real; the seminar's are then dated to the days
after it, and the mail the steps queued for the demo team is dropped. An event that has a note
already is left as it is, so loading twice changes nothing.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, or_, select
from sqlmodel import Session

from eventapp import notes
from eventapp.models import (
    ActivityLog,
    AgendaItem,
    Event,
    MailMessage,
    Membership,
    Note,
    NoteApproval,
    NoteStatus,
    RapporteurAssignment,
    Role,
    User,
)

S = NoteStatus


@dataclass(frozen=True)
class Written:
    """A note's text: summary paragraphs, key points and recommendations (a bullet each), and
    action items as (what, who, days after the event's first day)."""

    summary: tuple[str, ...]
    key_points: tuple[str, ...] = ()
    recommendations: tuple[str, ...] = ()
    actions: tuple[tuple[str, str, int], ...] = ()

    def sections(self) -> dict[str, str]:
        return {
            "summary": "\n\n".join(self.summary),
            "key_points": "\n".join(f"- {point}" for point in self.key_points),
            "recommendations": "\n".join(f"- {point}" for point in self.recommendations),
            "quotes": "",
        }

    def action_items(self, first_day: date) -> list[dict[str, str]]:
        return [
            {"what": what, "who": who, "by": (first_day + timedelta(days=days)).isoformat()}
            for what, who, days in self.actions
        ]


@dataclass(frozen=True)
class Planned:
    """How far a note has come: `status` as reached through the rules; `comment` is the
    reviewer's when changes were requested; `newer` a draft written over the published text."""

    title: str
    status: NoteStatus
    text: Written
    comment: str = ""
    newer: Written | None = None


@dataclass(frozen=True)
class Desk:
    owner: User  # speaks for the Ministry, the first co-host
    organiser: User  # speaks for the EU Delegation, the second
    rapporteur: User


CO_HOSTS = "MFA Thailand and EU Delegation"

SEMINAR_FOREWORD = "\n\n".join(
    [
        "On 8 August 2025 the Ministry of Foreign Affairs of Thailand and the Delegation of the "
        "European Union to Thailand co-hosted a seminar on combating online scams at the Ministry "
        "in Bangkok, within the EU's project *Enhancing the EU's Security Cooperation in and with "
        "Asia and the Indo-Pacific* (ESIWA+).",
        "H.E. Mr. Russ Jalichandra, Vice Minister for Foreign Affairs, opened the seminar with "
        "H.E. Mr. David Daly, Ambassador of the European Union to Thailand, and Professor Wisit "
        "Wisitsora-at, Permanent Secretary of the Ministry of Digital Economy and Society. "
        "Experts from Thailand and the European Union then exchanged views on online scams "
        "linked to other transnational crimes, on strengthening legal and operational "
        "frameworks, and on building public–private partnerships.",
        "This report brings together the rapporteur's summary of each session, approved by both "
        "co-hosts, with the recommendations and action items that came out of them.",
    ]
)

SEMINAR_CONCLUSIONS = "\n\n".join(
    [
        "The seminar showed a shared commitment of Thailand and the European Union to safeguard "
        "digital societies and prevent online scams. Three directions stand out for the "
        "follow-up:",
        "- enhanced cooperation on policy and practice to address online scams;\n"
        "- more sharing of best practices and expertise between EU Member States and Thai "
        "authorities;\n"
        "- stronger partnerships with civil society, the private sector, telecom providers and "
        "digital platforms.",
        "The co-hosts will take these forward together, among others at an EU–Southeast Asia "
        "Digital Diplomacy Forum.",
    ]
)

# The substantive sessions, by their English titles in demo.SEMINAR_PROGRAMME.
SEMINAR_NOTES = [
    Planned(
        "Opening remarks by the Vice Minister for Foreign Affairs",
        S.PUBLISHED,
        Written(
            summary=(
                "H.E. Mr. Russ Jalichandra, Vice Minister for Foreign Affairs, opened the seminar, "
                "co-hosted by the Ministry of Foreign Affairs and the Delegation of the European "
                "Union to Thailand within the EU's ESIWA+ project.",
                "In summary, the Vice Minister described cybercrime as a threat to the way "
                "societies live, not only an economic issue, and called on the partners to work "
                "together to safeguard digital societies and prevent scams.",
            ),
            key_points=(
                "Cybercrime threatens society as a whole, not only the economy.",
                "Safeguarding digital societies and preventing scams needs Thailand and the EU "
                "to work together.",
                "The seminar is part of the EU's security cooperation in and with Asia and the "
                "Indo-Pacific (ESIWA+).",
            ),
            recommendations=(
                "Treat online scams as a shared priority of Thailand–EU cooperation, beyond "
                "their economic cost.",
            ),
            actions=(("Send the outcome report to the participants", CO_HOSTS, 45),),
        ),
    ),
    Planned(
        "Remarks by the Ambassador of the European Union to Thailand",
        S.PUBLISHED,
        Written(
            summary=(
                "H.E. Mr. David Daly, Ambassador of the European Union to Thailand, addressed "
                "the seminar. In summary, he presented online scams as a matter of economic "
                "security as well as of cybercrime, and called for stronger partnerships and "
                "the sharing of best practices to tackle online scams effectively.",
            ),
            key_points=(
                "Online scams are a question of economic security.",
                "Partnerships between Thailand and the EU should be strengthened.",
                "Sharing best practices is key to tackling online scams effectively.",
            ),
            recommendations=(
                "Share best practices between EU Member States and Thai authorities regularly.",
            ),
            actions=(
                (
                    "Propose topics for an exchange of best practices between EU Member States "
                    "and Thai authorities",
                    "EU Delegation (ESIWA+)",
                    84,
                ),
            ),
        ),
    ),
    Planned(
        "Keynote: Thailand's national and regional role in tackling online scams",
        S.PUBLISHED,
        Written(
            summary=(
                "Professor Wisit Wisitsora-at, Permanent Secretary of the Ministry of Digital "
                "Economy and Society, highlighted Thailand's leading role at the national and "
                "regional level in tackling online scams: a government priority, and one that "
                "has earned recognition from international organisations.",
            ),
            key_points=(
                "Tackling online scams is a priority of the Thai government.",
                "Thailand plays a leading role against online scams nationally and in the region.",
                "International organisations have recognised Thailand's efforts.",
            ),
            recommendations=(
                "Build the cooperation with the EU on Thailand's national and regional experience.",
            ),
            actions=(
                (
                    "Invite the Ministry of Digital Economy and Society to present Thailand's "
                    "national measures at the follow-up forum",
                    "Co-hosts",
                    120,
                ),
            ),
        ),
    ),
    Planned(
        "Session 1: Online scams linked to other transnational crimes",
        S.PUBLISHED,
        Written(
            summary=(
                "Experts from Thailand and the European Union exchanged views on online scams "
                "linked to other transnational crimes, such as identity theft and money "
                "laundering, and on what cooperation between Thai and European authorities can "
                "do against them.",
            ),
            key_points=(
                "Online scams seldom stand alone: identity theft, money laundering and other "
                "transnational crimes go with them.",
                "Crimes that cross borders call for cooperation across borders.",
            ),
            recommendations=(
                "Exchange information on scam networks and the crimes linked to them between "
                "Thai and EU authorities, through the channels that exist.",
            ),
            actions=(
                (
                    "List the channels Thai and EU authorities have to exchange information on "
                    "online scams",
                    CO_HOSTS,
                    114,
                ),
            ),
        ),
    ),
    Planned(
        "Session 2: Strengthening legal and operational frameworks",
        S.PUBLISHED,
        Written(
            summary=(
                "Experts exchanged views on strengthening the legal and operational frameworks "
                "against online scams: the laws that apply, evidence that crosses borders, and "
                "the arrangements that let authorities act.",
            ),
            key_points=(
                "Legal frameworks and operational arrangements need strengthening together.",
                "Online scams cross borders, and so must evidence and requests for assistance.",
            ),
            recommendations=(
                "Continue the exchange between Thai and EU experts on legal and operational "
                "frameworks.",
            ),
            actions=(
                (
                    "Propose a follow-up meeting of experts on legal and operational frameworks",
                    "EU Delegation (ESIWA+) and MFA Thailand",
                    180,
                ),
            ),
        ),
    ),
    Planned(
        "Session 3: Building public–private partnerships",
        S.PUBLISHED,
        Written(
            summary=(
                "Experts exchanged views on building public–private partnerships against online "
                "scams with civil society, the private sector, telecom providers and digital "
                "platforms.",
            ),
            key_points=(
                "Preventing scams needs civil society, the private sector, telecom providers and "
                "digital platforms as well as governments.",
                "Partnerships with them are to be strengthened.",
            ),
            recommendations=(
                "Involve civil society, the private sector, telecom providers and digital "
                "platforms in the follow-up to the seminar.",
            ),
            actions=(
                (
                    "Invite civil society, private sector, telecom and platform representatives "
                    "to the follow-up forum",
                    "Co-hosts",
                    180,
                ),
            ),
        ),
    ),
    Planned(
        "Enhancing Thailand–EU cooperation on policy and practice",
        S.PUBLISHED,
        Written(
            summary=(
                "Mrs. Krongkanit Rakcharoen, Director-General of the Department of European "
                "Affairs, underscored the importance of enhancing Thailand–EU cooperation on "
                "policy and practices to better address online scams. In summary, she set the "
                "aim as a digital future in which citizens can trust technology.",
            ),
            key_points=(
                "Cooperation is needed on policy and on practice alike.",
                "The shared aim is a digital future in which citizens can trust technology.",
            ),
            recommendations=(
                "Enhance cooperation on policy and practices to address online scams.",
                "Increase the sharing of best practices and expertise between EU Member States "
                "and Thai authorities.",
                "Strengthen partnerships with civil society, the private sector, telecom "
                "providers and digital platforms.",
            ),
            actions=(
                (
                    "Agree on the follow-up to the seminar, including an EU–Southeast Asia "
                    "Digital Diplomacy Forum",
                    CO_HOSTS,
                    180,
                ),
            ),
        ),
    ),
]

# The forum: placeholder text at each step of review, by English titles in demo.FORUM_PROGRAMME.
FORUM_NOT_STARTED = "Keynote: Digital diplomacy after the Bangkok seminar"
FORUM_NOTES = [
    Planned(
        "Opening remarks by the co-hosts",
        S.PUBLISHED,
        Written(
            summary=(
                "The co-hosts opened the forum by recalling the three themes of the seminar on "
                "combating online scams, and set its aim: cooperation on cybersecurity, "
                "information sharing and capacity building.",
            ),
            key_points=("The forum follows up the seminar on combating online scams.",),
        ),
    ),
    Planned(
        "Panel: Cyber diplomacy in practice",
        S.PUBLISHED,
        Written(
            summary=(
                "The panel compared how foreign ministries and delegations handle cyber "
                "questions day to day.",
            ),
            key_points=("Points of contact matter more than structures.",),
            recommendations=("Keep a shared list of points of contact up to date.",),
        ),
        newer=Written(
            summary=(
                "The panel compared how foreign ministries and delegations handle cyber "
                "questions day to day, and how requests travel between capitals.",
            ),
            key_points=(
                "Points of contact matter more than structures.",
                "Regional bodies help when many capitals are involved.",
            ),
            recommendations=("Keep a shared list of points of contact up to date.",),
            actions=(("Circulate the list of points of contact", "Co-hosts", 30),),
        ),
    ),
    Planned(
        "Workshop: Sharing threat intelligence between CERTs",
        S.APPROVED,
        Written(
            summary=(
                "Participants walked through an invented incident, from the first alert to "
                "the indicators two national CERTs would share.",
            ),
            recommendations=("Agree on a common format for sharing indicators.",),
            actions=(("Circulate a draft template for sharing indicators", "Workshop hosts", 60),),
        ),
    ),
    Planned(
        "Workshop: Capacity building for ASEAN member states",
        S.CHANGES_REQUESTED,
        Written(
            summary=("Participants listed training needs and the courses already on offer.",),
            key_points=("Many needs are shared across the region.",),
        ),
        comment="Please add the recommendations the workshop agreed on, and who follows up each.",
    ),
    Planned(
        "Panel: Protecting citizens from online fraud",
        S.SUBMITTED,
        Written(
            summary=(
                "The panel discussed warning the public in time and helping victims to report "
                "fraud.",
            ),
            recommendations=("Make reporting online fraud simpler for victims.",),
        ),
    ),
    Planned(
        "Round table: Telecom providers and digital platforms",
        S.DRAFT,
        Written(summary=("First notes: blocking scam calls and messages, reporting channels.",)),
    ),
]


def load(db: Session, seminar: Event, forum: Event, team: list[tuple[User, Role]]) -> None:
    by_role = {role: user for user, role in team}
    desk = Desk(by_role[Role.OWNER], by_role[Role.ORGANISER], by_role[Role.RAPPORTEUR])
    written = []
    if not _has_notes(db, seminar):
        seminar.report_foreword = SEMINAR_FOREWORD
        seminar.report_conclusions = SEMINAR_CONCLUSIONS
        _write_up(db, seminar, desk, SEMINAR_NOTES)
        _as_history(db, seminar)
        written.append(seminar)
    if not _has_notes(db, forum):
        _write_up(db, forum, desk, FORUM_NOTES)
        notes.assign(
            db, forum, _items(db, forum)[FORUM_NOT_STARTED], desk.rapporteur, actor=desk.owner
        )
        written.append(forum)
    # The team heard of each step as it was taken, long ago; nobody reads example.org.
    db.execute(
        delete(MailMessage).where(
            MailMessage.event_id.in_([event.id for event in written]),
            MailMessage.to_address.in_([user.email for user, _role in team]),
        )
    )


def _has_notes(db: Session, event: Event) -> bool:
    return db.scalar(select(Note.id).where(Note.event_id == event.id).limit(1)) is not None


def _items(db: Session, event: Event) -> dict[str, AgendaItem]:
    found = db.scalars(select(AgendaItem).where(AgendaItem.event_id == event.id))
    return {item.titles["en"]: item for item in found}


def _write_up(db: Session, event: Event, desk: Desk, planned: list[Planned]) -> None:
    """Both co-hosts approve each note, so the event asks for one approval from each."""
    event.needs_cohost_approval = True
    _speak_for_cohosts(db, event, desk)
    items = _items(db, event)
    for plan in planned:
        item = items[plan.title]
        notes.assign(db, event, item, desk.rapporteur, actor=desk.owner)
        note = _written(db, event, notes.note_for(db, event, item), plan.text, desk.rapporteur)
        _reviewed(db, event, note, plan, desk)
        if plan.newer is not None:
            _written(db, event, note, plan.newer, desk.rapporteur)


def _speak_for_cohosts(db: Session, event: Event, desk: Desk) -> None:
    ministry, delegation = notes.cohosts_of(db, event)
    for user, host in ((desk.owner, ministry), (desk.organiser, delegation)):
        membership = db.scalar(
            select(Membership).where(Membership.event_id == event.id, Membership.user_id == user.id)
        )
        membership.organisation_id = host.id
    db.flush()


def _written(db: Session, event: Event, note: Note, text: Written, author: User) -> Note:
    first_day = event.starts_at.astimezone(ZoneInfo(event.timezone)).date()
    return notes.save(
        db,
        event,
        note,
        actor=author,
        sections=text.sections(),
        action_items=text.action_items(first_day),
        expected_version=note.version,
    )


def _reviewed(db: Session, event: Event, note: Note, plan: Planned, desk: Desk) -> None:
    """Take the note from draft to `plan.status`: the Ministry approves first, the EU
    Delegation second (a submitted note has the Ministry's approval only)."""
    if plan.status == S.DRAFT:
        return
    notes.submit(db, event, note, actor=desk.rapporteur)
    if plan.status == S.CHANGES_REQUESTED:
        notes.request_changes(db, event, note, actor=desk.organiser, comment=plan.comment)
        return
    notes.approve(db, event, note, actor=desk.owner)
    if plan.status == S.SUBMITTED:
        return
    notes.approve(db, event, note, actor=desk.organiser)
    if plan.status == S.PUBLISHED:
        notes.publish(db, event, note, actor=desk.owner)


def _as_history(db: Session, event: Event) -> None:
    """The rules stamp each row now: date the seminar's notes as the rapporteur wrote them, on
    the evening of the seminar, and as the co-hosts reviewed them, the week after."""
    found = db.scalars(
        select(Note).where(Note.event_id == event.id).order_by(Note.agenda_item_id)
    ).all()
    for n, note in enumerate(found):
        written = event.ends_at + timedelta(minutes=30 + 25 * n)
        reviewed = event.ends_at + timedelta(days=6, minutes=10 * n)
        _dated(
            db,
            note,
            {
                "note.assign": event.starts_at - timedelta(days=7),
                "note.save": written,
                "note.submit": written,
                "note.approve": reviewed,
                "note.publish": reviewed,
            },
        )


def _dated(db: Session, note: Note, when: dict[str, datetime]) -> None:
    """Each row the note's steps made, dated `when[action]`."""
    assignments = db.scalars(
        select(RapporteurAssignment).where(
            RapporteurAssignment.agenda_item_id == note.agenda_item_id
        )
    ).all()
    for assignment in assignments:
        assignment.created_at = when["note.assign"]
    for revision in notes.revisions(db, note):
        revision.created_at = when["note.save"]
    for approval in db.scalars(select(NoteApproval).where(NoteApproval.note_id == note.id)):
        approval.created_at = when["note.approve"]
    entries = db.scalars(
        select(ActivityLog).where(
            or_(
                and_(ActivityLog.object_type == "Note", ActivityLog.object_id == note.id),
                and_(
                    ActivityLog.object_type == "RapporteurAssignment",
                    ActivityLog.object_id.in_([a.id for a in assignments]),
                ),
            )
        )
    )
    for entry in entries:
        entry.created_at = when[entry.action]
    note.created_at = when["note.save"]
    note.updated_at = note.published_at = when["note.publish"]
