"""Encrypting the secrets the product has to keep readable (a mail server's password):
authenticated symmetric encryption with the ``cryptography`` package's Fernet
(AES-128-CBC with an HMAC-SHA256 tag, and a timestamp), never hand-made.

Keys. ``settings.FIELD_ENCRYPTION_KEY`` when it is set (one secret, or a list: the
first encrypts, every one decrypts — that is how a key is rotated), else Django's own
``SECRET_KEY`` followed by its ``SECRET_KEY_FALLBACKS`` (so rotating the secret key the
Django way keeps stored values readable). Each secret is stretched by HKDF-SHA256 with
a *purpose* string into one Fernet key per purpose: a value encrypted for one purpose
cannot be passed off as another's, and no key is ever the secret itself.

Tokens. ``gx1$<key id>$<Fernet token>``: ``gx1`` names this scheme (a later scheme gets
``gx2`` and both stay readable), the key id (the first 8 hex digits of a digest of the
derived key, which reveals nothing of it) says which key encrypted the value, so
decryption tries that key only and a missing key is a clear error rather than a
"wrong password". A value without the prefix is a plain value written before
encryption existed: ``reveal`` returns it unchanged during the transition.

Settings are read when used, never at import time.
"""

import base64
import functools
import hashlib
import re

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

SCHEME = "gx1"
SEPARATOR = "$"
PREFIX = SCHEME + SEPARATOR
SALT = b"guanxi.core.crypto.v1"
_TOKEN = re.compile(r"^gx[0-9]{1,3}\$[0-9a-f]{8}\$")


class DecryptionError(ValueError):
    """A stored value cannot be decrypted: the key that encrypted it is no longer
    configured, or the value was damaged or tampered with. The message says which."""


def _secrets() -> list[str]:
    dedicated = getattr(settings, "FIELD_ENCRYPTION_KEY", None)
    given: list = (
        ([dedicated] if isinstance(dedicated, (str, bytes)) else list(dedicated))
        if dedicated
        else [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    )
    found = [s.decode() if isinstance(s, bytes) else str(s) for s in given if s]
    if not found:
        raise ImproperlyConfigured("No SECRET_KEY or FIELD_ENCRYPTION_KEY to derive keys from.")
    return found


@functools.lru_cache(maxsize=64)
def _derive(secret: str, purpose: str) -> tuple[str, Fernet]:
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=SALT, info=purpose.encode("utf-8")
    ).derive(secret.encode("utf-8"))
    key_id = hashlib.sha256(b"key-id:" + raw).hexdigest()[:8]
    return key_id, Fernet(base64.urlsafe_b64encode(raw))


def _keys(purpose: str) -> list[tuple[str, Fernet]]:
    if not purpose:
        raise ValueError("a purpose is required")
    return [_derive(secret, purpose) for secret in _secrets()]


def is_encrypted(value) -> bool:
    """Whether ``value`` is a token of this module (of any scheme version)."""
    return isinstance(value, str) and bool(_TOKEN.match(value))


def encrypt(plaintext: str, *, purpose: str) -> str:
    """The token of ``plaintext`` under the current key for ``purpose``. An empty
    value stays empty (nothing to hide, and "no password" stays visible as such)."""
    if plaintext in (None, ""):
        return ""
    key_id, fernet = _keys(purpose)[0]
    token = fernet.encrypt(str(plaintext).encode("utf-8")).decode("ascii")
    return f"{PREFIX}{key_id}{SEPARATOR}{token}"


def decrypt(token: str, *, purpose: str) -> str:
    """The plaintext of ``token``; ``DecryptionError`` with a readable reason when the
    key is gone, the scheme unknown, or the token damaged or not for ``purpose``."""
    if token in (None, ""):
        return ""
    if not is_encrypted(token):
        raise DecryptionError(_("该值不是加密后的内容。"))
    scheme, _sep, rest = token.partition(SEPARATOR)
    if scheme != SCHEME:
        raise DecryptionError(
            _("无法识别的加密格式“%(scheme)s”（需要更新版本的系统）。") % {"scheme": scheme[:10]}
        )
    key_id, _sep, body = rest.partition(SEPARATOR)
    fernet = dict(_keys(purpose)).get(key_id)
    if fernet is None:
        raise DecryptionError(
            _(
                "加密该值的密钥（编号 %(key)s）已不在配置中：请恢复原来的 SECRET_KEY 或 "
                "FIELD_ENCRYPTION_KEY，或重新填写该值。"
            )
            % {"key": key_id[:8]}
        )
    try:
        return fernet.decrypt(body.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError) as exc:
        raise DecryptionError(_("加密内容已损坏或被篡改，无法解密，请重新填写该值。")) from exc


def reveal(value: str, *, purpose: str) -> str:
    """The plaintext of a stored value that may still be a plain one written before
    encryption (returned unchanged). Raises ``DecryptionError`` like ``decrypt``."""
    if not is_encrypted(value):
        return value or ""
    return decrypt(value, purpose=purpose)


def needs_rotation(value: str, *, purpose: str) -> bool:
    """Whether a stored value is plain, or encrypted with a key other than the current
    one (re-encrypt it with ``rotate``)."""
    if not value:
        return False
    if not is_encrypted(value):
        return True
    current_id = _keys(purpose)[0][0]
    return not value.startswith(f"{PREFIX}{current_id}{SEPARATOR}")


def rotate(value: str, *, purpose: str) -> str:
    """``value`` encrypted under the current key (plain values get encrypted)."""
    if not needs_rotation(value, purpose=purpose):
        return value
    return encrypt(reveal(value, purpose=purpose), purpose=purpose)
