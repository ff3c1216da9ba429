"""Custom registration questions (eventapp/questions.py): parsing answers of every kind, how
answers read, countries, and building the form (choices keep their ids, order, stale edits)."""

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from starlette.datastructures import FormData

from eventapp import events, questions
from eventapp.models import ActivityLog, Question, QuestionKind
from eventapp.templating import environment
from tests.factories import make_event, make_user, read, read_all

# Questions that are not stored: parse_answers and answer_text only read them.


def question(n: int, kind: str, *, required: bool = False, choices=None, **labels) -> Question:
    return Question(
        id=n,
        event_id=1,
        kind=kind,
        labels=labels or {"en": f"Question {n}"},
        choices=[
            {"id": f"c{i}", "labels": texts} for i, texts in enumerate(choices or [], start=1)
        ],
        is_required=required,
    )


DIET = question(
    1,
    "single_choice",
    choices=[{"en": "No preference", "th": "ไม่มี"}, {"en": "Vegetarian", "th": "มังสวิรัติ"}],
    en="Dietary needs",
    th="อาหาร",
)
PANELS = question(2, "multiple_choice", choices=[{"en": "Scams"}, {"en": "Cyber"}, {"en": "Trade"}])


def parse(qs, form, language="en"):
    return questions.parse_answers(qs, form, language=language)


# Parsing answers -------------------------------------------------------------------------------


def test_every_kind_is_parsed_into_its_stored_form():
    qs = [
        question(1, "short_text"),
        question(2, "long_text"),
        DIET,
        PANELS,
        question(5, "checkbox"),
        question(6, "yes_no"),
        question(7, "country"),
    ]
    qs[2] = question(3, "single_choice", choices=[{"en": "A"}, {"en": "B"}])
    qs[3] = question(4, "multiple_choice", choices=[{"en": "A"}, {"en": "B"}, {"en": "C"}])
    form = FormData(
        [
            ("q1", "  Ministry \r\n of  Foreign Affairs "),
            ("q2", " line one\r\nline two "),
            ("q3", "c2"),
            ("q4", "c3"),
            ("q4", "c1"),
            ("q4", "c3"),
            ("q5", "on"),
            ("q6", "no"),
            ("q7", "th"),
            ("status", "confirmed"),
        ]
    )

    answers, errors = parse(qs, form)

    assert errors == {}
    assert answers == {
        "1": "Ministry of Foreign Affairs",
        "2": "line one\nline two",
        "3": "c2",
        "4": ["c1", "c3"],
        "5": True,
        "6": "no",
        "7": "TH",
    }


def test_a_plain_dict_works_like_a_submitted_form():
    answers, errors = parse([DIET, PANELS], {"q1": "c1", "q2": ["c2", "c3"]})

    assert (answers, errors) == ({"1": "c1", "2": ["c2", "c3"]}, {})


def test_unanswered_optional_questions_store_nothing_but_an_unticked_box_is_false():
    qs = [question(1, "short_text"), DIET, question(5, "checkbox"), question(6, "yes_no")]
    qs[1] = question(2, "single_choice", choices=[{"en": "A"}, {"en": "B"}])

    answers, errors = parse(qs, FormData([("q1", "   ")]))

    assert (answers, errors) == ({"5": False}, {})


@pytest.mark.parametrize(
    ("kind", "form", "message"),
    [
        ("short_text", [], "This field is required."),
        ("long_text", [("q9", " \r\n ")], "This field is required."),
        ("single_choice", [], "This field is required."),
        ("multiple_choice", [], "Choose at least one option."),
        ("checkbox", [], "Tick this box to continue."),
        ("yes_no", [("q9", "")], "This field is required."),
        ("country", [], "This field is required."),
    ],
)
def test_a_required_question_left_empty_says_so(kind, form, message):
    required = question(9, kind, required=True, choices=[{"en": "A"}, {"en": "B"}])

    answers, errors = parse([required], FormData(form))

    assert (answers, errors) == ({}, {"q9": message})


