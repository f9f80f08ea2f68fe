"""Keep the database's planner statistics current after large changes.

SQLite has no autovacuum: without statistics (``ANALYZE``) its planner guesses, and for the
register's word-index joins it guesses badly. The company duplicate check at 100,000 signals
drove the join from all 30,000 companies instead of the few thousand matching name words: 130
ms instead of 20 ms. PostgreSQL's autovacuum analyzes on its own, but only after a delay, so a
large import is followed by an explicit ``ANALYZE`` there too.

Called after bulk imports, by the demo-data generator and by the daily ``apply_retention``.
A full ``ANALYZE`` of a 100,000-signal SQLite node takes about 1.3 s. (A sampled ANALYZE,
``PRAGMA analysis_limit``, is faster but gave the bad plan back in our measurements.)
"""

from django.db import connection

#: Bulk writes of at least this many rows refresh the statistics afterwards.
BULK_THRESHOLD = 1000


def refresh() -> None:
    """Run ANALYZE on the default database (outside any transaction on PostgreSQL is fine)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
