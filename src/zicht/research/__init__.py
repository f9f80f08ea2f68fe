"""Joint phenomenon research across regions.

The cryptographic protocols live in :mod:`zicht.research.protocols` (pure Python, no Django);
the Django app that drafts studies, collects approvals and releases results sits beside it.
"""
