"""Interface language: Thai and English catalogs, chosen by the person, then Accept-Language."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from eventapp import i18n
from tests.factories import page, post_form

ROOT = Path(__file__).resolve().parent.parent


def _interface_messages() -> set[str]:
    """Every message the code and templates mark for translation (as babel.cfg extracts)."""
    found = extract_from_dir(
        str(ROOT),
        [
            ("eventapp/**.py", "python"),
            ("templates/**.html", "jinja2"),
            ("templates/**.txt", "jinja2"),
        ],
        {"templates/**": {"trim_blocks": "true", "lstrip_blocks": "true"}},
        {"_": None, "gettext": None, "ngettext": (1, 2)},
    )
    return {message if isinstance(message, str) else message[0] for *_, message, _c, _x in found}


def test_every_interface_message_has_a_thai_translation():
    with (i18n.CATALOG_DIR / "th" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="th")
    translated = {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalog
        if message.id
        and all(message.string if isinstance(message.string, tuple) else [message.string])
    }

    assert sorted(_interface_messages() - translated) == []


def test_no_message_is_used_both_alone_and_with_a_plural():
    """gettext keys a plural entry apart from a plain one: the plain lookup would find nothing."""
    found = extract_from_dir(
        str(ROOT),
        [
            ("eventapp/**.py", "python"),
            ("templates/**.html", "jinja2"),
            ("templates/**.txt", "jinja2"),
        ],
        {"templates/**": {"trim_blocks": "true", "lstrip_blocks": "true"}},
        {"_": None, "gettext": None, "ngettext": (1, 2)},
    )
    alone = {message for *_, message, _c, _x in found if isinstance(message, str)}
    plural = {message[0] for *_, message, _c, _x in found if not isinstance(message, str)}

    assert sorted(alone & plural) == []


def test_accept_language_picks_thai_and_html_lang_follows(client):
    response = client.get("/", headers={"accept-language": "th-TH,th;q=0.9,en;q=0.5"})

    document = page(response)
    assert document.select_one("html")["lang"] == "th"
    assert document.select_one("h1").get_text() == "กิจกรรม"
    assert response.headers["content-language"] == "th"


def test_an_unsupported_language_falls_back_to_english(client):
    response = client.get("/", headers={"accept-language": "fr-FR,de;q=0.8"})

    assert page(response).select_one("html")["lang"] == "en"
    assert page(response).select_one("h1").get_text() == "Events"


def test_the_chosen_language_wins_over_accept_language(client):
    response = post_form(client, "/language", {"language": "th", "next": "/"})
    assert (response.status_code, response.headers["location"]) == (303, "/")

    chosen = client.get("/", headers={"accept-language": "en"})

    assert page(chosen).select_one("html")["lang"] == "th"


def test_the_language_switch_refuses_to_redirect_to_another_site(client):
    response = post_form(client, "/language", {"language": "en", "next": "//evil.example/"})

    assert (response.status_code, response.headers["location"]) == (303, "/")
