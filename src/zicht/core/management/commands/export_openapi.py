"""``zicht export_openapi``: write the OpenAPI contracts of the hub and node APIs."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zicht.core.openapi import ROLES, contract_path, current_document


class Command(BaseCommand):
    help = "Write openapi/hub.json and openapi/node.json from the code (or --check for drift)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="exit 1 when a file differs")

    def handle(self, *args: Any, **options: Any) -> None:
        drift = []
        for role in ROLES:
            path = contract_path(role)
            document = current_document(role)
            existing = path.read_text(encoding="utf-8") if path.exists() else None
            if options["check"]:
                if existing != document:
                    drift.append(str(path))
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(document, encoding="utf-8")
            self.stdout.write(f"wrote {path}")
        if drift:
            self.stderr.write("OpenAPI contract differs from the code: " + ", ".join(drift))
            self.stderr.write("Run `zicht export_openapi` and commit the result.")
            raise SystemExit(1)
