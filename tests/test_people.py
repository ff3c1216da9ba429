"""People rules (eventapp/people.py): names for every place, the team's book, line-ups and their
order, double bookings, and the speaker's secret link."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventapp import events, people, security
from eventapp.events import StaleEdit
from eventapp.models import (
    ActivityLog,
    AppearanceRole,
    AppearanceStatus,
    MailMessage,
    NameOrder,
    Person,
    Role,
    Team,
)
from tests.factories import add_member, make_event, make_item, make_user, read, read_all

STARTS = datetime(2031, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok


def person(**fields) -> Person:
    return Person(team_id=1, **fields)


@pytest.fixture
def owner(db):
    return make_user(db, name="Somchai Owner")


@pytest.fixture
def event(db, owner):
    return make_event(db, starts_at=STARTS, owner=owner)


def add(db, event, owner, **fields) -> Person:
    found = people.add_person(db, event, actor=owner, details=people.PersonDetails(**fields))
    db.commit()
    return found


# Names -----------------------------------------------------------------------------------------


MINISTER = {
    "honorific": "H.E. Mr.",
    "given_name": "Russ",
    "family_name": "Jalichandra",
    "post_nominals": "",
    "position": "Vice Minister for Foreign Affairs",
    "organisation": "Ministry of Foreign Affairs of Thailand",
}


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("card", "H.E. Mr. Russ Jalichandra"),
        ("agenda", "H.E. Mr. Russ Jalichandra"),
        ("badge", "Russ Jalichandra"),
        (
            "formal",
            "H.E. Mr. Russ Jalichandra, Vice Minister for Foreign Affairs, "
            "Ministry of Foreign Affairs of Thailand",
        ),
        ("sort", "jalichandra russ"),
    ],
)
def test_one_function_writes_a_name_for_each_place(style, expected):
    assert people.name_for(person(**MINISTER), style) == expected


def test_post_nominals_follow_the_name_on_cards_and_formal_listings_only():
    professor = person(
        honorific="Prof.",
        given_name="Wisit",
        family_name="Wisitsora-at",
        post_nominals="PhD",
        position="Permanent Secretary",
    )

    assert [people.name_for(professor, style) for style in people.NameStyle] == [
        "Prof. Wisit Wisitsora-at, PhD",
        "Prof. Wisit Wisitsora-at",
        "Wisit Wisitsora-at",
        "Prof. Wisit Wisitsora-at, PhD, Permanent Secretary",
        "wisitsora-at wisit",
    ]


def test_family_first_names_are_written_family_first_and_sorted_by_family_name():
    ambassador = person(
        honorific="Amb.", given_name="Jae-in", family_name="Park", name_order=NameOrder.FAMILY_FIRST
    )

    assert people.name_for(ambassador, "agenda") == "Amb. Park Jae-in"
    assert people.name_for(ambassador, "sort") == "park jae-in"


def test_a_display_name_replaces_the_composed_name():
    person_ = person(honorific="Dr.", given_name="A.", family_name="B.", display_name="Dr Ann Bee")

    assert people.name_for(person_, "badge") == "Dr Ann Bee"
    assert people.name_for(person_, "agenda") == "Dr. Dr Ann Bee"


def test_sorting_folds_accents_and_case():
    names = [person(given_name=g, family_name=f) for g, f in [("Zoë", "Élan"), ("Ann", "elan")]]

    assert sorted(people.name_for(p, "sort") for p in names) == ["elan ann", "elan zoe"]


def test_extra_spaces_never_reach_a_name():
    assert people.name_for(
        person(honorific=" H.E. ", given_name="Russ  ", family_name=" J"), "agenda"
    ) == ("H.E. Russ J")


# The team's book -------------------------------------------------------------------------------


def test_the_same_email_is_one_person_in_a_team(db, event, owner):
    first = add(db, event, owner, given_name="Anna", family_name="Lind", email="Anna@EU.example ")

    with pytest.raises(people.DuplicateEmail) as duplicate:
        add(db, event, owner, given_name="A.", family_name="Lind", email=" anna@eu.example")

    assert duplicate.value.person.id == first.id
    assert first.email == "anna@eu.example"


def test_another_teams_people_are_not_found(db, event, owner):
    elsewhere = make_event(db, owner=owner)
    theirs = add(db, elsewhere, owner, given_name="Other", family_name="Team")
    ours = add(db, event, owner, given_name="Our", family_name="Team")

    assert (people.person_in(db, event, theirs.id), people.person_in(db, event, ours.id)) == (
        None,
        ours,
    )


def test_events_of_one_team_share_their_people(db, owner):
    team = Team(name="MFA Europe")
    db.add(team)
    db.commit()
    seminar, forum = make_event(db, team=team), make_event(db, team=team)
    speaker = add(db, seminar, owner, given_name="Russ", family_name="Jalichandra")

    assert people.person_in(db, forum, speaker.id) == speaker
    assert [p.id for p in people.search(db, forum, "jalich")] == [speaker.id]


def test_an_update_names_its_version_and_hides_private_values_in_the_log(db, event, owner):
    found = add(db, event, owner, given_name="Anna", family_name="Lind", phone="+66 1")
    details = people.details_of(found)
    details.phone, details.position = "+66 2", "Ambassador"

    changes = people.update_person(
        db, event, found, actor=owner, details=details, expected_version=1
    )
    db.commit()

    assert changes == {"phone": ["…", "…"], "position": ["", "Ambassador"]}
    logged = read(db, select(ActivityLog.changes).where(ActivityLog.action == "person.update"))
    assert logged == {"phone": ["…", "…"], "position": ["", "Ambassador"]}
    with pytest.raises(StaleEdit):
        people.update_person(db, event, found, actor=owner, details=details, expected_version=1)


def test_search_matches_every_word_and_treats_wildcards_as_text(db, event, owner):
    anna = add(
        db, event, owner, given_name="Anna", family_name="Lind", organisation="EU Delegation"
    )
    add(db, event, owner, given_name="Anna", family_name="Kowalski", organisation="OSCE")
    percent = add(db, event, owner, given_name="100%", family_name="Sure")

    assert [p.id for p in people.search(db, event, "anna delegation")] == [anna.id]
    assert [p.id for p in people.search(db, event, "%")] == [percent.id]
    assert [p.family_name for p in people.search(db, event, "ANNA")] == ["Kowalski", "Lind"]


# Teams of new events -------------------------------------------------------------------------


def test_a_new_event_joins_its_creators_latest_team_or_a_new_one(db):
    newcomer = make_user(db, "new@example.org", name="New Organiser")
    details = events.EventDetails(
        title="Forum", slug="", description="", starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=8), timezone="Asia/Bangkok", venue_name="",
        venue_address="", languages=["en"], visibility="listed",
    )  # fmt: skip

    first = events.create_event(db, actor=newcomer, details=details)
    second = events.create_event(db, actor=newcomer, details=details)
    db.commit()

    assert first.team_id == second.team_id
    assert read(db, select(Team.name).where(Team.id == first.team_id)) == "New Organiser"


def test_a_creator_may_choose_among_their_teams_only(db, owner):
    ours = make_event(db, owner=owner)
    stranger = make_user(db, "stranger@example.org")
    theirs = make_event(db, owner=stranger)

    assert events.team_for_new_event(db, owner, ours.team_id).id == ours.team_id
    assert events.team_for_new_event(db, owner, theirs.team_id).id == ours.team_id


# Line-ups -------------------------------------------------------------------------------------


def test_appearances_follow_protocol_precedence_by_default(db, event, owner):
    panel = make_item(db, event, "Panel", at="10:00")
    minister, ambassador, moderator = (
        add(db, event, owner, given_name=n, family_name="X")
        for n in ("Minister", "Ambassador", "Mod")
    )
    for who, rank in [(minister, 1), (ambassador, 2), (moderator, 50)]:
        people.set_precedence(
            db, event, people.ensure_speaker(db, event, who), actor=owner, precedence=rank
        )

    for who in (moderator, ambassador, minister):
        people.add_appearance(db, event, panel, who, actor=owner, role=AppearanceRole.PANELLIST)
    db.commit()

    lineup = people.lineups(db, event)[panel.id]
    assert [entry.person.given_name for entry in lineup] == ["Minister", "Ambassador", "Mod"]
    assert [entry.appearance.position for entry in lineup] == [0, 1, 2]


def test_up_down_and_drag_reorder_a_line_up(db, event, owner):
    panel = make_item(db, event, "Panel", at="10:00")
    a, b, c = (add(db, event, owner, given_name=n, family_name="X") for n in "ABC")
    shown = [
        people.add_appearance(db, event, panel, who, actor=owner, role="speaker")
        for who in (a, b, c)
    ]

    def order():
        return [entry.person.given_name for entry in people.lineups(db, event)[panel.id]]

    moved_up = people.move_appearance(db, event, shown[2], actor=owner, offset=-1)
    after_up = order()
    at_top = people.move_appearance(db, event, shown[0], actor=owner, offset=-1)
    people.reorder(
        db, event, panel, actor=owner, appearance_ids=[shown[1].id, 999_999, shown[0].id]
    )
    db.commit()

    assert (moved_up, after_up, at_top) == (True, ["A", "C", "B"], False)
    assert order() == ["B", "A", "C"]


def test_one_person_appears_once_on_an_item(db, event, owner):
    panel = make_item(db, event, "Panel")
    who = add(db, event, owner, given_name="A", family_name="B")
    people.add_appearance(db, event, panel, who, actor=owner, role="speaker")

    with pytest.raises(people.AlreadyOnItem):
        people.add_appearance(db, event, panel, who, actor=owner, role="chair")


def test_a_person_on_two_overlapping_items_is_double_booked(db, event, owner):
    keynote = make_item(db, event, "Keynote", at="09:00", minutes=60)
    panel = make_item(db, event, "Panel", at="09:30", minutes=60)
    later = make_item(db, event, "Later", at="11:00", minutes=60)
    busy, free = (
        add(db, event, owner, given_name="Busy", family_name="X"),
        add(db, event, owner, given_name="Free", family_name="Y"),
    )
    for item in (keynote, panel, later):
        people.add_appearance(db, event, item, busy, actor=owner, role="speaker")
    declined = people.add_appearance(db, event, keynote, free, actor=owner, role="speaker")
    people.add_appearance(db, event, panel, free, actor=owner, role="speaker")
    people.update_appearance(db, event, declined, actor=owner, status=AppearanceStatus.DECLINED)
    db.commit()

    assert people.double_bookings(db, event) == [(busy.id, [keynote.id, panel.id])]


def test_confirmed_people_are_public_and_invited_ones_only_when_the_event_says_so(db, event):
    shown = [
        people.is_public(people.Appearance(status=status), event) for status in AppearanceStatus
    ]
    event.show_unconfirmed = True
    with_tbc = [
        people.is_public(people.Appearance(status=status), event) for status in AppearanceStatus
    ]

    assert shown == [False, True, False, False]
    assert with_tbc == [True, True, False, False]


def test_line_ups_of_a_whole_event_take_as_many_queries_for_2_items_as_for_40(
    db, owner, count_queries
):
    def queries_for(count: int) -> tuple[int, int]:
        event = make_event(db, starts_at=STARTS, owner=owner)
        for n in range(count):
            item = make_item(db, event, f"Item {n}", at=f"{9 + n % 8}:{n % 6}0")
            who = add(db, event, owner, given_name=f"P{n}", family_name="X")
            people.add_appearance(db, event, item, who, actor=owner, role="speaker")
        db.commit()
        with count_queries() as counted:
            found = people.lineups(db, event)
        return len(counted), sum(len(entries) for entries in found.values())

    (few, few_found), (many, many_found) = queries_for(2), queries_for(40)

    assert (few, few_found, many_found) == (many, 2, 40)


# The secret link -------------------------------------------------------------------------------


def test_an_invitation_mails_a_link_that_finds_the_speaker(db, event, owner):
    make_item(db, event, "Keynote")
    who = add(db, event, owner, given_name="Anna", family_name="Lind", email="anna@eu.example")

    speaker = people.invite(db, event, who, actor=owner)
    db.commit()

    token = people.link_token(speaker)
    mail = read(db, select(MailMessage).where(MailMessage.to_address == "anna@eu.example"))
    assert len(token) == 43
    assert people.link_url(speaker).endswith(f"/speaker/{token}")
    assert people.link_url(speaker) in mail.body_text
    assert people.speaker_by_token(db, token).id == speaker.id
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert people.speaker_by_token(db, altered) is None
    assert speaker.token_hash == security.token_hash(token)  # the token itself is not stored
    assert token not in (speaker.link_nonce or "")


def test_resending_keeps_the_link_and_revoking_ends_it(db, event, owner):
    who = add(db, event, owner, given_name="Anna", family_name="Lind", email="anna@eu.example")
    speaker = people.invite(db, event, who, actor=owner)
    token = people.link_token(speaker)

    again = people.invite(db, event, who, actor=owner)
    same = people.link_token(again)
    people.revoke_link(db, event, again, actor=owner)
    db.commit()

    assert same == token
    assert people.speaker_by_token(db, token) is None
    renewed = people.link_token(people.invite(db, event, who, actor=owner))
    assert renewed != token


def test_a_person_without_email_cannot_be_invited(db, event, owner):
    who = add(db, event, owner, given_name="No", family_name="Mail")

    with pytest.raises(people.NoEmail):
        people.invite(db, event, who, actor=owner)


def test_a_speaker_answers_for_their_own_appearances_only(db, event, owner):
    panel = make_item(db, event, "Panel")
    anna, ben = (
        add(db, event, owner, given_name=n, family_name="X", email=f"{n}@example.org")
        for n in ("anna", "ben")
    )
    hers = people.add_appearance(db, event, panel, anna, actor=owner, role="speaker")
    his = people.add_appearance(db, event, panel, ben, actor=owner, role="speaker")
    speaker = people.invite(db, event, anna, actor=owner)

    changes = people.respond(db, event, speaker, hers, status=AppearanceStatus.CONFIRMED)
    with pytest.raises(LookupError):
        people.respond(db, event, speaker, his, status=AppearanceStatus.DECLINED)

    assert changes == {"status": ["invited", "confirmed"]}


def test_a_speakers_own_corrections_are_logged_for_the_organisers(db, event, owner):
    who = add(db, event, owner, given_name="Anna", family_name="Lind", email="anna@eu.example")

    people.update_own_profile(
        db, event, who, position="Ambassador", organisation="EU Delegation",
        bios={"en": "Career diplomat."}, expected_version=1,
    )  # fmt: skip
    db.commit()

    entry = read(db, select(ActivityLog).where(ActivityLog.action == "person.self_update"))
    assert (entry.user_id, sorted(entry.changes)) == (None, ["bios", "organisation", "position"])
    assert (who.email, who.given_name) == ("anna@eu.example", "Anna")


def test_a_reminder_goes_once_to_whoever_has_not_answered(db, event, owner):
    panel = make_item(db, event, "Panel")
    waiting, answered = (
        add(db, event, owner, given_name=n, family_name="X", email=f"{n}@example.org")
        for n in ("waiting", "answered")
    )
    people.add_appearance(db, event, panel, waiting, actor=owner, role="speaker")
    done = people.add_appearance(db, event, panel, answered, actor=owner, role="speaker")
    for who in (waiting, answered):
        people.invite(db, event, who, actor=owner)
    people.update_appearance(db, event, done, actor=owner, status=AppearanceStatus.CONFIRMED)
    db.commit()
    later = datetime.now(UTC) + timedelta(days=event.reminder_days, minutes=1)

    soon = people.due_reminders(db, now=datetime.now(UTC) + timedelta(days=1))
    due = people.due_reminders(db, now=later)
    for speaker in due:
        people.send_reminder(db, speaker)
    db.commit()

    assert (soon, [s.person_id for s in due]) == ([], [waiting.id])
    assert people.due_reminders(db, now=later) == []
    reminders = read_all(
        db,
        select(MailMessage.to_address)
        .where(MailMessage.subject.is_not(None))
        .order_by(MailMessage.id),
    )
    assert reminders.count("waiting@example.org") == 2  # the invitation and one reminder


def test_organisers_of_a_team_see_it_among_their_teams(db, owner):
    colleague = make_user(db, "colleague@example.org")
    event = make_event(db, owner=owner)
    add_member(db, event, colleague, Role.ORGANISER)
    viewer = make_user(db, "viewer@example.org")
    add_member(db, event, viewer, Role.VIEWER)

    assert [team.id for team in events.teams_of(db, colleague)] == [event.team_id]
    assert events.teams_of(db, viewer) == []
    assert read(db, select(func.count()).select_from(Team)) >= 1
