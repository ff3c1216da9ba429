"""The demo: the EU–Thailand seminar on combating online scams (8 August 2025) and an upcoming
EU–Southeast Asia digital diplomacy forum, with a team to log in as (their rapporteurs' notes
are in demo_notes.py).

Built from the seminar article (shared seed). Real people appear only with what the article
says of them; nobody is quoted. Loading twice changes nothing: every row is found by a natural
key before it is made.
"""

import io
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw
from sqlalchemy import delete, select
from sqlmodel import Session

from eventapp import agenda, auth, demo_notes, people, questions, registration, uploads
from eventapp.models import (
    AgendaItem,
    Appearance,
    AppearanceRole,
    AppearanceStatus,
    CheckIn,
    Event,
    EventHost,
    EventStatus,
    ItemKind,
    MailMessage,
    Membership,
    Organisation,
    ParticipantList,
    Person,
    Question,
    QuestionKind,
    Registration,
    RegistrationMode,
    RegistrationStatus,
    Role,
    Team,
    User,
    Visibility,
)

BANGKOK = "Asia/Bangkok"
SEMINAR_SLUG = "eu-thailand-online-scams-2025"
FORUM_SLUG = "eu-sea-digital-diplomacy-forum"
DEMO_TEAM = "Department of European Affairs, Ministry of Foreign Affairs"
DEMO_PASSWORD = "seminar-demo-2025"  # noqa: S105  (printed by `eventapp demo`)

TEAM = [
    ("owner@mfa.example.org", "Demo Owner (MFA)", Role.OWNER),
    ("organiser@eu-delegation.example.org", "Demo Organiser (EU Delegation)", Role.ORGANISER),
    ("registrar@mfa.example.org", "Demo Registrar", Role.REGISTRAR),
    ("rapporteur@eu-delegation.example.org", "Demo Rapporteur", Role.RAPPORTEUR),
]
ADMIN = ("admin@example.org", "Demo Administrator")

HOSTS = [
    {
        "name": "Ministry of Foreign Affairs of the Kingdom of Thailand",
        "short_name": "MFA Thailand",
        "website": "https://www.mfa.go.th/",
        "mark": ("MFA", (24, 54, 112)),
    },
    {
        "name": "Delegation of the European Union to Thailand",
        "short_name": "EU Delegation",
        "website": "https://www.eeas.europa.eu/delegations/thailand_en",
        "mark": ("EU", (0, 51, 153)),
    },
]


def _paragraphs(*blocks: str) -> str:
    """Markdown as an organiser would type it: one line per paragraph or list item."""
    return "\n\n".join(" ".join(block.split()) for block in blocks) + "\n"


SEMINAR_DESCRIPTION = _paragraphs(
    """A one-day seminar co-hosted by the Ministry of Foreign Affairs of Thailand and the
    Delegation of the European Union to Thailand, within the EU's project *Enhancing the EU's
    Security Cooperation in and with Asia and the Indo-Pacific* (ESIWA+).""",
    "Experts from Thailand and the European Union exchange views on:",
    "- combating online scams linked to other transnational crimes;",
    "- strengthening legal and operational frameworks;",
    """- building public–private partnerships with civil society, the private sector, telecom
    providers and digital platforms.""",
    """The day opens with remarks by H.E. Mr. Russ Jalichandra, Vice Minister for Foreign
    Affairs, and H.E. Mr. David Daly, Ambassador of the European Union to Thailand, with
    Professor Wisit Wisitsora-at, Permanent Secretary of the Ministry of Digital Economy and
    Society.""",
).replace(";\n\n- ", ";\n- ")

FORUM_DESCRIPTION = _paragraphs(
    """The EU–Southeast Asia Digital Diplomacy Forum follows the EU–Thailand seminar on
    combating online scams. Experts from both regions share knowledge and best practice on
    cybersecurity cooperation, information sharing and capacity building.""",
    "*Demonstration event: the programme and speakers are placeholders.*",
)


K = ItemKind

