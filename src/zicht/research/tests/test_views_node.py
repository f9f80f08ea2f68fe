"""A node's research pages over HTTP: the requests, the steward's decision, the release.

The test node is Midden-Nederland (settings_test). Its register gets a few signals through the
register's services, so the steward's preview has something to show; every preview and
download must leave an audit entry, and only the data steward may decide.
"""

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from zicht.audit.models import AuditEntry
from zicht.register.tests.factories import make_signal
from zicht.research.models import LocalDecision, RunRequest
from zicht.research.services import node as node_services
from zicht.research.study import StudySpec
from zicht.research.tests.authz import released_request, run_request, study_spec

pytestmark = pytest.mark.django_db

ClientFor = Callable[..., Client]


@pytest.fixture
def signals() -> None:
    """Three labour-exploitation signals in construction and one in hospitality, in the period;
    one of sexual exploitation and one after the period, which the study does not count."""
    for _ in range(3):
        make_signal(received_on=date(2026, 3, 2), form_codes=["arbeid"], sector_code="bouw")
    make_signal(received_on=date(2026, 4, 15), form_codes=["arbeid"], sector_code="horeca")
    make_signal(received_on=date(2026, 3, 2), form_codes=["seksueel"], sector_code="horeca")
    make_signal(received_on=date(2026, 8, 1), form_codes=["arbeid"], sector_code="bouw")


def _detail(request: RunRequest, query: str = "") -> str:
    return reverse("research:request-detail", args=[request.run_id]) + query


def _decide(request: RunRequest) -> str:
    return reverse("research:request-decide", args=[request.run_id])


def _reads(request: RunRequest) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            action="read", object_type="research.runrequest", object_id=str(request.pk)
        )
    )


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _preview_rows(html: str) -> list[list[str]]:
    table = re.search(r'<table class="table" data-testid="preview">.*?</table>', html, re.S)
    assert table is not None
    body = table.group(0).split("<tbody>")[1]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_the_list_puts_requests_awaiting_a_decision_first(
    client_for: ClientFor, make_user: Any
) -> None:
    decided = run_request(study_spec(title="Al besloten"))
    node_services.decide(
        acting_user=make_user("data_steward"), request=decided, approve=True, reason=""
    )
    released = released_request()
    waiting = run_request(study_spec(title="Wacht op u"))
    response = client_for("alleen_lezen").get(reverse("research:request-list"))
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(f'data-testid="request-{r.run_id}"') for r in (waiting, released)]
    assert positions[0] < positions[1]
    assert html.index(f'data-testid="request-{waiting.run_id}"') < html.index(
        f'data-testid="request-{decided.run_id}"'
    )
    assert "1 uitvoering wacht op een besluit." in html
    assert "Al besloten" in html
    assert "goedgekeurd" in html
    assert "vrijgegeven" in html


@pytest.mark.usefixtures("signals")
def test_the_steward_reads_the_question_and_an_audited_preview(
    client_for: ClientFor, make_user: Any
) -> None:
    request = run_request()
    steward = make_user("data_steward")
    client = Client()
    client.force_login(steward)
    response = client.get(_detail(request))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Geteld wordt het aantal signalen met een datum van ontvangst van 1 januari 2026" in html
    assert "Filter: alleen signalen met uitbuitingsvorm Arbeidsuitbuiting" in html
    assert "k = 10" in html
    assert "nee, geen ruis" in html
    assert "Deze voorbeeldtabel blijft op deze node." in html
    assert _preview_rows(html) == [["Bouw", "3"], ["Horeca", "1"]]
    assert "2 cellen met een aantal (van 19)" in html
    [entry] = _reads(request)
    assert entry.actor_id == steward.pk
    assert entry.detail["event"] == "preview"
    assert entry.detail["run"] == request.run_id
    assert entry.detail["digest"] == request.digest
    assert entry.purpose
    assert entry.legal_ground
    # The decision form is there, without an own-column choice (the study does not ask it).
    assert 'data-testid="decision-form"' in html
    assert 'name="region_column"' not in html
    assert "style=" not in html