@pytest.mark.parametrize(
    ("kind", "values", "message"),
    [
        ("short_text", ["x" * 301], "Use at most 300 characters."),
        ("long_text", ["x" * 5001], "Use at most 5000 characters."),
        ("single_choice", ["c9"], "Choose one of the options."),
        ("single_choice", ["status=confirmed"], "Choose one of the options."),
        ("multiple_choice", ["c1", "c7"], "Choose one of the options."),
        ("yes_no", ["maybe"], "Choose one of the options."),
        ("country", ["XX"], "Choose a country from the list."),
        ("country", ["EU"], "Choose a country from the list."),
        ("country", ["Thailand"], "Choose a country from the list."),
        ("short_text", ["nul\x00"], "This field contains a character that is not allowed."),
    ],
)
def test_bad_answers_are_refused_and_never_stored(kind, values, message):
    asked = question(9, kind, choices=[{"en": "A"}, {"en": "B"}])

    answers, errors = parse([asked], FormData([("q9", value) for value in values]))

    assert (answers, errors) == ({}, {"q9": message})


def test_exactly_the_limits_are_accepted():
    qs = [question(1, "short_text"), question(2, "long_text")]

    answers, errors = parse(qs, {"q1": "s" * 300, "q2": "l" * 5000})

    assert (len(answers["1"]), len(answers["2"]), errors) == (300, 5000, {})


def test_messages_come_in_the_language_asked_for():
    required = question(1, "short_text", required=True)

    _answers, errors = parse([required], {}, language="th")

    assert errors == {"q1": "โปรดกรอกข้อมูลในช่องนี้"}


def test_a_prefix_reads_the_fields_of_one_person_of_a_group():
    answers, errors = questions.parse_answers(
        [DIET], {"q1": "c1", "p2-q1": "c2"}, language="en", prefix="p2-"
    )

    assert (answers, errors) == ({"1": "c2"}, {})


def test_script_in_an_answer_stays_text():
    answers, _errors = parse([question(1, "short_text")], {"q1": "<script>alert(1)</script>"})

    assert answers == {"1": "<script>alert(1)</script>"}
    assert questions.answer_text(question(1, "short_text"), answers["1"], "en") == (
        "<script>alert(1)</script>"
    )


# How answers read ------------------------------------------------------------------------------


def test_answers_read_as_words_in_the_language_asked_for():
    assert questions.answer_text(DIET, "c2", "th") == "มังสวิรัติ"
    assert questions.answer_text(DIET, "c2", "en") == "Vegetarian"
    assert questions.answer_text(PANELS, ["c1", "c3"], "th") == "Scams; Trade"
    assert questions.answer_text(question(5, "checkbox"), True, "en") == "Yes"
    assert questions.answer_text(question(5, "checkbox"), False, "en") == "No"
    assert questions.answer_text(question(6, "yes_no"), "yes", "en") == "Yes"
    assert questions.answer_text(question(7, "country"), "TH", "en") == "Thailand"
    assert questions.answer_text(question(7, "country"), "TH", "th") == "ไทย"
    assert questions.answer_text(question(1, "short_text"), None, "en") == ""
    assert questions.answer_text(DIET, "c99", "en") == ""


def test_labels_fall_back_to_the_first_language_given():
    assert questions.label(DIET, "th") == "อาหาร"
    assert questions.label(PANELS, "th") == "Question 2"
    assert questions.help_text(DIET, "en") == ""


def test_countries_are_iso_codes_sorted_by_their_name_in_the_language():
    english = questions.countries("en")
    thai = questions.countries("th")

    assert english[:3] == [("AF", "Afghanistan"), ("AX", "Åland Islands"), ("AL", "Albania")]
    assert len(english) == len(thai) == 250
    assert {"EU", "UN", "ZZ", "001"}.isdisjoint(code for code, _name in english)
    assert [name for _code, name in thai[:3]] == ["กรีซ", "กรีนแลนด์", "กวม"]
    assert questions.country_name("de", "th") == "เยอรมนี"
    assert questions.country_name("??", "en") == "??"


# The form's controls ---------------------------------------------------------------------------


