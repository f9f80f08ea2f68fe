"""The committed OpenAPI contracts (``openapi/<role>.json``) and how to rebuild them."""

import importlib
from pathlib import Path

from django.conf import settings

from zicht.core.api import openapi_document

ROLES = ("hub", "node")


def contract_path(role: str) -> Path:
    return Path(settings.BASE_DIR) / "openapi" / f"{role}.json"


def current_document(role: str) -> str:
    urlconf = importlib.import_module(f"zicht.urls_{role}")
    return openapi_document(urlconf.api)
