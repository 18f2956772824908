"""Each user's language: saved when they switch, on the account page and through the API;
carried to the browser at sign-in; used for requests without a language cookie."""

import pytest
from django.conf import settings as django_settings

from guanxi.accounts.models import User

pytestmark = pytest.mark.django_db
COOKIE = django_settings.LANGUAGE_COOKIE_NAME
MIDDLEWARE_LINE = "guanxi.accounts.middleware.UserLanguageMiddleware"


def _language(employee):
    return User.objects.get(pk=employee.user_id).language


def _login(client, username, password):
    return client.post("/login/", {"org": "", "username": username, "password": password})


def test_switching_language_saves_it_for_a_signed_in_user(world, web):
    client = web(world.rep_a)
    response = client.post("/account/language/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "en"
    assert _language(world.rep_a) == "en"
    # a language the installation does not offer changes nothing
    client.post("/account/language/", {"language": "fr", "next": "/"})
    assert _language(world.rep_a) == "en"


def test_switching_language_signed_out_only_sets_the_cookie(world, client):
    response = client.post("/account/language/", {"language": "en", "next": "/login/"})
    assert response.cookies[COOKIE].value == "en"
    assert _language(world.rep_a) == ""


def test_sign_in_carries_the_saved_language_to_the_browser(world, client, password):
    User.objects.filter(pk=world.rep_a.user_id).update(language="en")
    response = _login(client, "rep_a", password)
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "en"
    assert "Hello" in client.get("/").content.decode()


def test_sign_in_saves_the_language_picked_on_the_sign_in_page(world, client, password):
    client.cookies[COOKIE] = "en"
    response = _login(client, "rep_a", password)
    assert response.status_code == 302
    assert COOKIE not in response.cookies  # already the browser's
    assert _language(world.rep_a) == "en"


def test_the_account_page_sets_and_clears_the_language(world, web):
    client = web(world.rep_a)
    page = client.get("/account/security/").content.decode()
    assert 'data-testid="language-form"' in page and "默认（简体中文）" in page
    response = client.post("/account/security/", {"action": "language", "lang-language": "en"})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "en"
    assert _language(world.rep_a) == "en"
    assert "Language saved." in client.get("/account/security/").content.decode()
    refused = client.post("/account/security/", {"action": "language", "lang-language": "xx"})
    assert refused.status_code == 200 and "xx" in refused.content.decode()
    assert _language(world.rep_a) == "en"
    response = client.post("/account/security/", {"action": "language", "lang-language": ""})
    assert response.cookies[COOKIE].value == ""  # deleted: the default applies again
    assert _language(world.rep_a) == ""


def test_api_me_shows_and_changes_the_language(world, api):
    client = api(world.rep_a)
    assert client.get("/api/v1/me").json()["language"] == ""
    changed = client.patch("/api/v1/me", {"language": "en"}, format="json")
    assert changed.status_code == 200 and changed.json()["language"] == "en"
    assert _language(world.rep_a) == "en"
    refused = client.patch("/api/v1/me", {"language": "klingon"}, format="json")
    assert refused.status_code == 400
    # the API reads in the saved language (no cookie on an API client)
    assert refused.json()["fields"]["language"] == ["“klingon” is not a valid language."]
    assert _language(world.rep_a) == "en"
    assert client.patch("/api/v1/me", {"language": ""}, format="json").json()["language"] == ""


def test_the_middleware_reads_in_the_saved_language_unless_a_cookie_says_otherwise(
    world, web, api, settings
):
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("guanxi.orgs.middleware.TenantMiddleware") + 1, MIDDLEWARE_LINE
    )
    settings.MIDDLEWARE = middleware
    User.objects.filter(pk=world.rep_a.user_id).update(language="en")
    client = web(world.rep_a)
    assert "Hello" in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    client.cookies[COOKIE] = "zh-hans"
    assert "您好" in client.get("/").content.decode()
    # an API client with a bearer token too
    refused = api(world.rep_a).post("/api/v1/approval-flows", {}, format="json")
    assert refused.json()["detail"].startswith("You are not allowed")
