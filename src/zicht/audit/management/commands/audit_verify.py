"""``zicht audit_verify``: walk the audit hash chain and report the first broken entry."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zicht.audit.models import AuditEntry
from zicht.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit code 1 names the first broken entry."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = verify_chain()
        if broken is None:
            count = AuditEntry.objects.count()
            self.stdout.write(f"Audit chain intact: {count} entries verified.")
            return
        where = f"entry {broken.entry_id}" if broken.entry_id is not None else "chain head"
        raise CommandError(f"Audit chain broken at {where}: {broken.reason}", returncode=1)
