"""Papers sealed for the student's browser: sent ahead, opened at the start.

While a student waits on the round page, the page fetches the questions of
their paper, compressed and sealed with AES-256-GCM under the paper's own
random key (``Paper.key``). Nothing in it can be read without that key, and
the key is given out only by the start, in the same answer that creates the
attempt: at the common instant a browser sends one small request and shows
its questions at once, and the server writes one attempt instead of also
rendering ten thousand pages. A browser that cannot open it (no Web Crypto,
no DecompressionStream, a paper drawn again since) loads the attempt page.

The sealed text is zlib-compressed HTML (the attempt page's questions); the
key id, a digest that reveals nothing of the key, tells the start which copy
the browser holds.
"""

from __future__ import annotations

import base64
import hashlib
import os
import zlib

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

#: Bound to the sealed text, so that it cannot be passed off as anything else.
CONTEXT = b"quiz paper v1"


def _text(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _bytes(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(key: bytes) -> str:
    """A name for the key that reveals nothing about it."""
    return hashlib.sha256(b"key id:" + key).hexdigest()[:32]


def key_text(key: bytes) -> str:
    """The key as the browser receives it (base64url)."""
    return _text(key)


def seal(key: bytes, html: str) -> dict[str, str]:
    """``html`` compressed and sealed: ``{"key_id", "iv", "sealed"}`` (base64url)."""
    iv = os.urandom(12)
    sealed = AESGCM(key).encrypt(iv, zlib.compress(html.encode("utf-8"), 6), CONTEXT)
    return {"key_id": key_id(key), "iv": _text(iv), "sealed": _text(sealed)}


def unseal(key: bytes, parcel: dict[str, str]) -> str:
    """The HTML of a sealed parcel (raises ``cryptography.exceptions.InvalidTag``)."""
    plain = AESGCM(key).decrypt(_bytes(parcel["iv"]), _bytes(parcel["sealed"]), CONTEXT)
    return zlib.decompress(plain).decode("utf-8")
