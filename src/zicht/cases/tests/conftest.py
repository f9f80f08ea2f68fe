"""Fixtures for the cases tests."""

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def dutch() -> Iterator[None]:
    # Messages are asserted in Dutch; a request in an earlier test may have left another
    # language active in this thread.
    with translation.override("nl"):
        yield