@pytest.mark.usefixtures("signals")
def test_a_reader_sees_the_request_but_cannot_decide(client_for: ClientFor) -> None:
    request = run_request()
    client = client_for("analist")
    html = client.get(_detail(request)).content.decode()
    assert 'data-testid="decision-form"' not in html
    assert "Alleen de data steward van deze regio kan over deze uitvoering besluiten." in html
    assert len(_reads(request)) == 1  # the preview read the register, so it is audited
    assert client.post(_decide(request), {"decision": "approve"}).status_code == 403
    request.refresh_from_db()
    assert request.decision == LocalDecision.PENDING


def test_approving_writes_the_decision_and_its_audit_entry(make_user: Any) -> None:
    request = run_request()
    steward = make_user("data_steward")
    client = Client()
    client.force_login(steward)
    response = client.post(
        _decide(request), {"decision": "approve", "reason": "Past bij ons beeld"}
    )
    assert response.status_code == 302
    assert response["Location"] == _detail(request, "#besluit")
    request.refresh_from_db()
    assert request.decision == LocalDecision.APPROVED
    assert request.decided_by == steward
    assert request.reason == "Past bij ons beeld"
    assert not request.region_column
    entry = AuditEntry.objects.get(action="update", object_type="research.runrequest")
    assert entry.actor_id == steward.pk
    assert entry.detail["event"] == "decision"
    assert entry.detail["decision"] == "approved"
    assert entry.detail["digest"] == request.digest
    page = client.get(response["Location"])
    assert any("goedgekeurd" in m for m in _messages(page))
    html = page.content.decode()
    assert 'data-testid="decision-form"' not in html
    assert "Nog niet: de node geeft het besluit" in html


def test_declining_needs_a_reason(make_user: Any) -> None:
    request = run_request()
    client = Client()
    client.force_login(make_user("data_steward"))
    refused = client.post(_decide(request), {"decision": "decline", "reason": " "}, follow=True)
    assert "Reden: Geef een reden als u het onderzoek afwijst." in _messages(refused)
    request.refresh_from_db()
    assert request.decision == LocalDecision.PENDING
    assert not AuditEntry.objects.filter(action="update", object_type="research.runrequest")
    client.post(_decide(request), {"decision": "decline", "reason": "Geen capaciteit"})
    request.refresh_from_db()
    assert request.decision == LocalDecision.DECLINED
    assert request.reason == "Geen capaciteit"


def test_a_second_or_late_decision_is_refused_in_dutch(make_user: Any) -> None:
    request = run_request()
    client = Client()
    client.force_login(make_user("data_steward"))
    client.post(_decide(request), {"decision": "approve"})
    again = client.post(
        _decide(request), {"decision": "decline", "reason": "Toch niet"}, follow=True
    )
    assert "Over deze uitvoering is al besloten." in _messages(again)
    late = run_request(study_spec(), state="sharing")
    refused = client.post(_decide(late), {"decision": "approve"}, follow=True)
    assert any("al gestart of beëindigd" in m for m in _messages(refused))
    late.refresh_from_db()
    assert late.decision == LocalDecision.PENDING
    assert client.get(_decide(late)).status_code == 405


@pytest.mark.usefixtures("signals")
def test_after_the_decision_the_preview_is_computed_only_on_request(make_user: Any) -> None:
    request = run_request()
    steward = make_user("data_steward")
    node_services.decide(acting_user=steward, request=request, approve=True, reason="")
    client = Client()
    client.force_login(steward)
    html = client.get(_detail(request)).content.decode()
    assert 'data-testid="preview"' not in html
    assert 'data-testid="show-preview"' in html
    assert _reads(request) == []
    html = client.get(_detail(request, "?voorbeeld=1")).content.decode()
    assert _preview_rows(html) == [["Bouw", "3"], ["Horeca", "1"]]
    assert len(_reads(request)) == 1


@pytest.mark.usefixtures("signals")
def test_the_own_column_is_a_separate_choice_with_its_protected_preview(make_user: Any) -> None:
    request = run_request(study_spec(region_columns=True))
    client = Client()
    client.force_login(make_user("data_steward"))
    html = client.get(_detail(request)).content.decode()
    assert 'name="region_column"' in html
    column = re.search(r'<table[^>]*data-testid="column-preview">.*?</table>', html, re.S)
    assert column is not None
    # 3 and 1 are below k: the hub would only ever see markers there, never the numbers.
    assert '<th scope="row">Bouw</th><td class="num is-suppressed">&lt; 10</td>' in column.group(0)
    assert ">3<" not in column.group(0)
    [entry] = _reads(request)
    assert entry.detail["column"] is True
    client.post(_decide(request), {"decision": "approve", "region_column": "on"})
    request.refresh_from_db()
    assert request.decision == LocalDecision.APPROVED
    assert request.region_column


