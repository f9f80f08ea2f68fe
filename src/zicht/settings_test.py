"""Settings for the test suite: a node of Midden-Nederland unless a test says otherwise."""

import os

os.environ.setdefault("ZICHT_DEPLOYMENT", "test")
os.environ.setdefault("ZICHT_ROLE", "node")
os.environ.setdefault("ZICHT_REGION", "midden-nederland")

from zicht.settings import *  # noqa: F403

# Argon2 is deliberately slow; the suite checks the production list in one test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