# The seminar's programme: what the article reports (the opening by the Vice Minister and the
# EU Ambassador with the Permanent Secretary of MDES, and the three themes it names), in the
# order a seminar of this kind runs. (start, end, kind, English title, Thai title, description)
SEMINAR_PROGRAMME = [
    ("08:30", "09:00", K.OTHER, "Registration", "ลงทะเบียน", ""),
    ("09:00", "09:10", K.WELCOME, "Welcome", "กล่าวต้อนรับ", ""),
    (
        "09:10", "09:30", K.OPENING_REMARKS,
        "Opening remarks by the Vice Minister for Foreign Affairs",
        "กล่าวเปิดการสัมมนา โดยรัฐมนตรีช่วยว่าการกระทรวงการต่างประเทศ",
        "H.E. Mr. Russ Jalichandra, Vice Minister for Foreign Affairs of Thailand.",
    ),
    (
        "09:30", "09:45", K.ADDRESS,
        "Remarks by the Ambassador of the European Union to Thailand",
        "กล่าวถ้อยแถลง โดยเอกอัครราชทูตสหภาพยุโรปประจำประเทศไทย",
        "H.E. Mr. David Daly, Ambassador of the European Union to Thailand.",
    ),
    (
        "09:45", "10:15", K.KEYNOTE,
        "Keynote: Thailand's national and regional role in tackling online scams",
        "ปาฐกถาพิเศษ: บทบาทของประเทศไทยในระดับชาติและระดับภูมิภาคในการรับมือการหลอกลวงออนไลน์",
        "Professor Wisit Wisitsora-at, Permanent Secretary, Ministry of Digital Economy and "
        "Society, on tackling online scams as a government priority.",
    ),
    ("10:15", "10:35", K.BREAK, "Coffee break", "พักรับประทานอาหารว่าง", ""),
    (
        "10:35", "12:00", K.PANEL,
        "Session 1: Online scams linked to other transnational crimes",
        "ช่วงที่ 1: การหลอกลวงออนไลน์ที่เชื่อมโยงกับอาชญากรรมข้ามชาติอื่น ๆ",
        "How scam operations connect with money laundering, identity theft and other "
        "transnational crimes, and what investigators in Thailand and the EU see.",
    ),
    ("12:00", "13:00", K.LUNCH, "Lunch", "พักรับประทานอาหารกลางวัน", ""),
    (
        "13:00", "14:20", K.PANEL,
        "Session 2: Strengthening legal and operational frameworks",
        "ช่วงที่ 2: การเสริมสร้างกรอบกฎหมายและกรอบการปฏิบัติงาน",
        "Laws, cross-border evidence and the operational arrangements that let authorities "
        "act against online scams.",
    ),
    ("14:20", "14:40", K.BREAK, "Coffee break", "พักรับประทานอาหารว่าง", ""),
    (
        "14:40", "16:00", K.PANEL,
        "Session 3: Building public–private partnerships",
        "ช่วงที่ 3: การสร้างความเป็นหุ้นส่วนระหว่างภาครัฐและภาคเอกชน",
        "Working with civil society, the private sector, telecom providers and digital "
        "platforms to prevent scams.",
    ),
    (
        "16:00", "16:40", K.DISCUSSION,
        "Enhancing Thailand–EU cooperation on policy and practice",
        "การยกระดับความร่วมมือไทย–สหภาพยุโรปด้านนโยบายและแนวปฏิบัติ",
        "With Mrs. Krongkanit Rakcharoen, Director-General of the Department of European "
        "Affairs.",
    ),
    ("16:40", "17:00", K.CLOSING_REMARKS, "Closing remarks", "กล่าวปิดการสัมมนา", ""),
]  # fmt: skip

FORUM_ROOMS = ["Grand Ballroom", "Mekong Room", "Chao Phraya Room"]
# One item per entry: day, start, end, room (index in FORUM_ROOMS, "-" for plenary), kind, and
# the English title; the Thai title follows on the next line after "|".
FORUM_PROGRAMME = """
0 09:00 09:15 - welcome         Welcome
    | กล่าวต้อนรับ
0 09:15 09:45 - opening_remarks Opening remarks by the co-hosts
    | กล่าวเปิดการประชุมโดยเจ้าภาพร่วม
0 09:45 10:30 - keynote         Keynote: Digital diplomacy after the Bangkok seminar
    | ปาฐกถาพิเศษ: การทูตดิจิทัลหลังการสัมมนาที่กรุงเทพฯ
0 10:30 11:00 - break           Coffee break
    | พักรับประทานอาหารว่าง
0 11:00 12:30 0 panel           Panel: Cyber diplomacy in practice
    | การอภิปราย: การทูตไซเบอร์ในทางปฏิบัติ
0 11:00 12:30 1 presentation    Workshop: Sharing threat intelligence between CERTs
    | การประชุมเชิงปฏิบัติการ: การแบ่งปันข้อมูลภัยคุกคามระหว่างหน่วยงาน CERT
0 11:00 12:30 2 presentation    Workshop: Capacity building for ASEAN member states
    | การประชุมเชิงปฏิบัติการ: การเสริมสร้างขีดความสามารถสำหรับประเทศสมาชิกอาเซียน
0 12:30 13:30 - lunch           Lunch
    | พักรับประทานอาหารกลางวัน
0 13:30 15:00 0 panel           Panel: Protecting citizens from online fraud
    | การอภิปราย: การคุ้มครองประชาชนจากการฉ้อโกงออนไลน์
0 13:30 15:00 1 discussion      Round table: Telecom providers and digital platforms
    | โต๊ะกลม: ผู้ให้บริการโทรคมนาคมและแพลตฟอร์มดิจิทัล
0 13:30 15:00 2 presentation    Workshop: Cross-border evidence
    | การประชุมเชิงปฏิบัติการ: พยานหลักฐานข้ามพรมแดน
0 15:00 15:30 - break           Coffee break
    | พักรับประทานอาหารว่าง
0 15:30 17:00 - panel           Panel: Regional cooperation against scam centres
    | การอภิปราย: ความร่วมมือระดับภูมิภาคเพื่อต่อต้านแหล่งปฏิบัติการหลอกลวง
0 17:30 19:00 - networking      Networking reception
    | งานเลี้ยงรับรองและสร้างเครือข่าย
1 09:00 09:45 - keynote         Keynote: Trust in digital societies
    | ปาฐกถาพิเศษ: ความเชื่อมั่นในสังคมดิจิทัล
1 09:45 11:00 0 panel           Panel: Legal frameworks in the EU and ASEAN
    | การอภิปราย: กรอบกฎหมายในสหภาพยุโรปและอาเซียน
1 09:45 11:00 1 presentation    Workshop: Awareness campaigns that work
    | การประชุมเชิงปฏิบัติการ: การรณรงค์สร้างความตระหนักรู้ที่ได้ผล
1 09:45 11:00 2 discussion      Round table: Victim support
    | โต๊ะกลม: การช่วยเหลือผู้เสียหาย
1 11:00 11:30 - break           Coffee break
    | พักรับประทานอาหารว่าง
1 11:30 12:30 - discussion      Open discussion: Next steps for cooperation
    | การอภิปรายแบบเปิด: ก้าวต่อไปของความร่วมมือ
1 12:30 13:30 - lunch           Lunch
    | พักรับประทานอาหารกลางวัน
1 13:30 15:30 0 panel           Panel: Public–private partnerships
    | การอภิปราย: ความเป็นหุ้นส่วนระหว่างภาครัฐและภาคเอกชน
1 13:30 15:30 1 presentation    Workshop: Tracing scam proceeds
    | การประชุมเชิงปฏิบัติการ: การติดตามเส้นทางเงินจากการหลอกลวง
1 15:45 16:30 - closing_remarks Closing remarks
    | กล่าวปิดการประชุม
"""


