"""The import page (upload, progress, report) and the `zicht import_signals` command."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from zicht.audit.models import AuditEntry
from zicht.register import import_views, services
from zicht.register.models import ImportJob, Signal
from zicht.register.tests.factories import organisation
from zicht.register.tests.test_importing import GOOD_ROWS, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_storage(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def inline_imports(monkeypatch: Any) -> list[int]:
    """Run imports in the test's transaction instead of a thread; records what was started."""
    started: list[int] = []

    def run(job_id: int) -> None:
        started.append(job_id)
        services.run_import_job(job_id=job_id)

    monkeypatch.setattr(import_views, "start_import", run)
    return started


def upload(client: Any, content: bytes, name: str = "signalen.csv", **data: Any) -> Any:
    # Row 3 of GOOD_ROWS names no organisation: it takes the one chosen on the page.
    data.setdefault("organisation", organisation().pk)
    return client.post(
        reverse("register:import"),
        {"file": SimpleUploadedFile(name, content), **data},
    )


def test_upload_imports_and_reports_the_counts(
    client_for: Any, inline_imports: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for("analist")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, csv_bytes(GOOD_ROWS))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("register:import-detail", args=[job.pk])
    assert inline_imports == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.created_count, job.total_rows) == ("done", 3, 3)
    assert Signal.objects.count() == 3
    # The upload is gone from private storage once imported.
    assert not job.file
    assert not default_storage.listdir("imports")[1]
    page = client.get(response["Location"]).content.decode()
    assert "3 rijen: 3 signalen geïmporteerd" in page
    assert "hx-trigger" not in page  # finished: no more polling
    actions = list(
        AuditEntry.objects.filter(object_type__in=["register.importjob", "register.signal"])
        .order_by("id")
        .values_list("action", "object_type")
    )
    assert actions == [("create", "register.importjob"), ("create", "register.signal")]


def test_a_bad_row_is_shown_with_its_number_and_nothing_is_imported(
    client_for: Any, inline_imports: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[2][4] = "GM9999"
    client = client_for("coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, xlsx_bytes(rows), "signalen.xlsx")
    job = ImportJob.objects.get()
    assert (job.status, job.error_rows) == ("rejected", 1)
    assert job.errors == [{"row": 4, "messages": ["gemeente: Onbekende gemeentecode ‘GM9999’."]}]
    assert not Signal.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "1 rij met fouten: er is niets geïmporteerd" in page
    assert "Onbekende gemeentecode ‘GM9999’" in page


def test_check_only_stores_nothing(
    client_for: Any, inline_imports: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for("analist"), csv_bytes(GOOD_ROWS), dry_run="on")
    job = ImportJob.objects.get()
    assert (job.status, job.created_count) == ("checked", 3)
    assert not Signal.objects.exists()


def test_progress_is_polled_while_running_and_reloads_when_done(client_for: Any) -> None:
    client = client_for("analist")
    organisation()
    job = services.create_import_job(
        acting_user=None,
        upload=SimpleUploadedFile("signalen.csv", csv_bytes(GOOD_ROWS)),
        organisation=None,
        dry_run=False,
    )
    progress_url = reverse("register:import-progress", args=[job.pk])
    partial = client.get(progress_url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in partial.content.decode()
    assert "HX-Refresh" not in partial
    # Without JavaScript the page offers a plain link to reload it.
    page = client.get(reverse("register:import-detail", args=[job.pk])).content.decode()
    assert "Voortgang bijwerken" in page
    services.run_import_job(job_id=job.pk)
    done = client.get(progress_url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"
    assert "hx-trigger" not in done.content.decode()


def test_running_twice_imports_once() -> None:
    job = services.create_import_job(
        acting_user=None,
        upload=SimpleUploadedFile("signalen.csv", csv_bytes(GOOD_ROWS)),
        organisation=organisation(),
        dry_run=False,
    )
    services.run_import_job(job_id=job.pk)
    services.run_import_job(job_id=job.pk)
    assert Signal.objects.count() == 3


def test_an_import_that_stopped_says_so(client_for: Any) -> None:
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        job = services.create_import_job(
            acting_user=None,
            upload=SimpleUploadedFile("signalen.csv", b"x"),
            organisation=None,
            dry_run=False,
        )
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(hours=1)):
        page = client_for("analist").get(reverse("register:import-detail", args=[job.pk]))
    text = page.content.decode()
    assert "reageert niet meer" in text
    assert "hx-trigger" not in text


def test_only_csv_and_xlsx_are_accepted(client_for: Any) -> None:
    response = upload(client_for("analist"), b"%PDF-1.4", "signalen.pdf")
    assert response.status_code == 200
    assert "Kies een .csv- of .xlsx-bestand." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_signal_list_links_to_the_import_page_for_importers_only(client_for: Any) -> None:
    url = reverse("register:import")

    def signal_list(role: str) -> str:
        return str(client_for(role).get(reverse("register:signal-list")).content.decode())

    assert url in signal_list("analist")
    assert url not in signal_list("partner")
    assert url not in signal_list("alleen_lezen")


def test_upload_page_offers_the_template(client_for: Any) -> None:
    page = client_for("analist").get(reverse("register:import")).content.decode()
    assert "register/import-template.csv" in page
    assert 'enctype="multipart/form-data"' in page


# --- zicht import_signals ---------------------------------------------------------------------


def write(tmp_path: Path, content: bytes, name: str = "signalen.csv") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_command_imports_and_prints_the_counts(tmp_path: Path) -> None:
    organisation()
    out = StringIO()
    call_command(
        "import_signals",
        write(tmp_path, csv_bytes(GOOD_ROWS)),
        "--organisation",
        "Gemeente Utrecht",
        stdout=out,
    )
    assert "Geïmporteerd. 3 rijen: 3 signalen, 0 al eerder geïmporteerd" in out.getvalue()
    assert Signal.objects.count() == 3
    out = StringIO()
    call_command(
        "import_signals", write(tmp_path, csv_bytes(GOOD_ROWS)), "--organisation",
        "Gemeente Utrecht", stdout=out,
    )  # fmt: skip
    assert "0 signalen, 3 al eerder geïmporteerd" in out.getvalue()


def test_command_prints_row_errors_and_exits_with_1(tmp_path: Path) -> None:
    organisation()
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][3] = "baas"
    err = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_signals", write(tmp_path, csv_bytes(rows)), stderr=err)
    assert excinfo.value.returncode == 1
    assert "2 rij(en) met fouten; er is niets geïmporteerd." in str(excinfo.value)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("Rij 2: rol_melder: Kies een van:")
    # Row 3 has no organisation and none was given on the command line.
    assert "Rij 3: organisatie: Vul de organisatie in" in err.getvalue()
    assert not Signal.objects.exists()


def test_command_dry_run(tmp_path: Path) -> None:
    organisation()
    out = StringIO()
    call_command(
        "import_signals",
        write(tmp_path, xlsx_bytes(GOOD_ROWS), "signalen.xlsx"),
        "--organisation",
        "Gemeente Utrecht",
        "--dry-run",
        stdout=out,
    )
    assert out.getvalue().startswith("Controle geslaagd, niets opgeslagen. 3 rijen: 3 signalen")
    assert not Signal.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--organisation", "Bestaat Niet"], "Onbekende organisatie"),
        (["--user", "niemand"], "Onbekende gebruiker"),
    ],
)
def test_command_refuses_unknown_names(tmp_path: Path, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("import_signals", write(tmp_path, csv_bytes(GOOD_ROWS)), *args)


def test_command_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"Kan .* niet lezen"):
        call_command("import_signals", str(tmp_path / "weg.csv"))
