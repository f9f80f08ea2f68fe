"""``zicht apply_retention [--dry-run]``: delete what has outlived its retention period.

Production runs this daily (docs/operations.md). The periods are ``ZICHT_RETENTION``
(docs/adr/0007-retention-periods.md); a signal with a legal hold is never deleted. The real
run writes a tombstone per deleted record and one audit entry for the batch.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from zicht.accounts.models import User
from zicht.core import dbstats
from zicht.register import retention, services

LABELS = {
    "attachment": "bijlagen",
    "entity": "betrokkenen zonder signaal",
    "import_job": "importverslagen",
    "held": "signalen bewaard wegens juridische blokkade",
}


def _lines(counts: dict[str, int]) -> list[str]:
    lines = []
    for key, count in counts.items():
        if key == "signal":
            continue
        if key.startswith("signal:"):
            label = f"signalen met status ‘{key.split(':', 1)[1]}’"
        else:
            label = LABELS.get(key, key)
        lines.append(f"  {label}: {count}")
    return lines


class Command(BaseCommand):
    help = "Apply the retention periods (ZICHT_RETENTION): delete expired records, with tombstones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="only count what would be deleted, per type"
        )
        parser.add_argument(
            "--user", metavar="USERNAME", help="record the deletion as this user (default: system)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"Onbekende gebruiker ‘{options['user']}’.")
        now = timezone.now()
        if options["dry_run"]:
            counts = retention.plan(now).counts()
            self.stdout.write(f"Verlopen op {timezone.localtime(now):%d-%m-%Y %H:%M}:")
            self.stdout.write("\n".join(_lines(counts)))
            self.stdout.write("Niets verwijderd (--dry-run).")
            return
        result = services.delete_expired_records(acting_user=user, now=now)
        self.stdout.write(f"Verlopen op {timezone.localtime(now):%d-%m-%Y %H:%M}:")
        self.stdout.write("\n".join(_lines(result.counts)))
        if result.batch:
            self.stdout.write(f"Verwijderd in batch {result.batch}, met een tombstone per record.")
        else:
            self.stdout.write("Niets te verwijderen.")
        # The daily run is also when the planner statistics are refreshed (zicht.core.dbstats).
        dbstats.refresh()
