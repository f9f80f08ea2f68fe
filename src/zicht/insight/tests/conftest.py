from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache.backends.locmem import LocMemCache

from zicht.insight import figures


@pytest.fixture(autouse=True)
def figures_cache(monkeypatch: Any) -> Iterator[LocMemCache]:
    """A fresh cache per test instead of the instance's cache files."""
    store = LocMemCache("insight-test", {})
    monkeypatch.setattr(figures, "figures_cache", lambda: store)
    yield store
    store.clear()
