"""Organisations, roles and users."""

from django.contrib.auth.models import AbstractUser, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationType(models.TextChoices):
    RIEC = "riec", _("RIEC-bureau")
    LIEC = "liec", _("LIEC")
    GEMEENTE = "gemeente", _("Gemeente")
    PROVINCIE = "provincie", _("Provincie")
    POLITIE = "politie", _("Politie")
    OM = "om", _("Openbaar Ministerie")
    BELASTINGDIENST = "belastingdienst", _("Belastingdienst")
    FIOD = "fiod", _("FIOD")
    DOUANE = "douane", _("Douane")
    NLA = "nla", _("Nederlandse Arbeidsinspectie")
    KMAR = "kmar", _("Koninklijke Marechaussee")
    IND = "ind", _("IND")
    UWV = "uwv", _("UWV")
    ZORG = "zorg", _("Zorg- en hulpverlening")


class Organisation(models.Model):
    name = models.CharField(_("naam"), max_length=200, unique=True)
    type = models.CharField(_("soort"), max_length=20, choices=OrganisationType.choices)
    # Municipalities are tied to their CBS code so figures can be joined to reference data.
    municipality = models.ForeignKey(
        "reference.Municipality",
        verbose_name=_("gemeente"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nl = models.CharField(_("naam (Nederlands)"), max_length=100)
    name_en = models.CharField(_("naam (Engels)"), max_length=100)
    permissions = models.ManyToManyField(Permission, blank=True, verbose_name=_("rechten"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("rol")
        verbose_name_plural = _("rollen")

    def __str__(self) -> str:
        return self.name_nl

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisatie"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    roles = models.ManyToManyField(Role, blank=True, verbose_name=_("rollen"), related_name="users")
    failed_login_count = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")
        permissions = [("manage_users", "Can manage users and their roles")]

    def has_role(self, code: str) -> bool:
        return self.roles.filter(code=code).exists()

    @property
    def role_codes(self) -> set[str]:
        return set(self.roles.values_list("code", flat=True))
