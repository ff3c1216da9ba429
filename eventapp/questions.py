"""Custom questions of an event's registration form (rules: no FastAPI here).

An organiser builds the form from questions of a few kinds, each with a label and help text
per event language, a required flag and, for the choice kinds, choices with stable ids
("c1", "c2", ...) so that answers already given keep their meaning when a label is corrected.
Answers live in `Registration.answers` under str(question.id):

    short_text, long_text   the text, stripped ("" and missing: not stored)
    single_choice           a choice id
    multiple_choice         a list of choice ids, in the question's order
    checkbox                True or False (always stored)
    yes_no                  "yes" or "no"
    country                 an ISO 3166-1 alpha-2 code

The form field of question N is `q{N}` (repeated for a multiple choice); `parse_answers` turns
a submitted form into answers and messages, and never stores a value that is not one of the
offered choices.
"""

import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from sqlalchemy import func, select
from sqlmodel import Session

from eventapp import activity, events, i18n
from eventapp.i18n import gettext as _
from eventapp.models import Event, Question, QuestionKind, User

SHORT_MAX = 300
LONG_MAX = 5000
LABEL_MAX = 300
HELP_MAX = 1000
CHOICE_MAX = 200  # characters of one choice's label
CHOICES_MAX = 50
QUESTIONS_MAX = 50

CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
FIELDS = ["kind", "labels", "help", "choices", "is_required"]


class InvalidQuestion(ValueError):
    """The question cannot be saved as given; `errors` are messages by form field
    (`kind`, `label_<lang>`, `choices_<lang>`, `__all__`)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# Reading ---------------------------------------------------------------------------------------


def for_event(db: Session, event: Event) -> list[Question]:
    return list(
        db.scalars(
            select(Question)
            .where(Question.event_id == event.id)
            .order_by(Question.position, Question.id)
        )
    )


def question_in(db: Session, event: Event, question_id: int) -> Question | None:
    """This event's question with that id; None for another event's."""
    question = db.get(Question, question_id)
    return question if question is not None and question.event_id == event.id else None


def _in_language(texts: Mapping[str, str], language: str) -> str:
    """The text in `language`, else the first non-empty one (texts are kept in the order of
    the event's languages, so that is the event's first language when it has one)."""
    if texts.get(language):
        return texts[language]
    return next((text for text in texts.values() if text), "")


def label(question: Question, language: str) -> str:
    return _in_language(question.labels or {}, language)


def help_text(question: Question, language: str) -> str:
    return _in_language(question.help or {}, language)


def choice_label(choice: Mapping[str, Any], language: str) -> str:
    return _in_language(choice.get("labels") or {}, language)


def kind_labels() -> dict[str, str]:
    return {
        QuestionKind.SHORT_TEXT: _("Short text"),
        QuestionKind.LONG_TEXT: _("Long text"),
        QuestionKind.SINGLE_CHOICE: _("One choice from a list"),
        QuestionKind.MULTIPLE_CHOICE: _("Several choices from a list"),
        QuestionKind.CHECKBOX: _("A box to tick"),
        QuestionKind.YES_NO: _("Yes or no"),
        QuestionKind.COUNTRY: _("Country"),
    }


# Countries -------------------------------------------------------------------------------------

# Two-letter codes CLDR knows that are not ISO 3166-1 countries (unions, pseudo-regions, parts).
_NOT_COUNTRIES = {
    "AC",
    "CP",
    "CQ",
    "DG",
    "EA",
    "EU",
    "EZ",
    "IC",
    "QO",
    "TA",
    "UN",
    "XA",
    "XB",
    "ZZ",
}
_THAI_LEADING_VOWELS = "เแโใไ"


def _sort_key(name: str) -> tuple[str, str]:
    """Dictionary order, near enough without ICU: accents and Thai tone marks do not count
    first, and a Thai leading vowel sorts after the consonant it is written before."""
    base = "".join(
        c
        for c in unicodedata.normalize("NFKD", name)
        if not unicodedata.combining(c) or "\u0e30" <= c <= "\u0e3a"  # Thai vowels count
    ).casefold()
    chars = list(base)
    i = 0
    while i < len(chars) - 1:
        if chars[i] in _THAI_LEADING_VOWELS:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
            i += 1
        i += 1
    return "".join(chars), name


@lru_cache(maxsize=16)
def _countries(language: str) -> tuple[tuple[str, str], ...]:
    try:
        territories = Locale.parse(language).territories
    except (ValueError, TypeError, UnknownLocaleError):
        territories = Locale.parse(i18n.DEFAULT_LANGUAGE).territories
    found = [
        (code, name)
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    ]
    return tuple(sorted(found, key=lambda pair: _sort_key(pair[1])))


def countries(language: str) -> list[tuple[str, str]]:
    """(ISO code, name in `language`) for every country, sorted by name."""
    return list(_countries(language))


@lru_cache(maxsize=16)
def _country_names(language: str) -> dict[str, str]:
    return dict(_countries(language))


def country_name(code: str, language: str) -> str:
    """The country's name in `language`; an unknown code as it is."""
    return _country_names(language).get((code or "").upper(), code or "")


