"""Pagination that does not count a whole large table.

Counting every match of a search over hundreds of thousands of rows costs more than the
page itself. ``CappedPaginator`` counts up to ``cap`` matches and says "more than" past it.
"""

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator


class CappedPaginator(Paginator):  # type: ignore[type-arg]
    def __init__(self, object_list: Any, per_page: int, cap: int = 1000) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        # COUNT over a LIMITed subquery stops scanning after cap + 1 matches.
        sliced: Any = self.object_list[: self.cap + 1]
        return int(sliced.count())

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap
