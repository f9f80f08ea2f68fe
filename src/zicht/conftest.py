"""Fixtures shared by every app's tests."""

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from zicht.accounts.models import User
from zicht.accounts.tests.factories import OrganisationFactory, UserFactory


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """A user with the given role codes (and optionally a confirmed TOTP device)."""

    def make(*roles: str, **kwargs: Any) -> User:
        user: User = UserFactory(roles=list(roles), **kwargs)
        return user

    return make


@pytest.fixture
def client_for(make_user: Callable[..., User]) -> Callable[..., Client]:
    """A test client logged in as a fresh user with the given roles."""

    def make(*roles: str, **kwargs: Any) -> Client:
        client = Client()
        client.force_login(make_user(*roles, **kwargs))
        return client

    return make


@pytest.fixture
def as_hub(settings: Any) -> None:
    """Run the test as the hub (its URLconf, no region)."""
    settings.ZICHT_ROLE = "hub"
    settings.ZICHT_REGION = None
    settings.ZICHT_INSTANCE = "hub"
    settings.ROOT_URLCONF = "zicht.urls_hub"


@pytest.fixture
def partner_org(db: None) -> Any:
    return OrganisationFactory(gemeente=True)


# --- Browser tests (marked "browser"): Debian's Chromium driven by Playwright ----------------

CHROMIUM = os.environ.get("ZICHT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    import os

    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
    # between browser steps are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, live_server: Any) -> Iterator[Any]:
    context = chromium.new_context(base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