def _forum_rows() -> list[tuple[int, str, str, int | None, ItemKind, str, str]]:
    lines = FORUM_PROGRAMME.strip().splitlines()
    rows = []
    for first, second in zip(lines[::2], lines[1::2], strict=True):
        day, start, end, room, kind, title_en = first.split(maxsplit=5)
        title_th = second.strip().removeprefix("| ")
        rows.append(
            (
                int(day),
                start,
                end,
                None if room == "-" else int(room),
                ItemKind(kind),
                title_en,
                title_th,
            )
        )
    return rows


def _hhmm(text: str) -> time:
    hour, minute = (int(part) for part in text.split(":"))
    return time(hour, minute)


def _at(day: datetime, clock: str) -> datetime:
    moment = _hhmm(clock)
    return _local(day, moment.hour, moment.minute)


def _seminar_agenda(db: Session, event: Event, actor: User, day: datetime) -> None:
    if db.scalar(select(AgendaItem.id).where(AgendaItem.event_id == event.id).limit(1)):
        return
    for start, end, kind, title_en, title_th, description in SEMINAR_PROGRAMME:
        details = agenda.ItemDetails(
            kind=kind,
            starts_at=_at(day, start),
            ends_at=_at(day, end),
            room_id=None,
            titles={"en": title_en, "th": title_th},
            descriptions={"en": description} if description else {},
        )
        agenda.add_item(db, event, actor=actor, details=details)
    agenda.release(db, event, actor=actor, comment="Final programme")


def _forum_agenda(db: Session, event: Event, actor: User, first_day: datetime) -> None:
    if db.scalar(select(AgendaItem.id).where(AgendaItem.event_id == event.id).limit(1)):
        return
    rooms = [agenda.add_room(db, event, actor=actor, name=name) for name in FORUM_ROOMS]
    added = {}
    for day, start, end, room, kind, title_en, title_th in _forum_rows():
        date = first_day + timedelta(days=day)
        details = agenda.ItemDetails(
            kind=kind,
            starts_at=_at(date, start),
            ends_at=_at(date, end),
            room_id=rooms[room].id if room is not None else None,
            titles={"en": title_en, "th": title_th},
        )
        added[title_en] = agenda.add_item(db, event, actor=actor, details=details)
    agenda.release(db, event, actor=actor, comment="First programme")
    # A second release, so the changelog has something to show: a workshop changes rooms.
    moved = added["Workshop: Cross-border evidence"]
    agenda.move_item(
        db,
        event,
        moved,
        actor=actor,
        starts_at=moved.starts_at,
        room_id=rooms[0].id,
        expected_version=moved.version,
    )
    panel = added["Panel: Protecting citizens from online fraud"]
    agenda.move_item(
        db,
        event,
        panel,
        actor=actor,
        starts_at=panel.starts_at,
        room_id=rooms[2].id,
        expected_version=panel.version,
    )
    agenda.release(db, event, actor=actor, comment="Two afternoon sessions swap rooms")


