"""OAuth2 for the local backend: static bearer tokens, and a token endpoint for service-account keys and users.

A service-account key whose `token_uri` points at `<server>/token` goes through the
same flow as on Google: google-auth signs an assertion with the private key, the
endpoint verifies it against the registered public key and issues a short-lived
access token, which API requests then carry as `Authorization: Bearer`.

As on Google, an assertion may be valid for at most an hour. An assertion is exchanged
once: presented again within REPLAY_GRACE_S (a retry after a lost answer, or a second
process signing with the same key in the same second, which gives the same bytes) it
gets the token it already got, later it is refused. Issued tokens are forgotten an hour
after they expire, used assertions once they have expired.

User credentials (application default credentials of `gcloud auth application-default login`) use the
refresh-token grant: the endpoint checks the registered client id, secret and refresh token.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import parse_qs

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import exceptions as auth_exceptions
from google.auth import jwt

from ee_assets.local.errors import Unauthenticated

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
REFRESH_TOKEN = "refresh_token"
# google-auth addresses service-account assertions to Google's endpoint whatever the key's token_uri says.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
MAX_ASSERTION_LIFETIME_S = 3600  # Google refuses JWT-bearer assertions whose exp is more than an hour after iat
CLOCK_SKEW_S = 60
REPLAY_GRACE_S = 10.0
EXPIRED_KEPT_S = 3600  # an expired token is still recognised (and said to be expired) this long
PRUNE_EVERY_S = 60.0


class OAuthError(Exception):
    """An error of the token endpoint, answered in OAuth2's format {"error", "error_description"}."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def public_key_pem(key: dict) -> str:
    """The public key of a service-account key (as JSON dict), PEM-encoded."""
    private = serialization.load_pem_private_key(key["private_key"].encode(), password=None)
    return private.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def generate_service_account_key(email: str, token_uri: str, project_id: str = "local") -> dict:
    """A new RSA service-account key in Google's JSON key format, for offline tests of the production flow."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": project_id, "private_key_id": secrets.token_hex(20),
            "private_key": pem, "client_email": email, "client_id": str(secrets.randbits(63)),
            "token_uri": token_uri}


def generate_authorized_user(quota_project_id: str | None = None) -> dict:
    """New user credentials in the format of gcloud's application default credentials file, for offline tests."""
    info = {"type": "authorized_user", "account": "", "universe_domain": "googleapis.com",
            "client_id": f"{secrets.randbits(40)}-local.apps.googleusercontent.com",
            "client_secret": secrets.token_urlsafe(18), "refresh_token": "1//local-" + secrets.token_urlsafe(32)}
    if quota_project_id:
        info["quota_project_id"] = quota_project_id
    return info


