"""Catalogues: the versioned reference data that the register classifies signals with.

Portfolios, forms of exploitation, offence codes, indicators (and their groups), sectors at
risk and the route steps of the barrier model. Rows are written only by
:mod:`zicht.catalogue.loader` from the files in ``data/``; views and API handlers only read.

Rows are never deleted: signals point at them, so an entry that leaves the files is marked
inactive (``is_active=False``) and stays resolvable. A new portfolio ("jonge-aanwas",
"criminele-geldstromen") is a matter of data, not of code: every catalogue that belongs to a
portfolio has a foreign key to :class:`Portfolio`.
"""

from datetime import date

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _localized(nl: str, en: str) -> str:
    # The Dutch text is authoritative; English is shown when chosen and present.
    language = get_language() or "nl"
    return en if language.startswith("en") and en else nl


class Portfolio(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nl = models.CharField(_("naam (Nederlands)"), max_length=100)
    name_en = models.CharField(_("naam (Engels)"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("portefeuille")
        verbose_name_plural = _("portefeuilles")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localized(self.name_nl, self.name_en)


class ExploitationForm(models.Model):
    # Matches the `forms` column of indicators.csv: seksueel, arbeid, crimineel, orgaan,
    # benadeling.
    code = models.SlugField(_("code"), max_length=40, unique=True)
    portfolio = models.ForeignKey(
        Portfolio,
        verbose_name=_("portefeuille"),
        on_delete=models.PROTECT,
        related_name="forms",
    )
    name_nl = models.CharField(_("naam (Nederlands)"), max_length=100)
    name_en = models.CharField(_("naam (Engels)"), max_length=100, blank=True)
    description_nl = models.TextField(_("omschrijving (Nederlands)"), blank=True)
    description_en = models.TextField(_("omschrijving (Engels)"), blank=True)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    # Whether the indicator file's `all` includes this form. Organ removal and ernstige
    # benadeling have their own indicators only (see data/SOURCES.md).
    in_all = models.BooleanField(_("valt onder 'alle vormen'"), default=True)
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["portfolio__order", "order", "code"]
        verbose_name = _("uitbuitingsvorm")
        verbose_name_plural = _("uitbuitingsvormen")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localized(self.name_nl, self.name_en)

    @property
    def description(self) -> str:
        return _localized(self.description_nl, self.description_en)


class OffenceCode(models.Model):
    # E.g. "273f-1-1" (art. 273f lid 1 sub 1 Sr), "273fa", "273fb".
    code = models.CharField(_("code"), max_length=20, unique=True)
    article = models.CharField(_("artikel"), max_length=60)
    name_nl = models.CharField(_("omschrijving (Nederlands)"), max_length=255)
    name_en = models.CharField(_("omschrijving (Engels)"), max_length=255, blank=True)
    # Empty when the offence covers several forms (most of art. 273f lid 1).
    form = models.ForeignKey(
        ExploitationForm,
        verbose_name=_("uitbuitingsvorm"),
        on_delete=models.PROTECT,
        related_name="offence_codes",
        null=True,
        blank=True,
    )
    # Both bounds inclusive; empty means unbounded. Use offences.offences_in_force() rather
    # than these fields: in_force_setting overrides valid_from.
    valid_from = models.DateField(_("geldig vanaf"), null=True, blank=True)
    valid_to = models.DateField(_("geldig tot en met"), null=True, blank=True)
    # Name of a Django setting that holds the date of entry into force (for offences of a bill
    # whose entry into force is not yet known). The setting wins over valid_from; while it is
    # None the offence is not in force on any date.
    in_force_setting = models.CharField(_("instelling inwerkingtreding"), max_length=80, blank=True)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("delictscode")
        verbose_name_plural = _("delictscodes")

    def __str__(self) -> str:
        return f"{self.article}: {self.name}"

    @property
    def name(self) -> str:
        return _localized(self.name_nl, self.name_en)

    @property
    def effective_valid_from(self) -> date | None:
        from zicht.catalogue.offences import effective_valid_from

        return effective_valid_from(self)

    def is_in_force(self, on: date) -> bool:
        from zicht.catalogue.offences import is_in_force

        return is_in_force(self, on)


class IndicatorGroup(models.Model):
    # The `group` column of indicators.csv; Indicator.group holds this code.
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nl = models.CharField(_("naam (Nederlands)"), max_length=100)
    name_en = models.CharField(_("naam (Engels)"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("indicatorgroep")
        verbose_name_plural = _("indicatorgroepen")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localized(self.name_nl, self.name_en)


class Indicator(models.Model):
    # The stable id of the source list, e.g. "G01"; signals keep referring to it.
    code = models.CharField(_("code"), max_length=10, unique=True)
    # An IndicatorGroup code. A plain string (not a foreign key) so the register can filter
    # and export on it directly; the loader guarantees that the group exists.
    group = models.CharField(_("groep"), max_length=40, db_index=True)
    label_nl = models.CharField(_("omschrijving (Nederlands)"), max_length=255)
    label_en = models.CharField(_("omschrijving (Engels)"), max_length=255, blank=True)
    forms = models.ManyToManyField(
        ExploitationForm, verbose_name=_("uitbuitingsvormen"), related_name="indicators"
    )
    portfolio = models.ForeignKey(
        Portfolio,
        verbose_name=_("portefeuille"),
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    # Source keys of data/SOURCES.md, separated by ";" (e.g. "MA;NLA").
    sources = models.CharField(_("bronnen"), max_length=100, blank=True)
    # Position in the source file, so lists follow the published order.
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicatoren")

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        return _localized(self.label_nl, self.label_en)

    @property
    def source_keys(self) -> list[str]:
        return [key for key in self.sources.split(";") if key]


class Sector(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nl = models.CharField(_("naam (Nederlands)"), max_length=100)
    name_en = models.CharField(_("naam (Engels)"), max_length=100, blank=True)
    portfolio = models.ForeignKey(
        Portfolio,
        verbose_name=_("portefeuille"),
        on_delete=models.PROTECT,
        related_name="sectors",
    )
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["portfolio__order", "order", "code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectoren")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localized(self.name_nl, self.name_en)


class RouteStep(models.Model):
    # The VNG/CCV barrier model for labour migrants: werving → huisvesting → registratie →
    # arbeid → verblijf → terugkeer.
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nl = models.CharField(_("naam (Nederlands)"), max_length=100)
    name_en = models.CharField(_("naam (Engels)"), max_length=100, blank=True)
    description_nl = models.TextField(_("omschrijving (Nederlands)"), blank=True)
    description_en = models.TextField(_("omschrijving (Engels)"), blank=True)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("routestap")
        verbose_name_plural = _("routestappen")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localized(self.name_nl, self.name_en)

    @property
    def description(self) -> str:
        return _localized(self.description_nl, self.description_en)


class CatalogueVersion(models.Model):
    """Which version of each catalogue file is loaded: shown in the UI and the API."""

    # The catalogue's name, e.g. "indicators".
    name = models.SlugField(_("catalogus"), max_length=40, unique=True)
    # From the file's metadata ("version" in JSON, the "# ... version:" line in CSV).
    version = models.CharField(_("versie"), max_length=40)
    file_name = models.CharField(_("bestand"), max_length=100)
    # Of the file's bytes: tells an edited file from the version it claims to be.
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # When this content was first loaded; re-loading the same bytes does not change it.
    loaded_at = models.DateTimeField(_("geladen op"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("catalogusversie")
        verbose_name_plural = _("catalogusversies")

    def __str__(self) -> str:
        return f"{self.name} {self.version}"