def is_country(code: str) -> bool:
    return (code or "").upper() in _country_names(i18n.DEFAULT_LANGUAGE)


# Answers ---------------------------------------------------------------------------------------


def field_name(question: Question, prefix: str = "") -> str:
    return f"{prefix}q{question.id}"


def _submitted(form: Any, name: str) -> list[str]:
    """Every text value of `name`: a FormData (getlist) or a dict of str or list of str."""
    if hasattr(form, "getlist"):
        values = form.getlist(name)
    else:
        value = form.get(name)
        values = value if isinstance(value, list | tuple) else [] if value is None else [value]
    return [value for value in values if isinstance(value, str)]


def _choice_ids(question: Question) -> list[str]:
    return [str(choice.get("id")) for choice in question.choices or []]


def parse_answers(
    questions: Iterable[Question], form: Any, *, language: str, prefix: str = ""
) -> tuple[dict[str, Any], dict[str, str]]:
    """(answers by str(question.id), messages by field name `q{id}`) from a submitted form.
    Fields of other names are ignored; a value that is not one of the choices is an error."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    with i18n.language(language):
        for question in questions:
            name = field_name(question, prefix)
            values = _submitted(form, name)
            if any("\x00" in value for value in values):
                errors[name] = _("This field contains a character that is not allowed.")
                continue
            value, error = _parse_one(question, values)
            if error:
                errors[name] = error
            elif value is not None:
                answers[str(question.id)] = value
    return answers, errors


def _parse_one(question: Question, values: list[str]) -> tuple[Any, str]:
    """(the answer or None when not given, the message or "")."""
    kind = question.kind
    required = _("This field is required.")
    first = values[0] if values else ""
    if kind == QuestionKind.CHECKBOX:
        ticked = first not in ("", "0", "off", "false")
        if question.is_required and not ticked:
            return None, _("Tick this box to continue.")
        return ticked, ""
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        if kind == QuestionKind.SHORT_TEXT:
            text, limit = " ".join(first.split()), SHORT_MAX
        else:
            text, limit = first.replace("\r\n", "\n").replace("\r", "\n").strip(), LONG_MAX
        if len(text) > limit:
            return None, _("Use at most %(max)s characters.", max=limit)
        if not text:
            return None, required if question.is_required else ""
        return text, ""
    if kind == QuestionKind.MULTIPLE_CHOICE:
        chosen = {value.strip() for value in values if value.strip()}
        known = _choice_ids(question)
        if chosen - set(known):
            return None, _("Choose one of the options.")
        if not chosen:
            return None, _("Choose at least one option.") if question.is_required else ""
        return [choice_id for choice_id in known if choice_id in chosen], ""
    value = first.strip()
    if not value:
        return None, required if question.is_required else ""
    if kind == QuestionKind.SINGLE_CHOICE:
        if value not in _choice_ids(question):
            return None, _("Choose one of the options.")
        return value, ""
    if kind == QuestionKind.YES_NO:
        if value not in ("yes", "no"):
            return None, _("Choose one of the options.")
        return value, ""
    if kind == QuestionKind.COUNTRY:
        if len(value) != 2 or not is_country(value):
            return None, _("Choose a country from the list.")
        return value.upper(), ""
    return None, ""


def answer_text(question: Question, value: Any, language: str) -> str:
    """How an answer reads in pages and exports, in `language` ("" when not answered)."""
    if value is None or value == "" or value == []:
        return ""
    with i18n.language(language):
        kind = question.kind
        if kind == QuestionKind.CHECKBOX:
            return _("Yes") if value is True else _("No")
        if kind == QuestionKind.YES_NO:
            return {"yes": _("Yes"), "no": _("No")}.get(str(value), "")
        if kind in CHOICE_KINDS:
            chosen = value if isinstance(value, list) else [value]
            labels = {
                str(choice.get("id")): choice_label(choice, language)
                for choice in question.choices or []
            }
            return "; ".join(labels[str(c)] for c in chosen if str(c) in labels)
        if kind == QuestionKind.COUNTRY:
            return country_name(str(value), language)
        if isinstance(value, list):
            return "; ".join(str(part) for part in value)
        return str(value)


# Building the form -----------------------------------------------------------------------------


def choices_from_lines(
    lines_by_language: Mapping[str, str], languages: list[str]
) -> tuple[list[dict[str, str]], dict[str, str]]:
    """Choices typed one per line in each language's box, line N of each box being choice N:
    ([{language: label}], errors by `choices_<lang>`). The first language's box is the list;
    another language's box may be left empty (its labels then fall back)."""
    columns: dict[str, list[str]] = {}
    for code in languages:
        text = str(lines_by_language.get(code, "") or "")
        columns[code] = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    errors: dict[str, str] = {}
    main = languages[0] if languages else "en"
    count = len(columns.get(main, []))
    for code in languages[1:]:
        if columns[code] and len(columns[code]) != count:
            errors[f"choices_{code}"] = _(
                "Give one line for each choice of the first language (%(count)s), or none.",
                count=count,
            )
    if errors:
        return [], errors
    return [
        {code: columns[code][n] for code in languages if len(columns[code]) > n}
        for n in range(count)
    ], {}


