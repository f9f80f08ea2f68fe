"""Case types and interventions: catalogue data, loaded from ``cases/data`` only.

Rows are written by :mod:`zicht.cases.loader` and never deleted: cases point at them, so an
entry that leaves the files is marked inactive. The shape follows the ZGW catalogue
(zaaktype with statustypen, roltypen, resultaattypen), so a case can be exported as a
"zaak"; the lifecycle itself (which phases exist and how a case moves between them) is code,
in :mod:`zicht.cases.workflow`, and the loader refuses a file whose status types differ.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from zicht.catalogue.models import _localized


class CaseType(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_nl = models.CharField(_("naam (Nederlands)"), max_length=200)
    name_en = models.CharField(_("naam (Engels)"), max_length=200, blank=True)
    description_nl = models.TextField(_("omschrijving (Nederlands)"), blank=True)
    description_en = models.TextField(_("omschrijving (Engels)"), blank=True)
    exploitation_form = models.ForeignKey(
        "catalogue.ExploitationForm",
        verbose_name=_("uitbuitingsvorm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    articles = models.CharField(_("wetsartikelen"), max_length=100, blank=True)
    default_confidentiality = models.CharField(
        _("standaard vertrouwelijkheid"), max_length=20, default="vertrouwelijk"
    )
    version = models.CharField(_("versie"), max_length=40)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("casustype")
        verbose_name_plural = _("casustypen")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localized(self.name_nl, self.name_en)


class CaseStatusType(models.Model):
    """A phase of the lifecycle as this case type names it, with a norm for its duration."""

    case_type = models.ForeignKey(CaseType, on_delete=models.CASCADE, related_name="status_types")
    phase = models.CharField(_("fase"), max_length=30)
    name_nl = models.CharField(_("naam (Nederlands)"), max_length=100)
    name_en = models.CharField(_("naam (Engels)"), max_length=100, blank=True)
    description_nl = models.TextField(_("omschrijving (Nederlands)"), blank=True)
    target_days = models.PositiveSmallIntegerField(_("normduur (dagen)"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("volgnummer"), default=0)
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["case_type", "order"]
        constraints = [
            models.UniqueConstraint(fields=["case_type", "phase"], name="cases_statustype_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_type_id}:{self.phase}"

    @property
    def name(self) -> str:
        return _localized(self.name_nl, self.name_en)


class RoleKind(models.TextChoices):
    PARTNER = "partner", _("partnerorganisatie")
    SUBJECT = "subject", _("betrokkene")


class CaseRoleType(models.Model):
    """A role in a case: of a partner organisation (initiator, behandelaar…) or a subject."""

    case_type = models.ForeignKey(CaseType, on_delete=models.CASCADE, related_name="role_types")
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("soort"), max_length=10, choices=RoleKind.choices)
    # ZGW "omschrijvingGeneriek": initiator, behandelaar, adviseur, belanghebbende, …
    generic = models.CharField(_("generieke rol"), max_length=40)
    name_nl = models.CharField(_("naam (Nederlands)"), max_length=100)
    name_en = models.CharField(_("naam (Engels)"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["case_type", "kind", "order"]
        constraints = [
            models.UniqueConstraint(fields=["case_type", "code"], name="cases_roletype_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localized(self.name_nl, self.name_en)


class ArchiveAction(models.TextChoices):
    DESTROY = "vernietigen", _("vernietigen")
    KEEP = "blijvend_bewaren", _("blijvend bewaren")


class CaseResultType(models.Model):
    case_type = models.ForeignKey(CaseType, on_delete=models.CASCADE, related_name="result_types")
    code = models.SlugField(_("code"), max_length=60)
    name_nl = models.CharField(_("naam (Nederlands)"), max_length=200)
    name_en = models.CharField(_("naam (Engels)"), max_length=200, blank=True)
    description_nl = models.TextField(_("omschrijving (Nederlands)"), blank=True)
    archive_action = models.CharField(
        _("archiefnominatie"), max_length=20, choices=ArchiveAction.choices
    )
    # Counted from the day the case is closed (ZGW brondatum "afgehandeld").
    retention_years = models.PositiveSmallIntegerField(_("bewaartermijn (jaren)"))
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["case_type", "order"]
        constraints = [
            models.UniqueConstraint(fields=["case_type", "code"], name="cases_resulttype_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localized(self.name_nl, self.name_en)


class CaseTaskTemplate(models.Model):
    """A standard task, created when a case of this type first enters ``phase``."""

    case_type = models.ForeignKey(CaseType, on_delete=models.CASCADE, related_name="task_templates")
    code = models.SlugField(_("code"), max_length=60)
    phase = models.CharField(_("fase"), max_length=30)
    title_nl = models.CharField(_("titel (Nederlands)"), max_length=200)
    title_en = models.CharField(_("titel (Engels)"), max_length=200, blank=True)
    due_days = models.PositiveSmallIntegerField(_("termijn (dagen)"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["case_type", "order"]
        constraints = [
            models.UniqueConstraint(fields=["case_type", "code"], name="cases_tasktemplate_unique")
        ]

    def __str__(self) -> str:
        return self.title_nl


class InterventionCategory(models.TextChoices):
    ADMINISTRATIVE = "bestuurlijk", _("bestuurlijk")
    CRIMINAL = "strafrechtelijk", _("strafrechtelijk")
    FISCAL = "fiscaal", _("fiscaal")
    LABOUR = "arbeidsinspectie", _("arbeidsinspectie")
    CARE = "zorg", _("zorg")


class InterventionType(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    category = models.CharField(_("categorie"), max_length=20, choices=InterventionCategory.choices)
    name_nl = models.CharField(_("naam (Nederlands)"), max_length=200)
    name_en = models.CharField(_("naam (Engels)"), max_length=200, blank=True)
    description_nl = models.TextField(_("omschrijving (Nederlands)"), blank=True)
    legal_basis = models.CharField(_("grondslag"), max_length=200, blank=True)
    # Organisation types (accounts.OrganisationType) that usually carry it out, ";"-separated.
    organisation_types = models.CharField(_("uitvoerende partners"), max_length=200, blank=True)
    # A decision of an administrative body (ZGW "besluit") once it is carried out.
    is_decision = models.BooleanField(_("is een besluit"), default=False)
    version = models.CharField(_("versie"), max_length=40)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("interventietype")
        verbose_name_plural = _("interventietypen")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localized(self.name_nl, self.name_en)


class CaseCatalogueVersion(models.Model):
    """Which version of each case catalogue file is loaded (file content by SHA-256)."""

    name = models.CharField(max_length=40, unique=True)
    version = models.CharField(max_length=40)
    file_name = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.version}"
