"""The API skeleton: authentication, problem+json errors, and the committed contract."""

import json
from typing import Any

import pytest
from django.test import Client

from zicht.core.openapi import ROLES, contract_path, current_document

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def test_anonymous_gets_401_problem() -> None:
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 401
    assert body["title"] == "Niet ingelogd"
    assert body["instance"] == "/api/v1/me"
    assert body["request_id"] == response["X-Request-ID"]


def test_me_describes_the_user(client_for: Any) -> None:
    body = client_for("analist", "data_steward").get("/api/v1/me").json()
    assert body["roles"] == ["analist", "data_steward"]
    assert body["instance"] == "node-midden-nederland"


def test_unknown_api_path_is_a_problem_404(client_for: Any) -> None:
    response = client_for("analist").get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_validation_error_is_a_problem_422(client_for: Any) -> None:
    response = client_for("beheerder").get("/api/v1/audit/entries?date_from=not-a-date")
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"][0]["loc"][-1] == "date_from"


def test_forbidden_is_a_problem_403(client_for: Any) -> None:
    response = client_for("analist").get("/api/v1/audit/entries")
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


def test_unsafe_method_needs_csrf(make_user: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("analist"))
    response = client.post("/api/v1/me")
    assert response.status_code in (403, 405)


@pytest.mark.parametrize("role", ROLES)
def test_committed_openapi_matches_the_code(role: str) -> None:
    committed = contract_path(role).read_text(encoding="utf-8")
    assert committed == current_document(role), (
        f"openapi/{role}.json is out of date: run `zicht export_openapi` and commit it"
    )
    assert json.loads(committed)["openapi"].startswith("3.")