def _clean_texts(texts: Mapping[str, str], languages: list[str], *, multiline: bool) -> dict:
    cleaned = {}
    for code in languages:
        text = str(texts.get(code, "") or "")
        text = text.replace("\r\n", "\n").strip() if multiline else " ".join(text.split())
        if text:
            cleaned[code] = text
    return cleaned


def check_question(
    kind: str,
    labels: Mapping[str, str],
    help: Mapping[str, str],
    choices: list[Mapping[str, str]],
    languages: list[str],
) -> dict[str, str]:
    """Messages by form field for a question that cannot be saved so; {} when it can."""
    errors: dict[str, str] = {}
    main = languages[0] if languages else "en"
    if kind not in set(QuestionKind):
        errors["kind"] = _("Choose one of the options.")
    for code in languages:
        if len(" ".join(str(labels.get(code, "") or "").split())) > LABEL_MAX:
            errors[f"label_{code}"] = _("Use at most %(max)s characters.", max=LABEL_MAX)
        if len(str(help.get(code, "") or "").strip()) > HELP_MAX:
            errors[f"help_{code}"] = _("Use at most %(max)s characters.", max=HELP_MAX)
        texts = [str(choice.get(code, "")) for choice in choices]
        if "\x00" in "".join([str(labels.get(code, "")), str(help.get(code, "")), *texts]):
            errors.setdefault(
                f"label_{code}", _("This field contains a character that is not allowed.")
            )
    if not any(str(labels.get(code, "") or "").strip() for code in languages):
        errors[f"label_{main}"] = _("This field is required.")
    if kind in CHOICE_KINDS:
        if len(choices) < 2:
            errors[f"choices_{main}"] = _("Give at least two choices, one per line.")
        elif len(choices) > CHOICES_MAX:
            errors[f"choices_{main}"] = _("Give at most %(max)s choices.", max=CHOICES_MAX)
        elif any(len(text) > CHOICE_MAX for choice in choices for text in choice.values()):
            errors[f"choices_{main}"] = _(
                "Keep each choice to at most %(max)s characters.", max=CHOICE_MAX
            )
        else:
            for code in languages:
                texts = [choice.get(code, "").casefold() for choice in choices if choice.get(code)]
                if len(texts) != len(set(texts)):
                    errors[f"choices_{code}"] = _("Each choice must be different.")
    return errors


