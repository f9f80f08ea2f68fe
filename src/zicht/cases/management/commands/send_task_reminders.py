"""``zicht send_task_reminders``: notify assignees of due and overdue tasks; daily digests.

Meant to run daily (cron or a systemd timer). Each task is announced once as "due soon" and
once as "overdue", however often the command runs. With ``--digest`` it also mails each user
who chose the daily digest their notifications since the previous digest.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zicht.cases import services
from zicht.cases.notifications import send_daily_digests


class Command(BaseCommand):
    help = "Notify assignees of tasks that are due soon or overdue; --digest sends digests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--digest", action="store_true", help="also send the daily digest e-mails"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        due, overdue = services.send_task_reminders()
        self.stdout.write(f"Task reminders: {due} due soon, {overdue} overdue.")
        if options["digest"]:
            sent = send_daily_digests()
            self.stdout.write(f"Daily digests sent: {sent}.")
