"""The loader: the data migration has run, re-runs change nothing, bad files are refused."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zicht.catalogue.loader import CatalogueError, load_catalogues, read_catalogues
from zicht.catalogue.models import (
    CatalogueVersion,
    ExploitationForm,
    Indicator,
    IndicatorGroup,
    OffenceCode,
    Portfolio,
    RouteStep,
    Sector,
)

pytestmark = pytest.mark.django_db

GROUPS_OF_THE_CSV = {
    "afhankelijkheid", "schulden", "vrijheid", "financieel", "omstandigheden", "dwang",
    "context", "gedrag", "werving", "huisvesting", "uiterlijk", "psyche", "contacten",
    "advertentie", "werkwijze", "school", "bezit", "fysiek", "kwetsbaarheid",
}  # fmt: skip


def _edit_json(data_dir: Path, file_name: str, change) -> None:
    path = data_dir / file_name
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def _edit_text(data_dir: Path, file_name: str, change) -> None:
    path = data_dir / file_name
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def test_data_migration_loaded_everything():
    assert list(Portfolio.objects.values_list("code", flat=True)) == ["mensenhandel"]
    assert list(ExploitationForm.objects.values_list("code", flat=True)) == [
        "seksueel",
        "arbeid",
        "crimineel",
        "orgaan",
        "benadeling",
    ]
    assert Indicator.objects.count() == 82
    assert set(Indicator.objects.values_list("group", flat=True)) == GROUPS_OF_THE_CSV
    assert set(IndicatorGroup.objects.values_list("code", flat=True)) == GROUPS_OF_THE_CSV
    assert Sector.objects.count() == 18
    assert list(RouteStep.objects.values_list("code", flat=True)) == [
        "werving",
        "huisvesting",
        "registratie",
        "arbeid",
        "verblijf",
        "terugkeer",
    ]
    assert {"273f-1-1", "273fa", "273fb"} <= set(OffenceCode.objects.values_list("code", flat=True))
    assert CatalogueVersion.objects.count() == 7
    indicators = CatalogueVersion.objects.get(name="indicators")
    assert indicators.version == "2025.1"
    assert len(indicators.sha256) == 64
    assert indicators.file_name == "indicators.csv"


def test_forms_of_indicators_follow_the_csv():
    def forms_of(code: str) -> set[str]:
        return set(Indicator.objects.get(code=code).forms.values_list("code", flat=True))

    # `all`: the three forms with published indicator lists; organ removal and ernstige
    # benadeling keep to their own indicators.
    assert forms_of("G01") == {"seksueel", "arbeid", "crimineel"}
    assert forms_of("L03") == {"arbeid"}
    assert forms_of("O01") == {"orgaan"}
    assert forms_of("B04") == {"benadeling"}
    g07 = Indicator.objects.get(code="G07")
    assert g07.sources == "MA;NLA"
    assert g07.source_keys == ["MA", "NLA"]
    assert g07.label_en == "Does not know own home or work address"
    assert g07.portfolio.code == "mensenhandel"
    # The published order, not alphabetical (C.. would come before G..).
    assert list(Indicator.objects.values_list("code", flat=True)[:2]) == ["G01", "G02"]


def test_reloading_changes_nothing():
    before = {v.name: (v.sha256, v.loaded_at) for v in CatalogueVersion.objects.all()}
    result = load_catalogues()
    for name, counts in result.catalogues.items():
        assert counts.created == 0, name
        assert counts.updated == 0, name
        assert counts.retired == [], name
    assert result.catalogues["indicators"].unchanged == 82
    assert result.new_versions == []
    assert Indicator.objects.count() == 82
    after = {v.name: (v.sha256, v.loaded_at) for v in CatalogueVersion.objects.all()}
    assert after == before


def test_an_edited_file_updates_rows_and_its_version(data_copy):
    _edit_text(
        data_copy, "indicators.csv", lambda t: t.replace("version: 2025.1", "version: 2025.2")
    )
    _edit_text(
        data_copy,
        "indicators.csv",
        lambda t: t.replace("Meerdere telefoons", "Meerdere telefoons of simkaarten"),
    )
    old_sha = CatalogueVersion.objects.get(name="indicators").sha256
    result = load_catalogues(data_dir=data_copy)
    assert result.catalogues["indicators"].updated == 1
    assert result.catalogues["indicators"].unchanged == 81
    assert result.new_versions == ["indicators"]
    assert Indicator.objects.get(code="C03").label_nl == "Meerdere telefoons of simkaarten"
    version = CatalogueVersion.objects.get(name="indicators")
    assert version.version == "2025.2"
    assert version.sha256 != old_sha


def test_removed_entries_are_marked_inactive_not_deleted(data_copy):
    _edit_text(
        data_copy,
        "indicators.csv",
        lambda t: "\n".join(line for line in t.splitlines() if not line.startswith("S15,")) + "\n",
    )
    _edit_json(data_copy, "sectors.json", lambda d: d["items"].pop())
    result = load_catalogues(data_dir=data_copy)
    assert result.catalogues["indicators"].retired == ["S15"]
    assert result.catalogues["sectors"].retired == ["overig"]
    s15 = Indicator.objects.get(code="S15")
    assert not s15.is_active
    assert s15.forms.count() == 1  # kept as it was, for the signals that point at it
    assert Indicator.objects.filter(is_active=True).count() == 81
    # Putting it back in the file revives the same row.
    result = load_catalogues()
    assert result.catalogues["indicators"].created == 0
    assert Indicator.objects.get(code="S15").is_active
    assert Indicator.objects.get(code="S15").pk == s15.pk


def test_a_new_portfolio_needs_only_data(data_copy):
    def add_portfolio(document):
        document["items"].append(
            {"code": "jonge-aanwas", "name_nl": "Jonge aanwas", "name_en": "Young recruits"}
        )

    _edit_json(data_copy, "portfolios.json", add_portfolio)
    _edit_json(
        data_copy,
        "sectors.json",
        lambda d: d["items"].append(
            {"code": "school", "portfolio": "jonge-aanwas", "name_nl": "School", "order": 1}
        ),
    )
    _edit_text(
        data_copy,
        "indicators.csv",
        lambda t: (
            t + 'J01,school,,"Wordt geronseld op school","Recruited at school",PR,jonge-aanwas\n'
        ),
    )
    load_catalogues(data_dir=data_copy)
    jonge_aanwas = Portfolio.objects.get(code="jonge-aanwas")
    assert jonge_aanwas.sectors.get().code == "school"
    j01 = Indicator.objects.get(code="J01")
    assert j01.portfolio == jonge_aanwas
    assert j01.forms.count() == 0


def test_all_covers_only_forms_of_the_indicators_portfolio(data_copy):
    _edit_json(
        data_copy,
        "portfolios.json",
        lambda d: d["items"].append({"code": "criminele-geldstromen", "name_nl": "Geldstromen"}),
    )
    _edit_json(
        data_copy,
        "exploitation_forms.json",
        lambda d: d["items"].append(
            {"code": "witwassen", "portfolio": "criminele-geldstromen", "name_nl": "Witwassen"}
        ),
    )
    load_catalogues(data_dir=data_copy)
    g01 = Indicator.objects.get(code="G01")
    assert "witwassen" not in set(g01.forms.values_list("code", flat=True))


@pytest.mark.parametrize(
    ("file_name", "change", "message"),
    [
        ("portfolios.json", lambda d: d.pop("version"), "'version' is missing"),
        ("portfolios.json", lambda d: d.update(catalogue="sectors"), "'catalogue' must be"),
        (
            "sectors.json",
            lambda d: d["items"].append(dict(d["items"][0])),
            "occurs twice",
        ),
        (
            "sectors.json",
            lambda d: d["items"][0].update(portfolio="atlantis"),
            "unknown portfolio 'atlantis'",
        ),
        (
            "offence_codes.json",
            lambda d: d["items"][0].update(form="vissen"),
            "unknown form 'vissen'",
        ),
        (
            "offence_codes.json",
            lambda d: d["items"][0].update(valid_from="2025-31-12"),
            "is not a date",
        ),
        (
            "offence_codes.json",
            lambda d: d["items"][0].update(in_force_setting="SECRET_KEY"),
            "in_force_setting must look like",
        ),
        (
            "route_steps.json",
            lambda d: d["items"][0].update(code="Werving!"),
            "wrong shape",
        ),
    ],
)
def test_bad_json_is_refused_and_nothing_is_written(data_copy, file_name, change, message):
    _edit_json(data_copy, file_name, change)
    _edit_text(data_copy, "indicators.csv", lambda t: t.replace("Meerdere telefoons", "Gewijzigd"))
    with pytest.raises(CatalogueError, match=message):
        load_catalogues(data_dir=data_copy)
    assert Indicator.objects.get(code="C03").label_nl == "Meerdere telefoons"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.split("\n", 1)[1], "first line must be"),
        (lambda t: t.replace(",portfolio\n", ",portefeuille\n"), "expected columns"),
        (lambda t: t.replace("G02,afhankelijkheid", "G02,onbekend"), "line 4: unknown group"),
        (
            lambda t: t.replace("L01,omstandigheden,arbeid", "L01,omstandigheden,vissen"),
            "unknown form",
        ),
        (lambda t: t.replace("G03,", "G01,", 1), "'G01' occurs twice"),
    ],
)
def test_bad_indicator_csv_is_refused(data_copy, change, message):
    _edit_text(data_copy, "indicators.csv", change)
    with pytest.raises(CatalogueError, match=message):
        read_catalogues(data_copy)


def test_missing_file_is_refused(data_copy):
    (data_copy / "sectors.json").unlink()
    with pytest.raises(CatalogueError, match=r"sectors\.json: cannot be read"):
        read_catalogues(data_copy)


def test_command_reports_counts():
    out = StringIO()
    call_command("load_catalogues", stdout=out)
    text = out.getvalue()
    assert "indicators: 82 (0 new, 0 updated, 82 unchanged)" in text
    assert "catalogues loaded" in text


def test_command_refuses_bad_files(data_copy):
    (data_copy / "portfolios.json").write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_catalogues", "--data-dir", str(data_copy), stdout=StringIO())