def _stable_choices(
    old: list[dict[str, Any]], new: list[Mapping[str, str]]
) -> list[dict[str, Any]]:
    """New choices with ids: a choice keeps the id of the old choice with the same label in
    some language; otherwise the id of the old choice in its place, when that one is not
    taken (a corrected label); otherwise a new id. So answers keep their meaning."""
    taken: set[str] = set()
    ids: list[str | None] = [None] * len(new)
    for n, labels in enumerate(new):
        for choice in old:
            old_id = str(choice.get("id"))
            old_labels = choice.get("labels") or {}
            if old_id not in taken and any(
                text and old_labels.get(code, "").casefold() == text.casefold()
                for code, text in labels.items()
            ):
                ids[n] = old_id
                taken.add(old_id)
                break
    for n in range(len(new)):
        if ids[n] is None and n < len(old):
            old_id = str(old[n].get("id"))
            if old_id not in taken:
                ids[n] = old_id
                taken.add(old_id)
    used = [int(c[1:]) for c in (str(choice.get("id")) for choice in old) if c[1:].isdigit()]
    following = max(used, default=0) + 1
    result = []
    for n, labels in enumerate(new):
        if ids[n] is None:
            ids[n] = f"c{following}"
            following += 1
        result.append({"id": ids[n], "labels": dict(labels)})
    return result


def _validated(
    event: Event,
    *,
    kind: str,
    labels: Mapping[str, str],
    help: Mapping[str, str],
    choices: list[Mapping[str, str]],
) -> tuple[QuestionKind, dict[str, str], dict[str, str], list[dict[str, str]]]:
    languages = event.language_list or [i18n.DEFAULT_LANGUAGE]
    kind_value = str(kind)
    clean_choices = [_clean_texts(choice, languages, multiline=False) for choice in choices]
    clean_choices = [choice for choice in clean_choices if choice]
    errors = check_question(kind_value, labels, help, clean_choices, languages)
    if errors:
        raise InvalidQuestion(errors)
    question_kind = QuestionKind(kind_value)
    return (
        question_kind,
        _clean_texts(labels, languages, multiline=False),
        _clean_texts(help, languages, multiline=True),
        clean_choices if question_kind in CHOICE_KINDS else [],
    )


def add_question(
    db: Session,
    event: Event,
    *,
    actor: User,
    kind: str,
    labels: Mapping[str, str],
    help: Mapping[str, str] | None = None,
    choices: list[Mapping[str, str]] | None = None,
    is_required: bool = False,
) -> Question:
    """A new question, placed last. `labels` and `help` by language; `choices` a list of
    {language: label}. Raises InvalidQuestion."""
    kind_value, labels, help_texts, clean = _validated(
        event, kind=kind, labels=labels, help=help or {}, choices=choices or []
    )
    count = db.scalar(select(func.count(Question.id)).where(Question.event_id == event.id))
    if (count or 0) >= QUESTIONS_MAX:
        raise InvalidQuestion(
            {"__all__": _("A form has at most %(max)s questions.", max=QUESTIONS_MAX)}
        )
    last = db.scalar(select(func.max(Question.position)).where(Question.event_id == event.id))
    question = Question(
        event_id=event.id,
        position=0 if last is None else last + 1,
        kind=kind_value,
        labels=labels,
        help=help_texts,
        choices=_stable_choices([], clean),
        is_required=is_required,
    )
    db.add(question)
    db.flush()
    activity.record(
        db,
        actor=actor,
        action="question.add",
        event_id=event.id,
        obj=question,
        summary=label(question, event.language_list[0] if event.language_list else "en"),
        changes=activity.diff({}, _record(question)),
    )
    return question


