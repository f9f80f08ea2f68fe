"""``zicht import_signals FILE``: import a CSV or XLSX file of signals, all rows or none.

The file format is documented in docs/import-template.md. Every bad row is printed with its
row number (the header is row 1) and the command exits with 1 without importing anything;
otherwise it prints the counts. Re-importing a file skips the rows already imported.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zicht.accounts.models import Organisation, User
from zicht.register import services
from zicht.register.errors import ImportValidationError


class Command(BaseCommand):
    help = "Import signals from a CSV or XLSX file (docs/import-template.md): all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--organisation",
            metavar="NAME",
            help="reporting organisation for rows whose 'organisatie' column is empty",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row, import nothing"
        )
        parser.add_argument(
            "--user", metavar="USERNAME", help="record the import in the audit log as this user"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Kan {path} niet lezen: {exc.strerror}") from exc
        organisation = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(name=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"Onbekende organisatie ‘{options['organisation']}’.")
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"Onbekende gebruiker ‘{options['user']}’.")
        try:
            outcome = services.import_signals_file(
                acting_user=user,
                content=content,
                filename=path.name,
                default_organisation=organisation,
                dry_run=options["dry_run"],
            )
        except ImportValidationError as exc:
            for row, messages in exc.row_errors.items():
                for message in messages:
                    self.stderr.write(f"Rij {row}: {message}")
            raise CommandError(
                f"{len(exc.row_errors)} rij(en) met fouten; er is niets geïmporteerd.",
                returncode=1,
            ) from None
        counts = (
            f"{outcome.rows} rijen: {outcome.created} signalen, {outcome.skipped} al eerder "
            f"geïmporteerd (overgeslagen); betrokkenen: {outcome.entities_created} nieuw, "
            f"{outcome.entities_reused} bestaand gekoppeld."
        )
        if outcome.dry_run:
            self.stdout.write(f"Controle geslaagd, niets opgeslagen. {counts}")
        else:
            self.stdout.write(f"Geïmporteerd. {counts}")
