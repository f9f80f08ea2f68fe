"""Factories for organisations and users, with Dutch fake data."""

from typing import Any

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from zicht.accounts.models import Organisation, OrganisationType, Role, User

TEST_PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"RIEC testregio {n}")
    type = OrganisationType.RIEC

    class Params:
        gemeente = factory.Trait(
            type=OrganisationType.GEMEENTE, name=factory.Sequence(lambda n: f"Gemeente Test {n}")
        )
        nla = factory.Trait(
            type=OrganisationType.NLA, name=factory.Sequence(lambda n: f"Arbeidsinspectie {n}")
        )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"gebruiker{n}")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    organisation = factory.SubFactory(OrganisationFactory, name="RIEC Midden-Nederland")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.roles.set(Role.objects.filter(code__in=list(extracted)))

    @factory.post_generation
    def totp(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            TOTPDevice.objects.create(user=self, name="test", confirmed=True)
