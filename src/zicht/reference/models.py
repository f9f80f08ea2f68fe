"""Public reference data: the ten RIEC regions and the municipalities in them.

Rows are written only by :mod:`zicht.reference.loader` (from the files in ``data/``), never by
views or API handlers. This is not personal data, so reads are not audited.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    # The slug of zicht.regions.REGIONS: the same code that ZICHT_REGION uses.
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=100)
    # How the source files spell the region ("Amsterdam" for Amsterdam-Amstelland).
    source_name = models.CharField(_("naam in de bron"), max_length=100, unique=True)
    # Position in zicht.regions.REGIONS, so lists follow the order of the demo network.
    position = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    # Sum over the municipalities; stored so lists need no aggregate query.
    population = models.PositiveIntegerField(_("inwoners"), default=0)
    # GeoJSON geometry (WGS84) of the region outline.
    boundary = models.JSONField(_("grens"), null=True, blank=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("regio")
        verbose_name_plural = _("regio's")

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    # CBS municipality code, e.g. "GM0014"; stable key for joining figures from other sources.
    code = models.CharField(_("CBS-code"), max_length=6, unique=True)
    name = models.CharField(_("naam"), max_length=100)
    province = models.CharField(_("provincie"), max_length=50)
    # PROTECT: removing a region must never silently take municipalities (and what
    # refers to them) along.
    region = models.ForeignKey(
        Region,
        verbose_name=_("regio"),
        on_delete=models.PROTECT,
        related_name="municipalities",
    )
    population = models.PositiveIntegerField(_("inwoners"))
    # A point inside the municipality (WGS84), good enough for a marker, not for geocoding.
    lat = models.FloatField(_("breedtegraad"))
    lon = models.FloatField(_("lengtegraad"))
    # GeoJSON geometry (WGS84), simplified: for maps, not for placing an address on a border.
    boundary = models.JSONField(_("grens"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("gemeente")
        verbose_name_plural = _("gemeenten")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