def render_field(asked, value, error="", language="en"):
    template = environment.from_string(
        '{% from "registration/_questions.html" import question_field with context %}'
        "{{ question_field(q, value, error, language) }}"
    )
    html = template.render(
        q=asked, value=value, error=error, language=language, countries=questions.countries("en")
    )
    return BeautifulSoup(html, "html.parser")


def test_a_choice_question_is_a_group_with_its_legend_and_the_answer_checked():
    soup = render_field(DIET, "c2", "Choose one of the options.", language="th")

    group = soup.select_one("fieldset#field-q1")
    assert group.legend.get_text(" ", strip=True) == "อาหาร"
    assert [(box["type"], box["value"], box.has_attr("checked")) for box in group("input")] == [
        ("radio", "c1", False),
        ("radio", "c2", True),
    ]
    assert [box["aria-invalid"] for box in group("input")] == ["true", "true"]
    assert soup.select_one("#error-q1").get_text() == "Choose one of the options."


def test_text_and_country_questions_have_labelled_controls():
    asked = question(3, "country", required=True)
    asked.help = {"en": "Where you work."}

    soup = render_field(asked, "th")

    select_box = soup.select_one("select#input-q3")
    assert soup.select_one("label[for=input-q3]").get_text(" ", strip=True) == "Question 3 *"
    assert select_box["aria-describedby"] == "help-q3"
    assert select_box.select_one("option[selected]")["value"] == "TH"
    assert select_box.has_attr("required")


def test_script_in_a_label_or_answer_is_shown_as_text():
    asked = question(1, "long_text", en="<script>alert(1)</script>")

    soup = render_field(asked, "<script>alert(2)</script>")

    assert soup.find("script") is None
    assert soup.select_one("label").get_text(strip=True) == "<script>alert(1)</script>"
    assert soup.select_one("textarea").get_text() == "<script>alert(2)</script>"


# Building the form -----------------------------------------------------------------------------


@pytest.fixture
def owner(db):
    return make_user(db)


@pytest.fixture
def event(db, owner):
    return make_event(db, owner=owner, languages="en,th")


def add(db, event, owner, **fields):
    defaults = {"kind": "short_text", "labels": {"en": "Position"}, "help": {}, "choices": []}
    found = questions.add_question(db, event, actor=owner, **{**defaults, **fields})
    db.commit()
    return found


def test_questions_are_added_in_order_with_choice_ids(db, event, owner):
    add(db, event, owner, labels={"en": "Organisation type"})
    add(
        db,
        event,
        owner,
        kind="single_choice",
        labels={"en": "Diet", "th": "อาหาร"},
        choices=[{"en": "None", "th": "ไม่มี"}, {"en": "Halal", "th": "ฮาลาล"}],
        is_required=True,
    )

    saved = questions.for_event(db, event)
    assert [(q.position, questions.label(q, "th"), q.is_required) for q in saved] == [
        (0, "Organisation type", False),
        (1, "อาหาร", True),
    ]
    assert saved[1].choices == [
        {"id": "c1", "labels": {"en": "None", "th": "ไม่มี"}},
        {"id": "c2", "labels": {"en": "Halal", "th": "ฮาลาล"}},
    ]
    logged = read_all(db, select(ActivityLog.action).order_by(ActivityLog.id))
    assert logged == ["question.add", "question.add"]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"labels": {"en": " ", "th": ""}}, {"label_en": "This field is required."}),
        ({"labels": {"en": "x" * 301}}, {"label_en": "Use at most 300 characters."}),
        ({"kind": "rating"}, {"kind": "Choose one of the options."}),
        (
            {"kind": "single_choice", "choices": [{"en": "Only one"}]},
            {"choices_en": "Give at least two choices, one per line."},
        ),
        (
            {"kind": "multiple_choice", "choices": [{"en": "Same"}, {"en": "same"}]},
            {"choices_en": "Each choice must be different."},
        ),
    ],
)
def test_a_question_that_cannot_be_asked_is_refused(db, event, owner, fields, errors):
    with pytest.raises(questions.InvalidQuestion) as refused:
        add(db, event, owner, **fields)

    assert refused.value.errors == errors


