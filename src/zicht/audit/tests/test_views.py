"""The audit page and CSV export."""

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from zicht.audit.models import AuditAction, AuditEntry
from zicht.audit.services import record, verify_chain

pytestmark = pytest.mark.django_db


def test_audit_page_filters_by_action(client_for: Any) -> None:
    record(action=AuditAction.LOGIN_FAILED, username="probeerder", outcome="failure")
    record(action=AuditAction.EXPORT, object_type="x", object_id="1")
    client = client_for("beheerder")
    page = client.get(reverse("audit:entry-list"), {"action": "login_failed"}).content.decode()
    assert "probeerder" in page
    assert "x #1" not in page


def test_audit_page_rejects_reversed_dates(client_for: Any) -> None:
    response = client_for("beheerder").get(
        reverse("audit:entry-list"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert "De begindatum ligt na de einddatum" in response.content.decode()


def test_viewing_the_audit_log_is_itself_audited(client_for: Any) -> None:
    client_for("beheerder").get(reverse("audit:entry-list"))
    assert AuditEntry.objects.filter(action="read", object_type="audit.auditentry").exists()


def test_csv_export_matches_entries_and_is_audited(client_for: Any) -> None:
    record(action=AuditAction.READ, object_type="test.thing", object_id="=cmd()", purpose="analyse")
    client = client_for("beheerder")
    response = client.get(reverse("audit:entry-export"), {"object_type": "test.thing"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    assert rows[0]["purpose"] == "analyse"
    # A cell that a spreadsheet would run as a formula is neutralised.
    assert rows[0]["object_id"] == "'=cmd()"
    export = AuditEntry.objects.get(action="export", object_type="audit.auditentry")
    assert export.detail == {"rows": 1}
    assert verify_chain() is None


def test_api_lists_entries_with_cursor(client_for: Any) -> None:
    for i in range(5):
        record(action=AuditAction.READ, object_type="test.thing", object_id=i)
    client = client_for("beheerder")
    first = client.get("/api/v1/audit/entries", {"object_type": "test.thing", "limit": 3}).json()
    assert [item["object_id"] for item in first["items"]] == ["4", "3", "2"]
    second = client.get(
        "/api/v1/audit/entries",
        {"object_type": "test.thing", "limit": 3, "before_id": first["next_before_id"]},
    ).json()
    assert [item["object_id"] for item in second["items"]] == ["1", "0"]
    assert second["next_before_id"] is None


def test_api_limit_out_of_range_is_problem(client_for: Any) -> None:
    response = client_for("beheerder").get("/api/v1/audit/entries", {"limit": 0})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
