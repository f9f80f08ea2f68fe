"""Settings that protect accounts: hashing, sessions."""

from django.conf import settings


def test_production_hashes_passwords_with_argon2() -> None:
    import zicht.settings as production_settings

    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_sessions_time_out() -> None:
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
