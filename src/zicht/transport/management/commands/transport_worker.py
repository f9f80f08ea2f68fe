"""``zicht transport_worker``: the node's loop that talks to the hub (node).

Sends queued messages, fetches and handles incoming ones, and keeps the hub informed that
the node is alive. Stops cleanly on SIGTERM or SIGINT after the cycle in progress.
"""

import json
import logging
import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zicht.transport import worker
from zicht.transport.management.common import require_role

logger = logging.getLogger("zicht.transport.worker")


class Command(BaseCommand):
    help = "Poll the hub: deliver queued messages, receive and handle incoming ones."
    # Operational commands run often (the worker, scripts): system checks belong to
    # deployment and migrate, and would double the start-up time here.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one cycle; print it as JSON")
        parser.add_argument("--interval", type=float, default=worker.DEFAULT_INTERVAL)
        parser.add_argument("--max-backoff", type=float, default=worker.DEFAULT_MAX_BACKOFF)
        parser.add_argument("--batch", type=int, default=worker.DEFAULT_BATCH)
        parser.add_argument("--poll-limit", type=int, default=worker.DEFAULT_POLL_LIMIT)

    def handle(self, *args: Any, **options: Any) -> None:
        require_role("node")
        settings = {
            "interval": max(0.05, options["interval"]),
            "max_backoff": max(0.1, options["max_backoff"]),
            "batch": max(1, min(100, options["batch"])),
            "poll_limit": max(1, min(100, options["poll_limit"])),
        }
        if options["once"]:
            _delay, outcome, error = worker.run_round(failures=0, transport=None, **settings)
            if outcome is None:
                raise CommandError(error)
            self.stdout.write(json.dumps(outcome.as_dict(), sort_keys=True))
            return
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            logger.info("transport worker: signal %s, stopping after this cycle", signum)
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        logger.info("transport worker started (interval %.1f s)", settings["interval"])
        last_error = [""]

        def _log(outcome: worker.CycleResult | None, error: str) -> None:
            # Log changes, not every quiet cycle: a healthy worker stays silent.
            if outcome is None:
                if error != last_error[0]:
                    logger.warning("transport worker: %s", error)
                last_error[0] = error
                return
            if last_error[0]:
                logger.info("transport worker: connection with the hub restored")
                last_error[0] = ""
            if outcome.sent or outcome.received or outcome.failed or outcome.rejected:
                logger.info("transport worker: %s", json.dumps(outcome.as_dict(), sort_keys=True))

        worker.run_forever(stop=stop, on_cycle=_log, **settings)
        logger.info("transport worker stopped")
