"""The report pages over HTTP: who may do what, Dutch validation, versions, exports."""

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from zicht.audit.models import AuditEntry
from zicht.insight import services
from zicht.insight.models import Report, ReportVersion
from zicht.insight.services import Text
from zicht.register.tests.factories import make_signal

pytestmark = pytest.mark.django_db

NEW = {
    "title": "Fenomeenbeeld eerste kwartaal",
    "period_start": "2026-01-01",
    "period_end": "2026-03-31",
    "summary": "Arbeidsuitbuiting in de bouw.",
    "trends": "",
    "modus_operandi": "",
    "recommendations": "",
    "note": "",
}


def _report(**text: str) -> Report:
    text.setdefault("title", "Fenomeenbeeld eerste kwartaal")
    return services.create_report(
        acting_user=None,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        text=Text(**text),
    )


def _edit_data(report: Report, based_on: int, **changes: str) -> dict[str, Any]:
    version = report.versions.get(number=based_on)
    return {
        "title": version.title,
        "summary": version.summary,
        "trends": version.trends,
        "modus_operandi": version.modus_operandi,
        "recommendations": version.recommendations,
        "note": "",
        "based_on": based_on,
        **changes,
    }


def test_analyst_creates_a_report(client_for: Any) -> None:
    response = client_for("analist").post(reverse("insight:report-create"), NEW)
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("insight:report-detail", args=[report.pk])
    assert report.versions.get().summary == "Arbeidsuitbuiting in de bouw."
    assert AuditEntry.objects.filter(object_type="insight.report", action="create").count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Geef het fenomeenbeeld een titel."),
        ({"period_start": ""}, "Kies het begin van de periode."),
        ({"period_end": "2025-12-01"}, "Het einde van de periode ligt vóór het begin."),
        ({"period_start": "31-31-2026"}, "Voer een geldige datum in."),
        ({"period_start": "2999-01-01", "period_end": "2999-02-01"}, "in de toekomst"),
        ({"summary": "x" * 20_001}, "Deze tekst is te lang"),
    ],
)
def test_invalid_report_shows_dutch_errors_and_writes_nothing(
    changes: dict[str, str], message: str, client_for: Any
) -> None:
    response = client_for("analist").post(reverse("insight:report-create"), {**NEW, **changes})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'class="error-summary"' in html
    assert 'aria-invalid="true"' in html
    assert not Report.objects.exists()
    assert not ReportVersion.objects.exists()
    assert not AuditEntry.objects.filter(object_type="insight.report").exists()


def test_new_report_takes_the_period_from_the_dashboard(client_for: Any) -> None:
    html = (
        client_for("coordinator")
        .get(reverse("insight:report-create"), {"van": "2026-04-01", "tot": "2026-06-30"})
        .content.decode()
    )
    assert 'value="2026-04-01"' in html
    assert 'value="2026-06-30"' in html


def test_dashboard_links_to_the_reports(client_for: Any) -> None:
    html = client_for("analist").get(reverse("insight:dashboard"), {"van": "2026-01-01"})
    text = html.content.decode()
    assert reverse("insight:report-list") in text
    assert reverse("insight:report-create") + "?van=2026-01-01" in text
    readonly = client_for("alleen_lezen").get(reverse("insight:dashboard")).content.decode()
    assert reverse("insight:report-list") in readonly
    assert reverse("insight:report-create") not in readonly


