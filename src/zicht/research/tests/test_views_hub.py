"""The hub's research pages over HTTP: drafting, offering, running, withdrawing, the release.

Objects are made through the services (see ``authz.py``); a release goes through the real
protocol. Every test checks the response and what was (or was not) written.
"""

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from zicht.audit.models import AuditEntry
from zicht.research import presentation, release
from zicht.research.models import RunState, Study, StudyRun
from zicht.research.study import StudySpec
from zicht.research.tests.authz import make_study, offered_run, released_run, study_spec

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("as_hub")]

ClientFor = Callable[..., Client]
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Arbeidsuitbuiting in de bouw en de horeca",
        "question": "Hoeveel signalen van arbeidsuitbuiting per sector en kwartaal?",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "regions": ["den-haag", "limburg", "midden-nederland", "rotterdam"],
        "metric": "signals",
        "dimension_1": "sector",
        "dimension_2": "quarter",
        "dimension_3": "",
        "filter_form": ["arbeid"],
        "filter_sector": ["bouw", "horeca"],
        "min_cell": "10",
        "epsilon": "",
    }
    data.update(overrides)
    return data


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# -- list, create, edit -------------------------------------------------------------------------


def test_the_list_shows_studies_with_their_latest_run_and_the_releases(
    client_for: ClientFor,
) -> None:
    draft = make_study(title="Nog niet aangeboden")
    run = offered_run(make_study(title="Wacht op de regio's"))
    released = released_run(
        {r: [20] * study_spec().cell_count() for r in ("den-haag", "limburg", "rotterdam")}
    )
    response = client_for("alleen_lezen").get(reverse("research:study-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nog niet aangeboden" in html
    assert "concept" in html
    assert f'data-testid="state-{run.study.study_id}">wacht op besluiten<' in html
    assert f'data-testid="state-{released.study.study_id}">vrijgegeven<' in html
    assert reverse("research:release-detail", args=[released.run_id]) in html
    assert reverse("research:study-detail", args=[draft.study_id]) in html
    # Only drafters get the button for a new study.
    assert reverse("research:study-create") not in html
    assert (
        reverse("research:study-create")
        in client_for("analist").get(reverse("research:study-list")).content.decode()
    )


def test_the_new_study_form_asks_every_region_with_k_10_and_no_dp(client_for: ClientFor) -> None:
    response = client_for("analist").get(reverse("research:study-create"))
    assert response.status_code == 200
    form = response.context["form"]
    assert len(form.initial["regions"]) == 10
    html = response.content.decode()
    assert html.count('name="regions"') == 10
    assert html.count('name="regions" value=') == 10
    assert len(re.findall(r'name="regions" value="[^"]+"[^>]*checked', html)) == 10
    assert 'name="min_cell" value="10"' in html
    assert 'name="region_columns"' in html
    assert "checked" not in _input(html, "region_columns")
    # The filters offer the catalogue: forms of exploitation and sectors.
    assert 'name="filter_form" value="arbeid"' in html
    assert 'name="filter_sector" value="bouw"' in html
    assert "style=" not in html
    assert "<script>" not in html


def _input(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match is not None
    return match.group(0)


def test_a_study_is_saved_through_the_service_with_a_generated_code(
    client_for: ClientFor,
) -> None:
    response = client_for("coordinator").post(
        reverse("research:study-create"), _form_data(epsilon="0,5", region_columns="on")
    )
    assert response.status_code == 302
    study = Study.objects.get()
    assert IDENTIFIER.match(study.study_id)
    assert study.study_id.startswith("arbeidsuitbuiting-in-de-bouw-en-de-horeca-")
    assert response["Location"] == reverse("research:study-detail", args=[study.study_id])
    spec = StudySpec.from_dict(study.spec)
    assert [d.code for d in spec.dimensions] == ["sector", "quarter"]
    assert [c.code for c in spec.dimensions[0].categories] == ["bouw", "horeca"]
    assert spec.filters == (("form", ("arbeid",)), ("sector", ("bouw", "horeca")))
    assert spec.regions == ("den-haag", "limburg", "midden-nederland", "rotterdam")
    assert spec.min_cell == 10
    assert str(spec.epsilon) == "0.5"
    assert spec.region_columns
    entry = AuditEntry.objects.get(object_type="research.study")
    assert entry.action == "create"
    assert entry.detail["digest"] == spec.digest()


def test_a_long_or_odd_title_still_gives_a_valid_code(client_for: ClientFor) -> None:
    client = client_for("analist")
    client.post(reverse("research:study-create"), _form_data(title="Ä" * 3 + " " + "x" * 190))
    client.post(reverse("research:study-create"), _form_data(title="???"))
    codes = sorted(Study.objects.values_list("study_id", flat=True))
    assert len(codes) == 2
    for code in codes:
        assert IDENTIFIER.match(code)
        assert len(f"{code}.999") <= 64
    assert any(code.startswith("onderzoek-") for code in codes)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"dimension_1": "intervention_type"}, "‘Interventie’ past niet bij de maat ‘Signalen’."),
        ({"regions": ["limburg", "rotterdam"]}, "Een onderzoek heeft minstens 3 regio's nodig."),
        ({"period_end": "2025-12-31"}, "Het einde van de periode ligt voor het begin."),
        ({"dimension_2": "sector"}, "Een uitsplitsing komt twee keer voor."),
        ({"dimension_2": "", "dimension_3": "quarter"}, "van boven naar beneden"),
    ],
)
def test_an_invalid_study_is_refused_in_dutch_and_nothing_is_written(
    client_for: ClientFor, overrides: dict[str, Any], message: str
) -> None:
    response = client_for("analist").post(reverse("research:study-create"), _form_data(**overrides))
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert 'class="error-summary"' in response.content.decode()
    assert not Study.objects.exists()
    assert not AuditEntry.objects.filter(object_type="research.study").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"min_cell": "2"}, "min_cell"), ({"epsilon": "veel"}, "epsilon"), ({"title": ""}, "title")],
)
def test_field_errors_stay_with_their_field(
    client_for: ClientFor, overrides: dict[str, Any], field: str
) -> None:
    response = client_for("analist").post(reverse("research:study-create"), _form_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'aria-invalid="true"' in _input(response.content.decode(), field) or field == "title"
    assert not Study.objects.exists()


def test_editing_keeps_the_code_and_replaces_the_spec(client_for: ClientFor) -> None:
    study = make_study()
    client = client_for("analist")
    page = client.get(reverse("research:study-edit", args=[study.study_id]))
    assert page.context["form"].initial["title"] == "Arbeidsuitbuiting per sector"
    response = client.post(
        reverse("research:study-edit", args=[study.study_id]),
        _form_data(title="Arbeidsuitbuiting, herzien"),
    )
    assert response.status_code == 302
    study.refresh_from_db()
    assert study.title == "Arbeidsuitbuiting, herzien"
    assert StudySpec.from_dict(study.spec).study_id == study.study_id
    assert Study.objects.count() == 1


def test_who_may_draft(client_for: ClientFor) -> None:
    study = make_study()
    for role in ("alleen_lezen", "data_steward"):
        client = client_for(role)
        assert client.get(reverse("research:study-create")).status_code == 403
        assert client.post(reverse("research:study-create"), _form_data()).status_code == 403
        offer = client.post(reverse("research:run-offer", args=[study.study_id]))
        assert offer.status_code == 403
    assert client_for("beheerder").get(reverse("research:study-list")).status_code == 403
    assert not StudyRun.objects.exists()
    assert Study.objects.count() == 1


# -- detail and the run's lifecycle ------------------------------------------------------------


def test_the_detail_page_shows_the_question_decisions_and_history(client_for: ClientFor) -> None:
    run = offered_run(
        approve=["den-haag", "midden-nederland"],
        decline={"limburg": "Geen capaciteit dit kwartaal"},
    )
    response = client_for("alleen_lezen").get(
        reverse("research:study-detail", args=[run.study.study_id])
    )
    assert response.status_code == 200
    html = response.content.decode()
    spec = StudySpec.from_dict(run.spec)
    assert "Geteld wordt het aantal signalen met een datum van ontvangst" in html
    assert "Minimale celgrootte k = 10" in html
    assert "Filter: alleen signalen met uitbuitingsvorm Arbeidsuitbuiting" in html
    assert "Geen capaciteit dit kwartaal" in html
    assert "Limburg wees af." in html
    assert "Den Haag keurde goed." in html
    assert "Aangeboden aan Den Haag, Limburg, Midden-Nederland, Noord-Holland, Rotterdam." in html
    assert spec.title in html
    # A reader sees no buttons.
    assert reverse("research:run-start", args=[run.run_id]) not in html
    assert reverse("research:run-cancel", args=[run.run_id]) not in html


def test_offering_freezes_the_spec_and_a_second_offer_is_refused(client_for: ClientFor) -> None:
    study = make_study()
    client = client_for("analist")
    response = client.post(reverse("research:run-offer", args=[study.study_id]), follow=True)
    assert "Uitvoering 1 is aangeboden" in " ".join(_messages(response))
    run = StudyRun.objects.get()
    assert run.state == RunState.AWAITING
    assert run.spec == study.spec
    again = client.post(reverse("research:run-offer", args=[study.study_id]), follow=True)
    assert "Er loopt al een uitvoering van dit onderzoek." in _messages(again)
    assert StudyRun.objects.count() == 1
    assert client.get(reverse("research:run-offer", args=[study.study_id])).status_code == 405


def test_starting_needs_three_approvals_and_says_who_is_left_out(client_for: ClientFor) -> None:
    run = offered_run(approve=["den-haag", "limburg"])
    client = client_for("coordinator")
    detail = reverse("research:study-detail", args=[run.study.study_id])
    html = client.get(detail).content.decode()
    button = re.search(r'<button[^>]*data-testid="start"[^>]*>', html)
    assert button is not None
    assert "disabled" in button.group(0)
    assert "regio's die afwezen of (nog) niet besloten, worden weggelaten" in html
    refused = client.post(reverse("research:run-start", args=[run.run_id]), follow=True)
    assert any("minstens 3 nodig" in m for m in _messages(refused))
    run.refresh_from_db()
    assert run.state == RunState.AWAITING

    from zicht.research.services import hub

    hub.record_decision(
        region="rotterdam",
        run_id=run.run_id,
        decision="approved",
        reason="",
        digest=run.digest,
        region_column=False,
    )
    button = re.search(
        r'<button[^>]*data-testid="start"[^>]*>', client.get(detail).content.decode()
    )
    assert button is not None
    assert "disabled" not in button.group(0)
    started = client.post(reverse("research:run-start", args=[run.run_id]), follow=True)
    assert any("gestart met 3 regio's" in m for m in _messages(started))
    run.refresh_from_db()
    assert run.state == RunState.SHARING
    assert run.participants == ["den-haag", "limburg", "rotterdam"]


def test_withdrawing_needs_a_reason(client_for: ClientFor) -> None:
    run = offered_run()
    client = client_for("analist")
    url = reverse("research:run-cancel", args=[run.run_id])
    refused = client.post(url, {"reason": "  "}, follow=True)
    assert "Geef een reden om deze uitvoering in te trekken." in _messages(refused)
    run.refresh_from_db()
    assert run.state == RunState.AWAITING
    done = client.post(url, {"reason": "De vraag wordt herzien"}, follow=True)
    assert "Uitvoering 1 is ingetrokken." in _messages(done)
    run.refresh_from_db()
    assert run.state == RunState.CANCELLED
    assert run.failure == "De vraag wordt herzien"
    html = done.content.decode()
    assert "Ingetrokken: De vraag wordt herzien" in html
    assert "Van deze uitvoering is niets gepubliceerd." in html
    # An ended run cannot be withdrawn again; the service's Dutch message is shown.
    again = client.post(url, {"reason": "Nog eens"}, follow=True)
    assert any("kan niet naar" in m for m in _messages(again))


# -- the release ---------------------------------------------------------------------------------


def _small_release(**kwargs: Any) -> StudyRun:
    """Three regions; cell 0 sums to a small number (suppressed), the others do not."""
    cells = study_spec().cell_count()
    table = [5] * cells
    table[0] = 1
    tables = {r: list(table) for r in ("den-haag", "limburg", "rotterdam")}
    return released_run(tables, decline={"noord-holland": "Andere prioriteiten"}, **kwargs)


def test_the_release_page_shows_table_chart_map_and_method(client_for: ClientFor) -> None:
    run = _small_release()
    assert run.state == RunState.RELEASED
    response = client_for("data_steward").get(reverse("research:release-detail", args=[run.run_id]))
    assert response.status_code == 200
    html = response.content.decode()
    # The table: suppressed cells show their marker, never a value.
    first_label = StudySpec.from_dict(run.spec).dimensions[0].categories[0].label
    first_row = (
        f'<th scope="row">{escape(first_label)}</th><td class="num is-suppressed">&lt; 10</td>'
    )
    assert first_row in html
    assert "een aantal van 1 tot en met 9, onderdrukt" in html
    # The chart: a server-side SVG of the first dimension's totals, a gap for the suppressed one.
    chart = re.search(r'<svg[^>]*id="chart-resultaat".*?</svg>', html, re.S)
    assert chart is not None
    assert (
        chart.group(0).count('class="chart__bar"') == StudySpec.from_dict(run.spec).cell_count() - 2
    )
    assert "Een onderdrukt aantal heeft geen balk" in html
    # The map: every region, coloured by whether it is in the sum, with the credit line.
    svg_map = re.search(r'<svg[^>]*id="kaart-regios".*?</svg>', html, re.S)
    assert svg_map is not None
    statuses = dict(re.findall(r'data-region="([^"]+)" data-status="([^"]+)"', svg_map.group(0)))
    assert statuses["den-haag"] == statuses["limburg"] == statuses["rotterdam"] == "participated"
    assert statuses["noord-holland"] == statuses["midden-nederland"] == "left_out"
    assert statuses["oost-brabant"] == "not_asked"
    assert len(statuses) == 10
    assert "Kadaster / Centraal Bureau voor de Statistiek, 2024" in svg_map.group(0)
    assert "Kadaster / Centraal Bureau voor de Statistiek, 2024" in html.split("</svg>")[-1]
    assert "afgewezen door de data steward" in html
    assert "geen besluit voor de start" in html
    # The method statement, as the release recorded it.
    for line in run.release.method:
        assert escape(line) in html
    assert "style=" not in html


def test_published_region_columns_are_shown_per_region(client_for: ClientFor) -> None:
    cells = study_spec(region_columns=True).cell_count()
    tables = {r: [20 + i] * cells for i, r in enumerate(("den-haag", "limburg", "rotterdam"))}
    run = released_run(tables, study=make_study(region_columns=True), columns=["den-haag"])
    assert run.columns.get().published
    html = (
        client_for("analist")
        .get(reverse("research:release-detail", args=[run.run_id]))
        .content.decode()
    )
    assert 'data-testid="column-den-haag"' in html
    assert "Regio Den Haag" in html
    assert "alleen regio Den Haag" in html
    assert 'data-testid="column-limburg"' not in html


def test_the_csv_is_the_released_table_and_is_audited(client_for: ClientFor) -> None:
    run = _small_release()
    client = client_for("alleen_lezen")
    response = client.get(reverse("research:release-csv", args=[run.run_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="zicht-onderzoek-{run.run_id}-'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Sector", "Aantal signalen"]
    spec = StudySpec.from_dict(run.spec)
    labels = dict(spec.dimensions[0].labels())
    expected = [
        [("Totaal" if key[0] is None else labels[key[0]]), str(value)]
        for key, value in run.release.table["entries"]
    ]
    assert rows[1:] == expected
    assert rows[1][1] == "< 10"
    user = response.wsgi_request.user
    entry = AuditEntry.objects.get(action="export", actor_id=user.pk)
    assert entry.object_type == "research.release"
    assert entry.object_id == str(run.release.pk)
    assert entry.detail == {"format": "csv", "run": run.run_id, "suppressed": 2}


def test_a_run_without_release_has_no_release_page(client_for: ClientFor) -> None:
    run = offered_run()
    client = client_for("analist")
    assert client.get(reverse("research:release-detail", args=[run.run_id])).status_code == 404
    assert client.get(reverse("research:release-csv", args=[run.run_id])).status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()


# -- rendering of larger tables ------------------------------------------------------------------


def _document(dimensions: list[tuple[str, list[str]]]) -> presentation.Document:
    spec = study_spec(
        metric="cases",
        dimension_codes=[code for code, _ in dimensions],
        filters={code: codes for code, codes in dimensions if codes},
    )
    values = [10 + i for i in range(spec.cell_count())]
    return presentation.parse_document(
        spec, release.protected_document(spec, release.protect_table(spec, values))
    )


def test_a_two_dimensional_table_is_a_cross_table_with_margins() -> None:
    document = _document([("sector", ["bouw", "horeca"]), ("quarter", [])])
    [table] = presentation.cross_tables(document, caption="Casussen")
    assert table.corner == "Sector"
    assert table.columns == ("2026-K1", "2026-K2", "Totaal")
    assert [line.label for line in table.lines] == ["Bouw", "Horeca", "Totaal"]
    assert [f.text for f in table.lines[0].figures] == ["10", "11", "21"]
    assert [f.text for f in table.lines[-1].figures] == ["22", "24", "46"]


def test_a_three_dimensional_table_is_one_cross_table_per_category_and_their_sum() -> None:
    document = _document(
        [
            ("sector", ["bouw", "horeca"]),
            ("route_step", ["werving", "huisvesting"]),
            ("quarter", []),
        ]
    )
    tables = presentation.cross_tables(document, caption="Casussen")
    assert [t.caption for t in tables] == [
        "Casussen — Kwartaal: 2026-K1",
        "Casussen — Kwartaal: 2026-K2",
        "Casussen — Kwartaal: alle categorieën samen",
    ]
    assert all(t.corner == "Sector" and len(t.lines) == 3 for t in tables)
    first, second, both = tables
    assert int(both.lines[0].figures[0].text) == int(first.lines[0].figures[0].text) + int(
        second.lines[0].figures[0].text
    )


def test_csv_cells_cannot_start_a_spreadsheet_formula() -> None:
    document = presentation.Document(
        metric="signals",
        k=10,
        axes=(presentation.Axis("sector", "Sector", (("a", "=SOM(A1:A9)"), ("b", "-bouw"))),),
        entries=(
            (("a",), presentation.Figure("12", 12)),
            (("b",), presentation.Figure("@x", None)),
            ((None,), presentation.Figure("x", None)),
        ),
    )
    rows = list(csv.reader(io.StringIO(presentation.csv_text(document))))
    assert rows == [
        ["Sector", "Aantal signalen"],
        ["'=SOM(A1:A9)", "12"],
        ["'-bouw", "'@x"],
        ["Totaal", "x"],
    ]


def test_a_dp_release_states_its_epsilon_and_noise(client_for: ClientFor) -> None:
    study = make_study(epsilon="1")
    cells = StudySpec.from_dict(study.spec).cell_count()
    run = released_run({r: [40] * cells for r in ("den-haag", "limburg", "rotterdam")}, study=study)
    html = client_for("analist").get(reverse("research:release-detail", args=[run.run_id]))
    text = html.content.decode()
    assert "<dt>Differential privacy</dt><dd>epsilon 1</dd>" in text
    assert "Differential privacy: op elke cel is ruis gezet" in text


def test_the_study_page_shows_the_expected_accuracy_of_a_dp_study(client_for: ClientFor) -> None:
    plain = make_study()
    with_dp = make_study(epsilon="0.5")
    client = client_for("analist")
    page = client.get(reverse("research:study-detail", args=[with_dp.study_id]))
    assert 'data-testid="accuracy"' in page.content.decode()
    assert "Verwachte nauwkeurigheid" in page.content.decode()
    page = client.get(reverse("research:study-detail", args=[plain.study_id]))
    assert "Verwachte nauwkeurigheid" not in page.content.decode()
