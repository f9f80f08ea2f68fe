"""Entities (betrokkenen): persons, companies, addresses, vehicles, phones, e-mail, accounts.

One table for every kind keeps links and relations simple (the followthemoney idea): the
kind's properties live in ``properties`` and are validated by :mod:`zicht.register.schema`;
what is searched or matched on is copied into indexed columns and ``EntityIdentifier``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EntityKind(models.TextChoices):
    PERSON = "person", _("persoon")
    COMPANY = "company", _("bedrijf")
    ADDRESS = "address", _("adres")
    VEHICLE = "vehicle", _("voertuig")
    PHONE = "phone", _("telefoonnummer")
    EMAIL = "email", _("e-mailadres")
    BANK_ACCOUNT = "bank_account", _("bankrekening")


class RelationType(models.TextChoices):
    WORKS_FOR = "werkt_voor", _("werkt voor")
    LIVES_AT = "woont_op", _("woont op")
    REGISTERED_AT = "ingeschreven_op", _("ingeschreven op")
    OWNER_OF = "eigenaar_van", _("eigenaar van")
    DIRECTOR_OF = "bestuurder_van", _("bestuurder van")
    USES_PHONE = "gebruikt_telefoon", _("gebruikt telefoon")
    ACCOUNT_OF = "rekening_van", _("rekening van")


class Entity(models.Model):
    kind = models.CharField(_("soort"), max_length=20, choices=EntityKind.choices, db_index=True)
    label = models.CharField(_("naam"), max_length=300)
    properties = models.JSONField(_("gegevens"), default=dict)
    # Lower-case, without diacritics, tokens sorted: "Jan de Vries" == "de vries, Jan".
    name_key = models.CharField(max_length=300, blank=True, db_index=True)
    # First three letters of every token, for blocking the fuzzy comparison.
    name_prefixes = models.CharField(max_length=300, blank=True)
    birth_date = models.DateField(null=True, blank=True, db_index=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["label", "id"]
        verbose_name = _("betrokkene")
        verbose_name_plural = _("betrokkenen")
        indexes = [models.Index(fields=["kind", "name_key"])]
        permissions = [("merge_entity", "Can merge and un-merge entities")]

    def __str__(self) -> str:
        return self.label

    @property
    def kind_label(self) -> str:
        # Cheaper than get_kind_display(), which rebuilds a dict of lazy labels per call.
        return str(EntityKind(self.kind).label)


class EntityIdentifier(models.Model):
    """A normalised identifier of an entity; exact duplicate matching runs on these."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="identifiers")
    scheme = models.CharField(max_length=20)
    value = models.CharField(max_length=100)

    class Meta:
        indexes = [models.Index(fields=["scheme", "value"])]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "scheme", "value"], name="register_identifier_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


class EntityToken(models.Model):
    """One normalised word of an entity's label, for searching by name through an index.

    A LIKE '%…%' over every label scans the whole table; a range lookup on these tokens
    ("vries" ≤ token < "vries\uffff") uses the index on both SQLite and PostgreSQL.
    """

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=60, db_index=True)
    # A copy of the entity's kind (which never changes): the company duplicate check ranks
    # companies by shared words from the (kind, token, entity) index alone. Joining the
    # entity table for its kind let SQLite start from all companies instead (~55 ms).
    kind = models.CharField(max_length=20, choices=EntityKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "token"], name="register_token_unique")
        ]
        indexes = [models.Index(fields=["kind", "token", "entity"], name="register_token_kind_idx")]

    def __str__(self) -> str:
        return self.token


class EntityRelation(models.Model):
    source = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="relations_out")
    target = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="relations_in")
    type = models.CharField(_("relatie"), max_length=30, choices=RelationType.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "type"], name="register_relation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.type} {self.target_id}"


class EntityMerge(models.Model):
    """A merge of ``source`` into ``target``, with what moved, so it can be undone exactly."""

    source = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    moved_links = models.JSONField(default=list)
    moved_relations = models.JSONField(default=list)
    reason = models.TextField(blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField()
    unmerged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    unmerged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"
