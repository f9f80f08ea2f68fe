import pytest
from django.test import Client

from zicht.accounts.models import User


@pytest.fixture
def reference_user(db) -> User:
    return User.objects.create_user(username="analist.utrecht", password="correct horse battery")


@pytest.fixture
def logged_in_client(reference_user: User) -> Client:
    client = Client()
    client.force_login(reference_user)
    return client