def _joined(texts: Mapping[str, str] | None) -> str:
    return "; ".join(f"{code}: {text}" for code, text in (texts or {}).items())


def _record(question: Question) -> dict[str, Any]:
    """The question's fields as the activity log keeps them."""
    return {
        "kind": str(question.kind),
        "labels": _joined(question.labels),
        "help": _joined(question.help),
        "choices": "; ".join(
            choice_label(choice, next(iter(question.labels or {"en": ""}), "en"))
            for choice in question.choices or []
        ),
        "is_required": question.is_required,
    }


def update_question(
    db: Session,
    event: Event,
    question: Question,
    *,
    actor: User,
    expected_version: int,
    kind: str,
    labels: Mapping[str, str],
    help: Mapping[str, str] | None = None,
    choices: list[Mapping[str, str]] | None = None,
    is_required: bool = False,
) -> dict[str, list[Any]]:
    """Change a question; returns the changes ({} when nothing changed). Choices keep their
    ids (see _stable_choices). Raises StaleEdit (its `current` is the saved question) or
    InvalidQuestion. Labels in languages the event no longer uses are kept."""
    db.refresh(question, with_for_update=True)
    if question.version != expected_version:
        raise events.StaleEdit(question)
    kind_value, new_labels, help_texts, clean = _validated(
        event, kind=kind, labels=labels, help=help or {}, choices=choices or []
    )
    languages = event.language_list
    before = _record(question)
    kept_labels = {k: v for k, v in (question.labels or {}).items() if k not in languages}
    kept_help = {k: v for k, v in (question.help or {}).items() if k not in languages}
    question.kind = kind_value
    question.labels = {**new_labels, **kept_labels}
    question.help = {**help_texts, **kept_help}
    question.choices = _stable_choices(list(question.choices or []), clean)
    question.is_required = is_required
    changes = activity.diff(before, _record(question))
    if not changes:
        return {}
    question.version += 1
    db.flush()
    activity.record(
        db,
        actor=actor,
        action="question.edit",
        event_id=event.id,
        obj=question,
        summary=label(question, languages[0] if languages else "en"),
        changes=changes,
    )
    return changes


def move_question(
    db: Session, event: Event, question: Question, *, actor: User, offset: int
) -> bool:
    """Move a question `offset` places (-1 up, +1 down); False when it is already at that end."""
    ordered = list(
        db.scalars(
            select(Question)
            .where(Question.event_id == event.id)
            .order_by(Question.position, Question.id)
            .with_for_update()
        )
    )
    index = next(i for i, q in enumerate(ordered) if q.id == question.id)
    target = index + offset
    if not 0 <= target < len(ordered):
        return False
    ordered.insert(target, ordered.pop(index))
    for position, each in enumerate(ordered):
        each.position = position
    db.flush()
    activity.record(
        db,
        actor=actor,
        action="question.move",
        event_id=event.id,
        obj=question,
        summary=label(question, event.language_list[0] if event.language_list else "en"),
        changes={"position": [index + 1, target + 1]},
    )
    return True


def delete_question(db: Session, event: Event, question: Question, *, actor: User) -> None:
    """Remove a question from the form. Answers already given stay in the registrations (an
    export of them no longer has the column)."""
    before = _record(question)
    activity.record(
        db,
        actor=actor,
        action="question.delete",
        event_id=event.id,
        obj=question,
        summary=label(question, event.language_list[0] if event.language_list else "en"),
        changes=activity.diff(before, dict.fromkeys(before)),
    )
    db.delete(question)
    db.flush()
    for position, each in enumerate(for_event(db, event)):
        each.position = position
    db.flush()
