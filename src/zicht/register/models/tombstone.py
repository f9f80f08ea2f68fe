"""What retention deleted: enough to account for the deletion, nothing of the content."""

from django.db import models


class Tombstone(models.Model):
    record_type = models.CharField(max_length=50)
    record_id = models.CharField(max_length=50)
    reference = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=200)
    batch = models.CharField(max_length=40, db_index=True)
    deleted_by = models.CharField(max_length=150)
    deleted_at = models.DateTimeField()

    class Meta:
        ordering = ["-deleted_at", "record_type", "record_id"]

    def __str__(self) -> str:
        return f"{self.record_type}#{self.record_id} ({self.batch})"