# The line-ups. The four officials are those the seminar article names, in its words; everyone
# else is plainly invented (their surnames mean "example" in one language or another), as are
# their organisations, so no real person is made to say anything.
DEMO_PEOPLE = {
    "vm": ("H.E. Mr.", "Russ", "Jalichandra", "Vice Minister for Foreign Affairs",
           "Ministry of Foreign Affairs of Thailand", "Thailand", 1),
    "ambassador": ("H.E. Mr.", "David", "Daly", "Ambassador of the European Union to Thailand",
                   "Delegation of the European Union to Thailand", "European Union", 2),
    "ps": ("Prof.", "Wisit", "Wisitsora-at", "Permanent Secretary",
           "Ministry of Digital Economy and Society", "Thailand", 3),
    "dg": ("Mrs.", "Krongkanit", "Rakcharoen", "Director-General, Department of European Affairs",
           "Ministry of Foreign Affairs of Thailand", "Thailand", 4),
    "ploy": ("Dr.", "Ploy", "Samplesri", "Director", "Example Institute for Digital Policy",
             "Thailand", 20),
    "tomas": ("Mr.", "Tomas", "Example", "Liaison officer", "Invented Cybercrime Liaison Office",
              "European Union", 21),
    "anna": ("Ms.", "Anna", "Specimen", "Senior analyst", "Sample Financial Intelligence Unit",
             "European Union", 22),
    "lukas": ("Mr.", "Lukas", "Muster", "Legal adviser", "Demo Centre for Cyber Law",
              "European Union", 23),
    "kanya": ("Ms.", "Kanya", "Tuayang", "Public prosecutor (invented)",
              "Example Office of Prosecutors", "Thailand", 24),
    "nicha": ("Ms.", "Nicha", "Demo", "Programme manager", "Placeholder Foundation",
              "Thailand", 25),
    "somsak": ("Mr.", "Somsak", "Example", "Head of fraud prevention", "Example Telecom Co.",
               "Thailand", 26),
    "eva": ("Ms.", "Eva", "Placeholder", "Trust and safety lead", "Sample Platform Ltd",
            "European Union", 27),
    "jan": ("Mr.", "Jan", "Voorbeeld", "Head of Cooperation (invented)",
            "Delegation of the European Union to Thailand", "European Union", 28),
}  # fmt: skip

SEMINAR_LINEUPS = {
    "Welcome": [("nicha", "moderator")],
    "Opening remarks by the Vice Minister for Foreign Affairs": [("vm", "speaker")],
    "Remarks by the Ambassador of the European Union to Thailand": [("ambassador", "speaker")],
    "Keynote: Thailand's national and regional role in tackling online scams": [
        ("ps", "keynote")
    ],
    "Session 1: Online scams linked to other transnational crimes": [
        ("ploy", "moderator"), ("tomas", "panellist"), ("anna", "panellist")
    ],
    "Session 2: Strengthening legal and operational frameworks": [
        ("lukas", "moderator"), ("kanya", "panellist"), ("tomas", "discussant")
    ],
    "Session 3: Building public–private partnerships": [
        ("nicha", "moderator"), ("somsak", "panellist"), ("eva", "panellist")
    ],
    "Enhancing Thailand–EU cooperation on policy and practice": [
        ("dg", "speaker"), ("ploy", "moderator")
    ],
    "Closing remarks": [("jan", "speaker")],
}  # fmt: skip

# The forum is being planned: some have said yes, the rest have an invitation pending.
FORUM_LINEUPS = {
    "Keynote: Digital diplomacy after the Bangkok seminar": [("ambassador", "keynote", True)],
    "Panel: Cyber diplomacy in practice": [
        ("ploy", "moderator", True), ("jan", "panellist", True), ("kanya", "panellist", False)
    ],
    "Panel: Protecting citizens from online fraud": [
        ("nicha", "moderator", True), ("somsak", "panellist", False), ("eva", "panellist", False)
    ],
    "Panel: Legal frameworks in the EU and ASEAN": [
        ("lukas", "moderator", True), ("anna", "panellist", False)
    ],
}  # fmt: skip


def _demo_person(db: Session, event: Event, actor: User, key: str) -> Person:
    honorific, given, family, position, organisation, country, _rank = DEMO_PEOPLE[key]
    email = f"{given}.{family}@people.example.org".lower().replace(" ", "")
    found = people.person_by_email(db, event.team_id, email)
    if found is None:
        details = people.PersonDetails(
            honorific=honorific, given_name=given, family_name=family, position=position,
            organisation=organisation, country=country, email=email,
        )  # fmt: skip
        found = people.add_person(db, event, actor=actor, details=details)
    return found


def _lineups(db: Session, event: Event, actor: User, plan: dict[str, list[tuple]]) -> None:
    if db.scalar(select(Appearance.id).where(Appearance.event_id == event.id).limit(1)):
        return
    items = {
        item.titles.get("en"): item
        for item in db.scalars(select(AgendaItem).where(AgendaItem.event_id == event.id))
    }
    invited: dict[int, Person] = {}
    for title, entries in plan.items():
        for key, role, *confirmed in entries:
            person = _demo_person(db, event, actor, key)
            speaker = people.ensure_speaker(db, event, person)
            people.set_precedence(db, event, speaker, actor=actor, precedence=DEMO_PEOPLE[key][6])
            is_confirmed = confirmed[0] if confirmed else True
            status = AppearanceStatus.CONFIRMED if is_confirmed else AppearanceStatus.INVITED
            people.add_appearance(
                db, event, items[title], person, actor=actor, role=AppearanceRole(role),
                status=status,
            )  # fmt: skip
            if not is_confirmed:
                invited[person.id] = person
    for person in invited.values():
        people.invite(db, event, person, actor=actor)