class Authenticator:
    """Checks API requests' bearer tokens; issues tokens for registered service accounts."""

    def __init__(self, token: str | None = None, service_account_keys: Iterable[dict | str | Path] = (),
                 token_lifetime_s: int = 3600, clock: Callable[[], float] = time.time):
        if token is not None and not token.strip():
            raise ValueError("The server token is empty (an unset variable in --token \"$TOKEN\"?); an empty token "
                             "would let anyone in. Give a non-empty token, or none to serve only on loopback.")
        self.static_token = token
        self.public_keys: dict[str, str] = {}
        self.users: dict[str, tuple[str, str]] = {}  # refresh token -> (client id, client secret)
        for key in service_account_keys:
            self.register(key)
        self.token_lifetime_s = token_lifetime_s
        self.clock = clock
        self._issued: dict[str, float] = {}  # access token → when it expires
        self._assertions: dict[str, tuple[float, str, float]] = {}  # digest → (exchanged at, token, forget at)
        self._next_prune = 0.0
        self._lock = threading.Lock()
        self.grants = 0

    @property
    def issued_tokens(self) -> list[str]:
        """Access tokens granted so far (for tests that check tokens never leak into logs or metadata)."""
        with self._lock:
            return list(self._issued)

    def register(self, key: dict | str | Path) -> None:
        """Accept assertions signed with this service-account key (a key dict or the path of its JSON file)."""
        if not isinstance(key, dict):
            key = json.loads(Path(key).read_text())
        self.public_keys[key["client_email"]] = public_key_pem(key)

    def register_user(self, info: dict) -> None:
        """Accept refresh-token grants for these user credentials (an authorized_user ADC dict)."""
        self.users[info["refresh_token"]] = (info["client_id"], info["client_secret"])

    @property
    def required(self) -> bool:
        return self.static_token is not None or bool(self.public_keys) or bool(self.users)

    def check(self, authorization: str) -> None:
        if not self.required:
            return
        if not authorization.startswith("Bearer "):
            raise Unauthenticated("Request is missing required authentication credential. Expected an OAuth 2 "
                                  "access token (Authorization: Bearer …).")
        token = authorization[len("Bearer "):]
        if self.static_token is not None and secrets.compare_digest(token, self.static_token):
            return
        with self._lock:
            self._prune(self.clock())
            expiry = self._issued.get(token)
        if expiry is None:
            raise Unauthenticated("Request had invalid authentication credentials: the access token is not valid.")
        if self.clock() >= expiry:
            raise Unauthenticated("Request had invalid authentication credentials: the access token has expired.")

    def grant(self, body: bytes, token_uri: str) -> dict:
        """Answer a token request: verify the signed assertion or the refresh token, issue an access token."""
        form = {k: v[-1] for k, v in parse_qs(body.decode(errors="replace")).items()}
        if form.get("grant_type") == REFRESH_TOKEN:
            return self._refresh_grant(form)
        if form.get("grant_type") != JWT_BEARER:
            raise OAuthError("unsupported_grant_type", f"Only the JWT bearer ({JWT_BEARER}) and refresh token grants "
                                                       "are supported.")
        assertion = form.get("assertion", "")
        try:
            claims = jwt.decode(assertion, verify=False)
        except (ValueError, auth_exceptions.GoogleAuthError) as e:
            raise OAuthError("invalid_grant", "Invalid JWT: the assertion is malformed.") from e
        if not isinstance(claims, dict):
            raise OAuthError("invalid_grant", "Invalid JWT: the claims must be a JSON object.")
        email = claims.get("iss")
        if not isinstance(email, str):
            raise OAuthError("invalid_grant", "Invalid JWT: 'iss' must be the service account's email address, a "
                                              f"single string (got {type(email).__name__}).")
        iat, exp = claims.get("iat"), claims.get("exp")
        if not all(isinstance(t, int | float) and not isinstance(t, bool) for t in (iat, exp)):
            raise OAuthError("invalid_grant", "Invalid JWT: 'iat' and 'exp' must be numbers (seconds since 1970).")
        if exp - iat > MAX_ASSERTION_LIFETIME_S:
            raise OAuthError("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                                              "reasonable timeframe. Check your iat and exp values in the JWT claim.")
        pem = self.public_keys.get(email)
        if pem is None:
            raise OAuthError("invalid_grant", "Invalid grant: account not found (the service account key is not "
                                              "registered with this server).")
        try:
            jwt.decode(assertion, certs=pem, audience=[token_uri, GOOGLE_TOKEN_AUDIENCE],
                       clock_skew_in_seconds=CLOCK_SKEW_S)
        except (ValueError, auth_exceptions.GoogleAuthError) as e:
            reason = "Invalid JWT Signature." if "signature" in str(e).lower() else f"Invalid JWT: {e}"
            raise OAuthError("invalid_grant", reason) from e
        digest = hashlib.sha256(assertion.encode()).hexdigest()
        with self._lock:
            now = self.clock()
            self._prune(now)
            used = self._assertions.get(digest)
            if used is not None:
                exchanged_at, token, _ = used
                expiry = self._issued.get(token, 0.0)
                if now - exchanged_at <= REPLAY_GRACE_S and expiry > now:
                    return {"access_token": token, "expires_in": int(expiry - now), "token_type": "Bearer"}
                raise OAuthError("invalid_grant", "Invalid JWT: this assertion has already been used; sign a new "
                                                  "one for each token request (google-auth does on every refresh).")
            token = self._issue(now)
            self._assertions[digest] = (now, token, now + (exp - iat) + CLOCK_SKEW_S)
        return {"access_token": token, "expires_in": self.token_lifetime_s, "token_type": "Bearer"}

    def _refresh_grant(self, form: dict[str, str]) -> dict:
        """The refresh-token grant of user credentials: client id, secret and refresh token must match."""
        client = self.users.get(form.get("refresh_token", ""))
        if client is None:
            raise OAuthError("invalid_grant", "Bad Request: the refresh token is not registered with this server.")
        if not (secrets.compare_digest(form.get("client_id", ""), client[0])
                and secrets.compare_digest(form.get("client_secret", ""), client[1])):
            raise OAuthError("invalid_client", "The OAuth client was not found.", 401)
        with self._lock:
            now = self.clock()
            self._prune(now)
            token = self._issue(now)
        return {"access_token": token, "expires_in": self.token_lifetime_s, "token_type": "Bearer"}

    def _issue(self, now: float) -> str:
        """A new access token valid from `now` (called with the lock held)."""
        token = "local-" + secrets.token_urlsafe(32)
        self._issued[token] = now + self.token_lifetime_s
        self.grants += 1
        return token

    def _prune(self, now: float) -> None:
        """Forget tokens long expired and assertions no longer valid (called with the lock held)."""
        if now < self._next_prune:
            return
        self._next_prune = now + PRUNE_EVERY_S
        self._issued = {t: e for t, e in self._issued.items() if e + EXPIRED_KEPT_S > now}
        self._assertions = {d: a for d, a in self._assertions.items() if a[2] > now}
