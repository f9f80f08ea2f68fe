"""The case catalogues: loaded by the data migration, checked before anything is written."""

import json
import shutil
from pathlib import Path

import pytest

from zicht.cases.loader import DATA_DIR, CaseCatalogueError, load_case_catalogues
from zicht.cases.models import (
    CaseCatalogueVersion,
    CaseResultType,
    CaseRoleType,
    CaseStatusType,
    CaseTaskTemplate,
    CaseType,
    InterventionType,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    for name in ("case_types.json", "intervention_types.json"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, change) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def test_the_migration_loaded_the_case_types_and_interventions():
    assert list(CaseType.objects.values_list("code", flat=True)) == [
        "mensenhandel-arbeid",
        "mensenhandel-seksueel",
        "mensenhandel-crimineel",
        "ernstige-benadeling",
    ]
    labour = CaseType.objects.get(code="mensenhandel-arbeid")
    assert labour.exploitation_form is not None
    assert labour.exploitation_form.code == "arbeid"
    assert list(
        CaseStatusType.objects.filter(case_type=labour).values_list("phase", flat=True)
    ) == [
        "intake",
        "weging",
        "analyse",
        "integraal_overleg",
        "plan_van_aanpak",
        "uitvoering",
        "monitoring",
        "evaluatie",
        "afgesloten",
    ]
    partner_roles = CaseRoleType.objects.filter(case_type=labour, kind="partner")
    assert set(partner_roles.values_list("generic", flat=True)) == {
        "initiator",
        "behandelaar",
        "adviseur",
        "belanghebbende",
    }
    assert CaseRoleType.objects.filter(code="exploitant").get().case_type.code == (
        "mensenhandel-seksueel"
    )
    results = CaseResultType.objects.filter(case_type=labour)
    assert all(r.retention_years > 0 for r in results)
    assert CaseTaskTemplate.objects.filter(case_type=labour, code="werkgever-huisvesting").exists()
    categories = set(InterventionType.objects.values_list("category", flat=True))
    assert categories == {"bestuurlijk", "strafrechtelijk", "fiscaal", "arbeidsinspectie", "zorg"}
    assert InterventionType.objects.count() == 13
    assert set(CaseCatalogueVersion.objects.values_list("name", "version")) == {
        ("case_types", "2026.1"),
        ("intervention_types", "2026.1"),
    }


def test_loading_again_changes_nothing():
    before = {v.name: v.loaded_at for v in CaseCatalogueVersion.objects.all()}
    result = load_case_catalogues()
    assert result.created == {"case_types": 0, "intervention_types": 0}
    assert result.new_versions == []
    assert {v.name: v.loaded_at for v in CaseCatalogueVersion.objects.all()} == before


def test_an_entry_that_leaves_the_file_is_retired_not_deleted(data_dir):
    _edit(
        data_dir / "intervention_types.json",
        lambda d: d.update(items=[i for i in d["items"] if i["code"] != "naheffing"]),
    )
    result = load_case_catalogues(data_dir=data_dir)
    assert result.retired["intervention_types"] == ["Naheffing"]
    assert InterventionType.objects.get(code="naheffing").is_active is False
    assert result.new_versions == ["intervention_types"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["shared"]["status_types"].pop(), "lifecycle phases in order"),
        (lambda d: d["items"][0].update(form="onbekend"), "unknown form"),
        (lambda d: d["shared"]["roles"][0].update(generic="baas"), "partner role must be"),
        (lambda d: d["shared"]["result_types"][0].update(retention_years=0), "retention_years"),
        (lambda d: d["shared"]["tasks"][0].update(phase="afgesloten"), "phase"),
        (lambda d: d["items"].append(dict(d["items"][0])), "occurs twice"),
    ],
)
def test_a_bad_case_type_file_changes_nothing(data_dir, change, message):
    _edit(data_dir / "case_types.json", change)
    before = CaseType.objects.count(), CaseRoleType.objects.count()
    with pytest.raises(CaseCatalogueError, match=message):
        load_case_catalogues(data_dir=data_dir)
    assert (CaseType.objects.count(), CaseRoleType.objects.count()) == before


def test_an_unknown_organisation_type_is_refused(data_dir):
    _edit(
        data_dir / "intervention_types.json",
        lambda d: d["items"][0].update(organisation_types="gemeente;marsmannetjes"),
    )
    with pytest.raises(CaseCatalogueError, match="marsmannetjes"):
        load_case_catalogues(data_dir=data_dir)
