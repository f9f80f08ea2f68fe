"""Pages of joint research: :mod:`.hub` (studies, runs, releases) and :mod:`.node` (requests).

Reads go through :mod:`zicht.research.access`, writes through the services; shared
rendering of released tables is in :mod:`zicht.research.presentation`.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from zicht.accounts.models import User

# Why the region processes personal data when its steward previews or its users download.
PURPOSE = "Gezamenlijk fenomeenonderzoek mensenhandel (LIEC en RIEC's)"
LEGAL_GROUND = "Wgs (Stb. 2024, 198) en Privacyprotocol RIECs-LIEC"
PROCESSING_ACTIVITY = "gezamenlijk-onderzoek"


def user_of(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def csv_attachment(text: str, run_id: str) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="zicht-onderzoek-{run_id}-{stamp}.csv"'
    return response
