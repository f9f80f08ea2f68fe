import shutil
from pathlib import Path

import pytest
from django.test import Client

from zicht.accounts.models import User
from zicht.catalogue.loader import DATA_DIR, FILES


@pytest.fixture
def catalogue_user(db) -> User:
    return User.objects.create_user(username="analist.catalogus", password="correct horse battery")


@pytest.fixture
def logged_in_client(catalogue_user: User) -> Client:
    client = Client()
    client.force_login(catalogue_user)
    return client


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the catalogue files, for tests that edit them."""
    for name in FILES.values():
        shutil.copyfile(DATA_DIR / name, tmp_path / name)
        (tmp_path / name).chmod(0o644)
    return tmp_path
