"""Encrypting stored secrets: a round trip, tokens that differ each time and never
contain the plaintext, keys per purpose, rotation (a new key encrypts, the old one
still decrypts), plain values of before the transition, and clear errors when the
key is gone or the token was tampered with."""

import pytest
from django.test import override_settings

from guanxi.core import crypto

PURPOSE = "tests.password"


def test_round_trip_with_chinese_text():
    token = crypto.encrypt("邮箱密码-secret", purpose=PURPOSE)
    assert token.startswith("gx1$") and "secret" not in token
    assert crypto.is_encrypted(token)
    assert crypto.decrypt(token, purpose=PURPOSE) == "邮箱密码-secret"
    assert crypto.reveal(token, purpose=PURPOSE) == "邮箱密码-secret"


def test_each_encryption_differs_and_empty_stays_empty():
    assert crypto.encrypt("same", purpose=PURPOSE) != crypto.encrypt("same", purpose=PURPOSE)
    assert crypto.encrypt("", purpose=PURPOSE) == ""
    assert crypto.decrypt("", purpose=PURPOSE) == ""


def test_a_token_of_another_purpose_does_not_decrypt():
    token = crypto.encrypt("secret", purpose="one")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, purpose="two")


def test_plain_values_of_before_the_transition_are_returned_as_they_are():
    assert not crypto.is_encrypted("plain-password")
    assert not crypto.is_encrypted("gx$not-a-token")
    assert crypto.reveal("plain-password", purpose=PURPOSE) == "plain-password"
    assert crypto.reveal("", purpose=PURPOSE) == ""
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("plain-password", purpose=PURPOSE)


def test_tampering_is_detected_with_a_clear_error():
    token = crypto.encrypt("secret", purpose=PURPOSE)
    head, body = token[:-6], token[-6:]
    damaged = head + ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(crypto.DecryptionError, match="篡改"):
        crypto.decrypt(damaged, purpose=PURPOSE)


def test_an_unknown_scheme_is_refused():
    token = crypto.encrypt("secret", purpose=PURPOSE).replace("gx1$", "gx9$", 1)
    with pytest.raises(crypto.DecryptionError, match="gx9"):
        crypto.decrypt(token, purpose=PURPOSE)


def test_the_dedicated_key_wins_over_the_secret_key():
    with override_settings(FIELD_ENCRYPTION_KEY="dedicated-key-1"):
        token = crypto.encrypt("secret", purpose=PURPOSE)
    with pytest.raises(crypto.DecryptionError, match="密钥"):
        crypto.decrypt(token, purpose=PURPOSE)  # SECRET_KEY's key cannot read it
    with override_settings(FIELD_ENCRYPTION_KEY="dedicated-key-1"):
        assert crypto.decrypt(token, purpose=PURPOSE) == "secret"


def test_rotating_the_dedicated_key_keeps_old_values_readable():
    with override_settings(FIELD_ENCRYPTION_KEY="old-key"):
        old = crypto.encrypt("secret", purpose=PURPOSE)
    with override_settings(FIELD_ENCRYPTION_KEY=["new-key", "old-key"]):
        assert crypto.decrypt(old, purpose=PURPOSE) == "secret"
        assert crypto.needs_rotation(old, purpose=PURPOSE)
        new = crypto.rotate(old, purpose=PURPOSE)
        assert new != old and not crypto.needs_rotation(new, purpose=PURPOSE)
        assert crypto.decrypt(new, purpose=PURPOSE) == "secret"
    with override_settings(FIELD_ENCRYPTION_KEY="new-key"):
        assert crypto.decrypt(new, purpose=PURPOSE) == "secret"
        with pytest.raises(crypto.DecryptionError, match="密钥"):
            crypto.decrypt(old, purpose=PURPOSE)


def test_rotating_the_secret_key_the_django_way_keeps_values_readable():
    with override_settings(SECRET_KEY="first-secret-key-" * 3, FIELD_ENCRYPTION_KEY=None):
        token = crypto.encrypt("secret", purpose=PURPOSE)
    with override_settings(
        SECRET_KEY="second-secret-key-" * 3,
        SECRET_KEY_FALLBACKS=["first-secret-key-" * 3],
        FIELD_ENCRYPTION_KEY=None,
    ):
        assert crypto.decrypt(token, purpose=PURPOSE) == "secret"
        assert crypto.needs_rotation(token, purpose=PURPOSE)


def test_plain_values_need_rotation_and_rotate_encrypts_them():
    assert crypto.needs_rotation("plain", purpose=PURPOSE)
    assert not crypto.needs_rotation("", purpose=PURPOSE)
    token = crypto.rotate("plain", purpose=PURPOSE)
    assert crypto.decrypt(token, purpose=PURPOSE) == "plain"