def test_a_dp_study_shows_this_years_privacy_budget(client_for: ClientFor, settings: Any) -> None:
    request = run_request(study_spec(epsilon="1"))
    year = timezone.localdate().year
    html = client_for("data_steward").get(_detail(request)).content.decode()
    assert "epsilon 1" in html
    assert f"Privacybudget van deze regio in {year}: 3 van 3 over (0 gebruikt)." in html
    assert "Deze uitvoering kost 1." in html
    settings.ZICHT_DP_YEARLY_EPSILON = Decimal("0.5")
    html = client_for("data_steward").get(_detail(request)).content.decode()
    assert "Deze uitvoering kost 1: meer dan er over is." in html
    plain = run_request(study_spec())
    assert (
        'data-testid="budget"'
        not in client_for("data_steward").get(_detail(plain)).content.decode()
    )


def test_the_release_is_shown_as_on_the_hub_with_the_own_region_marked(
    client_for: ClientFor,
) -> None:
    request = released_request()
    html = client_for("alleen_lezen").get(_detail(request)).content.decode()
    assert 'data-testid="preview"' not in html  # the run ended: no register read by default
    assert _reads(request) == []
    assert re.search(r'<svg[^>]*id="chart-resultaat"', html)
    svg_map = re.search(r'<svg[^>]*id="kaart-regios".*?</svg>', html, re.S)
    assert svg_map is not None
    assert 'data-region="midden-nederland" data-status="participated"' in svg_map.group(0)
    assert 'data-region="limburg" data-status="left_out"' in svg_map.group(0)
    assert re.search(r'<tr class="is-own-region" data-testid="status-midden-nederland">', html)
    for line in request.release["method"]:
        assert escape(line) in html
    assert reverse("research:request-csv", args=[request.run_id]) in html


def test_the_csv_of_a_release_matches_the_table_and_is_audited(client_for: ClientFor) -> None:
    request = released_request()
    response = client_for("coordinator").get(reverse("research:request-csv", args=[request.run_id]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    spec = StudySpec.from_dict(request.spec)
    labels = spec.dimensions[0].labels()
    assert rows[0] == ["Sector", "Aantal signalen"]
    assert rows[1:] == [
        ["Totaal" if key[0] is None else labels[key[0]], str(value)]
        for key, value in request.release["table"]["entries"]
    ]
    entry = AuditEntry.objects.get(action="export")
    assert entry.object_type == "research.runrequest"
    assert entry.object_id == str(request.pk)
    assert entry.actor_id == response.wsgi_request.user.pk
    assert entry.detail == {"format": "csv", "run": request.run_id, "suppressed": 0}


def test_no_csv_before_a_release_and_no_page_for_an_unknown_run(client_for: ClientFor) -> None:
    request = run_request()
    client = client_for("analist")
    assert client.get(reverse("research:request-csv", args=[request.run_id])).status_code == 404
    assert client.get(reverse("research:request-detail", args=["onbekend.1"])).status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()


def test_a_release_that_does_not_fit_the_question_is_not_drawn(client_for: ClientFor) -> None:
    spec = study_spec()
    other = study_spec(dimension_codes=["route_step"])
    good = released_request()
    document = dict(good.release)
    from zicht.research import release

    document["table"] = release.protected_document(
        other, release.protect_table(other, [20] * other.cell_count())
    )
    request = run_request(spec, state="released", document=document)
    client = client_for("analist")
    html = client.get(_detail(request)).content.decode()
    assert "Deze tabel past niet bij het onderzoek" in html
    assert 'id="chart-resultaat"' not in html
    csv_response = client.get(reverse("research:request-csv", args=[request.run_id]))
    assert csv_response.status_code == 409


def test_the_steward_sees_the_expected_accuracy_of_a_dp_run(client_for: ClientFor) -> None:
    item = run_request(study_spec(epsilon="0.5"))
    page = client_for("data_steward").get(reverse("research:request-detail", args=[item.run_id]))
    assert "Verwachte nauwkeurigheid" in page.content.decode()