def test_detail_shows_text_exact_figures_versions_and_history(client_for: Any) -> None:
    for _ in range(3):
        make_signal(received_on=date(2026, 2, 1), municipality_code="GM0307")
    report = _report(summary="Samenvatting van het kwartaal.")
    response = client_for("alleen_lezen").get(reverse("insight:report-detail", args=[report.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Samenvatting van het kwartaal." in html
    assert "3 signalen in deze periode" in html  # exact on screen
    assert 'data-testid="versions"' in html
    assert 'data-testid="status-history"' in html
    assert reverse("insight:report-pdf", args=[report.pk]) in html
    # A reader sees no editing or status buttons, and no dashboard downloads.
    assert reverse("insight:report-edit", args=[report.pk]) not in html
    assert reverse("insight:report-transition", args=[report.pk]) not in html
    assert reverse("insight:table-csv", args=["gemeenten"]) not in html
    assert 'style="' not in html.split("<main", 1)[1]


def test_each_save_makes_a_version_and_old_versions_stay_readable(client_for: Any) -> None:
    client = client_for("analist")
    report = _report(summary="Eerste.")
    edit = reverse("insight:report-edit", args=[report.pk])
    assert 'name="based_on"' in client.get(edit).content.decode()
    response = client.post(edit, _edit_data(report, 1, summary="Tweede.", note="na overleg"))
    assert response.status_code == 302
    client.post(edit, _edit_data(report, 2, summary="Derde."))
    assert list(report.versions.values_list("number", "summary")) == [
        (1, "Eerste."),
        (2, "Tweede."),
        (3, "Derde."),
    ]
    old = client.get(reverse("insight:report-version", args=[report.pk, 1])).content.decode()
    assert "Eerste." in old
    assert "de nieuwste is versie 3" in old
    detail = client.get(reverse("insight:report-detail", args=[report.pk])).content.decode()
    assert "Derde." in detail
    assert "na overleg" in detail
    assert client.get(reverse("insight:report-version", args=[report.pk, 9])).status_code == 404


def test_a_stale_edit_is_refused_and_the_text_kept(client_for: Any) -> None:
    client = client_for("analist")
    report = _report(summary="Eerste.")
    edit = reverse("insight:report-edit", args=[report.pk])
    client.post(edit, _edit_data(report, 1, summary="Van collega."))
    response = client.post(edit, _edit_data(report, 1, summary="Mijn eigen tekst."))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Intussen is versie 2 opgeslagen" in html
    assert "Mijn eigen tekst." in html  # still in the form
    assert report.versions.count() == 2


def test_an_invalid_edit_writes_nothing(client_for: Any) -> None:
    report = _report(summary="Eerste.")
    response = client_for("coordinator").post(
        reverse("insight:report-edit", args=[report.pk]),
        _edit_data(report, 1, title="", summary="Anders."),
    )
    assert "Geef het fenomeenbeeld een titel." in response.content.decode()
    assert report.versions.count() == 1
    assert not AuditEntry.objects.filter(object_type="insight.report", action="update").exists()


def test_status_changes_through_the_page(client_for: Any) -> None:
    client = client_for("coordinator")
    report = _report(summary="Klaar.")
    url = reverse("insight:report-transition", args=[report.pk])
    assert client.post(url, {"to_status": "definitief"}).status_code == 302
    report.refresh_from_db()
    assert report.status == "definitief"
    # A final report is not edited: the edit page sends the writer back.
    edit = client.get(reverse("insight:report-edit", args=[report.pk]))
    assert edit.status_code == 302
    detail = client.get(reverse("insight:report-detail", args=[report.pk]), follow=False)
    assert "Heropenen als concept" in detail.content.decode()
    # Reopening without a reason is refused with a Dutch message.
    response = client.post(url, {"to_status": "concept"}, follow=True)
    assert "Geef een reden op." in response.content.decode()
    report.refresh_from_db()
    assert report.status == "definitief"


def test_exports_over_http(client_for: Any) -> None:
    for _ in range(6):
        make_signal(received_on=date(2026, 1, 15), municipality_code="GM0344")
    report = _report(summary="Samenvatting.")
    client = client_for("data_steward")
    pdf = client.get(reverse("insight:report-pdf", args=[report.pk]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith('attachment; filename="zicht-fenomeenbeeld-')
    assert pdf.content.startswith(b"%PDF")
    html = client.get(reverse("insight:report-html", args=[report.pk]))
    assert html["Content-Type"] == "text/html; charset=utf-8"
    assert b"Samenvatting." in html.content
    exports = AuditEntry.objects.filter(action="export", object_type="insight.report")
    assert sorted(exports.values_list("detail__format", flat=True)) == ["html", "pdf"]


def test_withdrawn_report_is_not_exported_over_http(client_for: Any) -> None:
    report = _report(summary="s")
    services.transition_report(
        acting_user=None, report=report, to_status="ingetrokken", reason="dubbel"
    )
    response = client_for("analist").get(reverse("insight:report-pdf", args=[report.pk]))
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="export").exists()


@pytest.mark.parametrize("role", ["alleen_lezen", "data_steward", "partner", "beheerder"])
def test_only_writers_create_edit_or_change_status(role: str, client_for: Any) -> None:
    report = _report(summary="s")
    client = client_for(role)
    assert client.post(reverse("insight:report-create"), NEW).status_code == 403
    edit = reverse("insight:report-edit", args=[report.pk])
    assert client.post(edit, _edit_data(report, 1, summary="t")).status_code == 403
    transition = reverse("insight:report-transition", args=[report.pk])
    assert client.post(transition, {"to_status": "definitief"}).status_code == 403
    assert Report.objects.count() == 1
    assert report.versions.count() == 1
    report.refresh_from_db()
    assert report.status == "concept"


def test_missing_report_is_404(client_for: Any) -> None:
    client = client_for("analist")
    assert client.get(reverse("insight:report-detail", args=[999])).status_code == 404
    assert client.get(reverse("insight:report-pdf", args=[999])).status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()


def test_report_list(client_for: Any) -> None:
    _report(summary="s")
    html = client_for("alleen_lezen").get(reverse("insight:report-list")).content.decode()
    assert "Fenomeenbeeld eerste kwartaal" in html
    assert "01-01-2026 – 31-03-2026" in html
    assert reverse("insight:report-create") not in html


def test_an_unknown_status_is_reported_in_dutch(client_for: Any) -> None:
    report = _report(summary="s")
    response = client_for("analist").post(
        reverse("insight:report-transition", args=[report.pk]),
        {"to_status": "gepubliceerd"},
        follow=True,
    )
    assert "Selecteer een geldige keuze" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "concept"
    assert report.status_changes.count() == 1