# Registrations. Attendees are invented: common Thai and European names, at the kind of
# institutions that come to such a forum (no real person is meant). Addresses are on the
# example domains reserved for documentation. Each attendee takes two lines: honorific, given
# and family name, country code and the language of their mail; then organisation and position.
ATTENDEE_LINES = """
Mr. | Somchai | Wongsakul | TH | th
    Ministry of Digital Economy and Society | Policy analyst
Ms. | Siriporn | Chaiyaporn | TH | th
    Bank of Thailand | Senior examiner, payment systems
Dr. | Nattapong | Srisuk | TH | en
    Chulalongkorn University | Lecturer in international relations
Pol. Lt. Col. | Thanawat | Phromma | TH | th
    Royal Thai Police, Cyber Crime Investigation Bureau | Deputy superintendent
Mr. | Apichart | Boonmee | TH | th
    National Cyber Security Agency | Cybersecurity specialist
Ms. | Pimchanok | Rattanakorn | TH | en
    Ministry of Foreign Affairs of Thailand | Second Secretary, Department of European Affairs
Mr. | Worawit | Saengthong | TH | th
    Thai Bankers' Association | Fraud risk manager
Assoc. Prof. Dr. | Supaporn | Kittisak | TH | th
    Thammasat University, Faculty of Law | Associate professor
Ms. | Jiraporn | Meesuk | TH | th
    Electronic Transactions Development Agency | Project manager
Mr. | Krit | Anantachai | TH | th
    Department of Special Investigation | Special case officer
Ms. | Duangjai | Phongsri | TH | th
    Foundation for Consumers | Programme coordinator
Mr. | Thanakorn | Sukprasert | TH | th
    Office of the National Broadcasting and Telecommunications Commission | Engineer
Ms. | Arunee | Chantarasombat | TH | th
    Ministry of Justice | Legal officer
Mr. | Pakorn | Jirasakul | TH | en
    Anti-Money Laundering Office | Financial intelligence analyst
Ms. | Rattana | Wongwian | TH | en
    Mahidol University | Researcher
Mr. | Chaiwat | Limpanich | TH | th
    Thai Chamber of Commerce | Digital economy committee member
Ms. | Sasithorn | Inthanon | TH | th
    Ministry of Foreign Affairs of Thailand | Attaché, Department of European Affairs
Dr. | Anucha | Rungrueang | TH | en
    Asian Institute of Technology | Research fellow
Ms. | Nanthida | Khamwong | TH | th
    Thai Journalists Association | Reporter
Mr. | Phongsakorn | Yodkaew | TH | th
    Office of the Attorney General | Public prosecutor
Ms. | Waraporn | Sirisombat | TH | en
    ThaiCERT | Incident responder
Mr. | Teerapat | Charoenchai | TH | en
    Thai Fintech Association | Board member
Ms. | Orawan | Praditphon | TH | th
    Ministry of Digital Economy and Society | Foreign relations officer
Mr. | Nuttawut | Kaewmanee | TH | th
    Digital Government Development Agency | Systems architect
Ms. | Patcharee | Somboon | TH | en
    Thailand Institute of Justice | Programme officer
Ms. | Kanokwan | Thongdee | TH | th
    Office of the Consumer Protection Board | Complaints officer
Ms. | Anna | Schneider | DE | en
    Embassy of the Federal Republic of Germany, Bangkok | First Secretary
Mr. | Pierre | Lefebvre | FR | en
    Embassy of France in Thailand | Internal security attaché
Dr. | Sofia | Rossi | IT | en
    University of Bologna | Researcher in cyber law
Mr. | Jan | de Vries | NL | en
    Embassy of the Kingdom of the Netherlands, Bangkok | Policy officer
Ms. | Katarzyna | Nowak | PL | en
    Europol, European Cybercrime Centre | Analyst
Mr. | Mikael | Andersson | SE | en
    Embassy of Sweden, Bangkok | Counsellor
Ms. | María | García López | ES | en
    Embassy of Spain in Bangkok | Second Secretary
Mr. | Lukas | Gruber | AT | en
    Federal Ministry of the Interior, Austria | Cybercrime expert
Ms. | Ingrid | Hansen | DK | en
    Royal Danish Embassy, Bangkok | Trade officer
Mr. | Tomáš | Novák | CZ | en
    National Cyber and Information Security Agency, Czechia | Expert
Ms. | Eleni | Papadopoulou | GR | en
    Embassy of Greece in Bangkok | Consul
Mr. | João | Ferreira | PT | en
    European External Action Service | Desk officer, South-East Asia
Ms. | Aoife | Murphy | IE | en
    Embassy of Ireland, Bangkok | Deputy Head of Mission
Dr. | Matthias | Weber | DE | en
    German Institute for International and Security Affairs | Researcher
Ms. | Laura | Jansen | BE | en
    Delegation of the European Union to Thailand | Programme manager
Mr. | Piotr | Kowalski | PL | en
    ESIWA+ project team | Cyber expert
Ms. | Claire | Dubois | FR | en
    Expertise France | Project officer
Mr. | Henrik | Lindqvist | FI | en
    Embassy of Finland, Bangkok | Counsellor
Ms. | Giulia | Bianchi | IT | en
    Embassy of Italy in Bangkok | First Secretary
Mr. | András | Kovács | HU | en
    Embassy of Hungary in Bangkok | Consul
Ms. | Emma | Van den Berg | BE | en
    Embassy of Belgium in Bangkok | Attaché
Mr. | Rui | Santos | PT | en
    European Commission, Directorate-General for Migration and Home Affairs | Policy officer
"""


