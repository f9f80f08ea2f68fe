"""Health endpoint, home page, navigation by role and the language switch."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_health_answers_without_login() -> None:
    response = Client().get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "status": "ok",
        "role": "node",
        "region": "midden-nederland",
        "version": body["version"],
        "database": "ok",
    }


def test_health_on_hub(as_hub: None) -> None:
    body = Client().get("/health").json()
    assert body["role"] == "hub"
    assert body["region"] is None


def test_every_response_has_a_request_id_and_security_headers() -> None:
    response = Client().get("/health")
    assert len(response["X-Request-ID"]) == 32
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_need_login() -> None:
    response = Client().get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_home_shows_the_navigation_of_the_role(client_for: Any) -> None:
    admin_page = client_for("beheerder").get(reverse("core:home")).content.decode()
    analyst_page = client_for("analist").get(reverse("core:home")).content.decode()
    assert reverse("audit:entry-list") in admin_page
    assert reverse("accounts:user-list") in admin_page
    assert reverse("audit:entry-list") not in analyst_page
    assert "RIEC Midden-Nederland" in analyst_page


def test_home_on_hub_says_no_personal_data(as_hub: None, client_for: Any) -> None:
    page = client_for("analist").get(reverse("core:home")).content.decode()
    assert "LIEC" in page
    assert "geen persoonsgegevens" in page


def test_dutch_by_default_and_english_on_request(client_for: Any) -> None:
    client = client_for("analist")
    assert 'lang="nl"' in client.get(reverse("core:home")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("core:home")).content.decode()
    assert 'lang="en"' in page


def test_htmx_is_vendored_and_served() -> None:
    from django.contrib.staticfiles import finders

    assert finders.find("core/vendor/htmx-2.0.11.min.js")
    assert finders.find("core/vendor/htmx-LICENSE.txt")


def test_dutch_even_when_the_browser_asks_for_english(client_for: Any) -> None:
    client = client_for("analist")
    page = client.get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="nl"' in page.content.decode()