def test_choices_typed_one_per_line_pair_up_by_line():
    choices, errors = questions.choices_from_lines(
        {"en": "Vegetarian\r\n\r\n  Halal  \n", "th": "มังสวิรัติ\nฮาลาล"}, ["en", "th"]
    )

    assert errors == {}
    assert choices == [{"en": "Vegetarian", "th": "มังสวิรัติ"}, {"en": "Halal", "th": "ฮาลาล"}]
    assert questions.choices_from_lines({"en": "A\nB", "th": "ก"}, ["en", "th"])[1] == {
        "choices_th": "Give one line for each choice of the first language (2), or none."
    }


def test_choices_keep_their_ids_when_labels_change_or_one_goes(db, event, owner):
    asked = add(
        db,
        event,
        owner,
        kind="multiple_choice",
        labels={"en": "Panels"},
        choices=[{"en": "Scams"}, {"en": "Cyber secruity"}, {"en": "Trade"}],
    )

    def save(version, *labels):
        questions.update_question(
            db, event, asked, actor=owner, expected_version=version, kind="multiple_choice",
            labels={"en": "Panels"}, choices=[{"en": label} for label in labels],
        )  # fmt: skip
        db.commit()

    save(1, "Scams", "Cyber security", "Trade")  # a typo corrected
    save(2, "Cyber security", "Trade", "Health")  # one gone, one more

    saved = read(db, select(Question).where(Question.id == asked.id))
    assert [(c["id"], c["labels"]["en"]) for c in saved.choices] == [
        ("c2", "Cyber security"),
        ("c3", "Trade"),
        ("c4", "Health"),
    ]
    assert saved.version == 3


def test_a_stale_edit_is_refused_with_the_saved_question(db, event, owner):
    asked = add(db, event, owner)
    questions.update_question(
        db, event, asked, actor=owner, expected_version=1, kind="short_text",
        labels={"en": "Job title"},
    )  # fmt: skip
    db.commit()

    with pytest.raises(events.StaleEdit) as stale:
        questions.update_question(
            db, event, asked, actor=owner, expected_version=1, kind="short_text",
            labels={"en": "Role"},
        )  # fmt: skip

    assert questions.label(stale.value.current, "en") == "Job title"


def test_an_unchanged_save_changes_nothing(db, event, owner):
    asked = add(db, event, owner)

    changes = questions.update_question(
        db, event, asked, actor=owner, expected_version=1, kind="short_text",
        labels={"en": " Position "},
    )  # fmt: skip
    db.commit()

    assert (changes, read(db, select(Question.version).where(Question.id == asked.id))) == ({}, 1)


def test_questions_move_up_and_down_and_close_ranks_when_one_goes(db, event, owner):
    first, second, third = (add(db, event, owner, labels={"en": n}) for n in ("A", "B", "C"))

    assert questions.move_question(db, event, third, actor=owner, offset=-1) is True
    assert questions.move_question(db, event, first, actor=owner, offset=-1) is False
    questions.delete_question(db, event, first, actor=owner)
    db.commit()

    saved = questions.for_event(db, event)
    assert [(q.position, q.labels["en"]) for q in saved] == [(0, "C"), (1, "B")]
    assert second.id in {q.id for q in saved}
    logged = read_all(db, select(ActivityLog.action).order_by(ActivityLog.id))
    assert logged[-2:] == ["question.move", "question.delete"]


def test_another_events_question_is_not_found(db, event, owner):
    other = make_event(db, owner=owner)
    asked = add(db, other, owner)

    assert questions.question_in(db, event, asked.id) is None
    assert questions.question_in(db, other, asked.id).id == asked.id


def test_every_kind_can_be_added(db, event, owner):
    for kind in QuestionKind:
        add(db, event, owner, kind=kind, choices=[{"en": "A"}, {"en": "B"}])

    kinds = [(str(q.kind), len(q.choices)) for q in questions.for_event(db, event)]
    assert kinds == [
        ("short_text", 0),
        ("long_text", 0),
        ("single_choice", 2),
        ("multiple_choice", 2),
        ("checkbox", 0),
        ("yes_no", 0),
        ("country", 0),
    ]