def _attendee_rows() -> list[tuple[str, ...]]:
    lines = ATTENDEE_LINES.strip().splitlines()
    rows = []
    for first, second in zip(lines[::2], lines[1::2], strict=True):
        honorific, given, family, country, language = (part.strip() for part in first.split("|"))
        organisation, position = (part.strip() for part in second.split("|"))
        rows.append((honorific, given, family, organisation, position, country, language))
    return rows


ATTENDEES = _attendee_rows()

# The forum: the first five registered while it was still moderated (three await a decision,
# two were turned down); then it opened, and three of those who came later cancelled.
FORUM_PENDING = (18, 45, 47)
FORUM_REJECTED = (21, 42)
FORUM_CANCELLED = (3, 10, 33)
FORUM_GROUPS = {5: [16]}  # a colleague registered with them (group registration)
FORUM_CAPACITY = 150
# The seminar, long past: full at 36 places, three never got off the waiting list, two
# cancelled before it filled, and most came through the door.
SEMINAR_CAPACITY = 36
SEMINAR_CANCELLED = 2
SEMINAR_NO_SHOWS = 5

PRIVACY = {
    "en": _paragraphs(
        """The Ministry of Foreign Affairs of Thailand and the Delegation of the European Union to
        Thailand use the details you give here only to organise the event: to admit you, to
        send you practical information and to print your badge. Your name and organisation
        appear in the list of participants only if you tick the box for it.""",
        """Your personal data is anonymised {days} after the event ends. You may ask the
        organisers to erase it sooner at any time.""",
    ),
    "th": _paragraphs(
        """กระทรวงการต่างประเทศแห่งราชอาณาจักรไทยและคณะผู้แทนสหภาพยุโรปประจำประเทศไทยใช้ข้อมูลที่ท่านให้ไว้ที่นี่
        เพื่อการจัดงานเท่านั้น ได้แก่ การรับท่านเข้าร่วมงาน การส่งข้อมูลที่จำเป็นถึงท่าน และการพิมพ์ป้ายชื่อของท่าน
        ชื่อและหน่วยงานของท่านจะปรากฏในรายชื่อผู้เข้าร่วมเฉพาะเมื่อท่านเลือกช่องนั้นเท่านั้น""",
        """ข้อมูลส่วนบุคคลของท่านจะถูกทำให้เป็นข้อมูลนิรนาม{days_th}หลังจากงานสิ้นสุดลง
        และท่านสามารถขอให้ผู้จัดลบข้อมูลของท่านก่อนหน้านั้นได้ทุกเมื่อ""",
    ),
}

DIETARY = [
    ("No special requirements", "ไม่มีข้อกำหนดพิเศษ"),
    ("Vegetarian", "มังสวิรัติ"),
    ("Vegan", "วีแกน"),
    ("Halal", "ฮาลาล"),
    ("Other (we will contact you)", "อื่น ๆ (เจ้าหน้าที่จะติดต่อท่าน)"),
]
# Index into DIETARY of the n-th attendee's answer, in turn.
DIETARY_PATTERN = [0, 0, 1, 0, 3, 0, 0, 2, 0, 0, 4, 0, 1]


def _privacy(days: int | None) -> dict[str, str]:
    if days is None:
        return {
            "en": PRIVACY["en"].split("\n\n")[0] + "\n",
            "th": PRIVACY["th"].split("\n\n")[0] + "\n",
        }
    return {
        "en": PRIVACY["en"].replace("{days}", f"{days} days"),
        "th": PRIVACY["th"].replace("{days_th}", f" {days} วัน"),
    }


def _attendee(n: int, answers: dict | None = None) -> registration.AttendeeDetails:
    honorific, given, family, organisation, position, country, language = ATTENDEES[n]
    local = f"{given}.{family}".lower().replace(" ", "")
    local = "".join(c for c in local if c.isascii() and (c.isalnum() or c == "."))
    return registration.AttendeeDetails(
        email=f"{local}@example.{('org', 'net', 'com')[n % 3]}",
        honorific=honorific, given_name=given, family_name=family,
        organisation=organisation, position=position, country=country,
        answers=answers or {}, in_participant_list=n % 3 != 2, language=language,
    )  # fmt: skip


def _demo_addresses() -> list[str]:
    return [_attendee(n).email for n in range(len(ATTENDEES))]


def _forum_questions(db: Session, event: Event, actor: User) -> list[Question]:
    panels = [
        {"en": title_en.removeprefix("Panel: "), "th": title_th.removeprefix("การอภิปราย: ")}
        for _day, _start, _end, _room, kind, title_en, title_th in _forum_rows()
        if kind == ItemKind.PANEL
    ]
    asked = [
        (
            QuestionKind.SINGLE_CHOICE,
            {"en": "Dietary needs", "th": "ข้อจำกัดด้านอาหาร"},
            {"en": "For the lunches and the reception.",
             "th": "สำหรับอาหารกลางวันและงานเลี้ยงรับรอง"},
            [{"en": en, "th": th} for en, th in DIETARY],
            True,
        ),
        (
            QuestionKind.SINGLE_CHOICE,
            {"en": "Which panel interests you most?",
             "th": "ท่านสนใจการอภิปรายหัวข้อใดมากที่สุด"},
            {"en": "It helps us choose the rooms.", "th": "ข้อมูลนี้ช่วยให้เราจัดห้องได้เหมาะสม"},
            panels,
            False,
        ),
        (
            QuestionKind.CHECKBOX,
            {"en": "I need a visa support letter", "th": "ข้าพเจ้าต้องการหนังสือรับรองเพื่อประกอบการขอวีซ่า"},
            {"en": "The organisers will write to you about it.",
             "th": "ผู้จัดงานจะติดต่อท่านเรื่องนี้"},
            [],
            False,
        ),
    ]  # fmt: skip
    return [
        questions.add_question(
            db,
            event,
            actor=actor,
            kind=kind,
            labels=labels,
            help=help_texts,
            choices=choices,
            is_required=required,
        )
        for kind, labels, help_texts, choices, required in asked
    ]


