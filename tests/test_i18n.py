"""Interface language: Thai and English catalogs, chosen by the person, then Accept-Language."""

from eventapp import i18n
from tests.factories import page, post_form


def test_accept_language_picks_thai_and_html_lang_follows(client):
    response = client.get("/", headers={"accept-language": "th-TH,th;q=0.9,en;q=0.5"})

    document = page(response)
    assert document.select_one("html")["lang"] == "th"
    assert document.select_one("h1").get_text() == i18n.translations_for("th").gettext("Events")
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