def _answers(asked: list[Question], n: int) -> dict:
    dietary, panel, visa = asked
    return {
        str(dietary.id): dietary.choices[DIETARY_PATTERN[n % len(DIETARY_PATTERN)]]["id"],
        str(panel.id): panel.choices[n % len(panel.choices)]["id"],
        str(visa.id): n in (29, 35, 45),
    }


def _registered(db: Session, event: Event, people: list, *, when: datetime) -> list:
    """Register these AttendeeDetails as the attendees would (through the rules, at `when`)."""
    taken = registration.register_group(db, event, people, now=when).taken
    for found in taken:
        found.created_at = found.updated_at = when
    return taken


def _forum_registrations(db: Session, event: Event, actor: User, today: datetime) -> None:
    if db.scalar(select(Question.id).where(Question.event_id == event.id).limit(1)):
        return
    settings = registration.settings_of(db, event)
    opened = today.astimezone(UTC) - timedelta(days=21)
    settings.is_enabled = True
    settings.opens_at = opened
    settings.closes_at = event.starts_at - timedelta(days=1)
    settings.capacity = FORUM_CAPACITY
    settings.has_waitlist = True
    settings.group_max = 3
    settings.privacy = _privacy(180)
    settings.participant_list = ParticipantList.PUBLIC
    settings.retention_days = 180
    asked = _forum_questions(db, event, actor)
    moderated = [*FORUM_PENDING, *FORUM_REJECTED]
    colleagues = {n for group in FORUM_GROUPS.values() for n in group}
    order = moderated + [
        n for n in range(len(ATTENDEES)) if n not in moderated and n not in colleagues
    ]
    settings.mode = RegistrationMode.MODERATED
    found: dict[int, Registration] = {}
    for step, n in enumerate(order):
        if step == len(moderated):
            settings.mode = RegistrationMode.OPEN
        group = [n, *FORUM_GROUPS.get(n, [])]
        people_ = [_attendee(m, _answers(asked, m)) for m in group]
        when = opened + timedelta(hours=2 + 9 * step)
        found.update(zip(group, _registered(db, event, people_, when=when), strict=True))
    for n in FORUM_REJECTED:
        registration.decide(db, event, found[n], actor=actor, approve=False)
    for n in FORUM_CANCELLED:
        registration.cancel(db, event, found[n])
    registration.recount(db, event)


def _seminar_registrations(db: Session, event: Event, registrar: User, day: datetime) -> None:
    if db.scalar(select(Registration.id).where(Registration.event_id == event.id).limit(1)):
        return
    settings = registration.settings_of(db, event)
    opened = _local(day - timedelta(days=38), 9)
    settings.is_enabled = True
    settings.opens_at = opened
    settings.closes_at = _local(day - timedelta(days=1), 17)
    settings.capacity = SEMINAR_CAPACITY
    settings.has_waitlist = True
    settings.participant_list = ParticipantList.ATTENDEES
    # Kept, so the demo can show how the day went; a real event keeps the default (180 days).
    settings.retention_days = None
    settings.privacy = _privacy(None)
    # Largely the same community as the forum's, in another order. Written as history (the
    # rules would mail each of them): two cancelled early, the first 36 of the others took
    # the places, the last three stayed on the waiting list.
    order = [(n * 7) % len(ATTENDEES) for n in range(SEMINAR_CAPACITY + SEMINAR_CANCELLED + 3)]
    cancelled = set(order[3 : 3 + SEMINAR_CANCELLED])
    places = [n for n in order if n not in cancelled][:SEMINAR_CAPACITY]
    confirmed = []
    for step, n in enumerate(order):
        when = opened + timedelta(hours=3 + 20 * step)
        status = (
            RegistrationStatus.CANCELLED
            if n in cancelled
            else RegistrationStatus.CONFIRMED
            if n in places
            else RegistrationStatus.WAITLISTED
        )
        found = _past_registration(db, event, _attendee(n), status=status, when=when)
        if status == RegistrationStatus.CONFIRMED:
            confirmed.append(found)
    db.flush()
    for step, found in enumerate(confirmed[: len(confirmed) - SEMINAR_NO_SHOWS]):
        arrived = _local(day, 8, 5) + timedelta(minutes=2 * step, seconds=17 * (step % 3))
        db.add(
            CheckIn(
                event_id=event.id,
                registration_id=found.id,
                checked_in_at=arrived,
                user_id=registrar.id,
            )
        )
    registration.recount(db, event)


def _past_registration(
    db: Session, event: Event, details: registration.AttendeeDetails, *, status, when: datetime
) -> Registration:
    """A registration row as history, without the place rules and their mail."""
    found = registration.new_registration(
        db, event, details, email=details.email, status=status, now=when
    )
    found.created_at = found.updated_at = when
    return found


def _no_demo_mail(db: Session, events_: list[Event]) -> None:
    """The confirmations the demo attendees would have had stay out of the outbox (nobody
    reads example.org), as they would have been sent long ago."""
    db.execute(
        delete(MailMessage).where(
            MailMessage.event_id.in_([event.id for event in events_]),
            MailMessage.to_address.in_(_demo_addresses()),
        )
    )


def _local(day: datetime, hour: int, minute: int = 0) -> datetime:
    zone = ZoneInfo(BANGKOK)
    return datetime.combine(day.date(), time(hour, minute), tzinfo=zone).astimezone(UTC)


def _logo(text: str, colour: tuple[int, int, int]) -> bytes:
    """A plain placeholder mark (initials on a coloured disc): no real emblem is reproduced."""
    image = Image.new("RGBA", (240, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, 236, 236), fill=(*colour, 255))
    draw.text((120, 120), text, fill=(255, 204, 0, 255), anchor="mm", font_size=72)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _user(db: Session, email: str, name: str, *, is_admin: bool = False) -> User:
    user = auth.find_user(db, email)
    if user is None:
        user = auth.create_user(db, email, DEMO_PASSWORD, name=name, is_admin=is_admin)
    return user


def _organiser_team(db: Session) -> Team:
    """The Department of European Affairs' team: both demo events share its people."""
    team = db.scalar(select(Team).where(Team.name == DEMO_TEAM))
    if team is None:
        team = Team(name=DEMO_TEAM)
        db.add(team)
        db.flush()
    return team


def _event(db: Session, slug: str, **fields) -> Event:
    event = db.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        event = Event(slug=slug, team_id=_organiser_team(db).id, **fields)
        db.add(event)
        db.flush()
    return event


def _hosts(db: Session, event: Event) -> None:
    if db.scalar(select(EventHost.id).where(EventHost.event_id == event.id).limit(1)):
        return
    for position, host in enumerate(HOSTS):
        logo = uploads.store_image(db, uploads.check_image(_logo(*host["mark"])))
        organisation = Organisation(
            name=host["name"],
            short_name=host["short_name"],
            website=host["website"],
            logo_id=logo.id,
        )
        db.add(organisation)
        db.flush()
        db.add(EventHost(event_id=event.id, organisation_id=organisation.id, position=position))


def _team(db: Session, event: Event, members: list[tuple[User, Role]]) -> None:
    for user, role in members:
        exists = db.scalar(
            select(Membership.id).where(
                Membership.event_id == event.id, Membership.user_id == user.id
            )
        )
        if not exists:
            db.add(Membership(event_id=event.id, user_id=user.id, role=role))


def load(db: Session, *, today: datetime | None = None) -> list[tuple[str, str, str]]:
    """Load the demo; returns the logins (email, password, role) to print."""
    today = today or datetime.now(ZoneInfo(BANGKOK))
    admin = _user(db, *ADMIN, is_admin=True)
    team = [(_user(db, email, name), role) for email, name, role in TEAM]

    seminar_day = datetime(2025, 8, 8, tzinfo=ZoneInfo(BANGKOK))
    seminar = _event(
        db,
        SEMINAR_SLUG,
        title="EU–Thailand Seminar on Combating Online Scams",
        description=SEMINAR_DESCRIPTION,
        starts_at=_local(seminar_day, 9),
        ends_at=_local(seminar_day, 17),
        timezone=BANGKOK,
        venue_name="Ministry of Foreign Affairs",
        venue_address="443 Sri Ayudhya Road, Ratchathewi, Bangkok 10400, Thailand",
        languages="en,th",
        status=EventStatus.PUBLISHED,
        visibility=Visibility.LISTED,
    )
    forum_day = today + timedelta(days=45)
    forum = _event(
        db,
        FORUM_SLUG,
        title="EU–Southeast Asia Digital Diplomacy Forum",
        description=FORUM_DESCRIPTION,
        starts_at=_local(forum_day, 9),
        ends_at=_local(forum_day + timedelta(days=1), 16, 30),
        timezone=BANGKOK,
        venue_name="Conference venue, Bangkok",
        venue_address="Bangkok, Thailand",
        languages="en,th",
        status=EventStatus.PUBLISHED,
        visibility=Visibility.LISTED,
    )
    for event in (seminar, forum):
        _hosts(db, event)
        _team(db, event, team)
    db.flush()
    owner = team[0][0]
    _seminar_agenda(db, seminar, owner, seminar_day)
    _forum_agenda(db, forum, owner, forum_day)
    db.flush()
    _lineups(db, seminar, owner, SEMINAR_LINEUPS)
    _lineups(db, forum, owner, FORUM_LINEUPS)
    db.flush()
    registrar = next(user for user, role in team if role == Role.REGISTRAR)
    _seminar_registrations(db, seminar, registrar, seminar_day)
    _forum_registrations(db, forum, owner, today)
    demo_notes.load(db, seminar, forum, team)
    _no_demo_mail(db, [seminar, forum])
    db.flush()
    logins = [(admin.email, DEMO_PASSWORD, "site administrator")]
    logins += [(user.email, DEMO_PASSWORD, role.value) for user, role in team]
    return logins
