"""Credentials for Earth Engine (service-account key or application default credentials) and the local backend.

Error messages never include key material: they say which setting was wrong and how to fix it.
"""

from __future__ import annotations

import json
from pathlib import Path

import google.auth
import google.auth.credentials
import google.auth.exceptions
from google.oauth2 import service_account

EE_SCOPES = (
    "https://www.googleapis.com/auth/earthengine",
    "https://www.googleapis.com/auth/cloud-platform",
)


class CredentialsError(RuntimeError):
    """No usable credentials; the message says which setting to fix."""


class StaticTokenCredentials(google.auth.credentials.Credentials):
    """A fixed bearer token that never expires: what the local backend checks (it issues no OAuth tokens)."""

    def __init__(self, token: str):
        super().__init__()
        if not token:
            raise CredentialsError("StaticTokenCredentials needs a non-empty token.")
        self.token = token

    @property
    def expired(self) -> bool:
        return False

    @property
    def valid(self) -> bool:
        return True

    def refresh(self, request) -> None:
        """Nothing to refresh: the token is fixed for the server's lifetime."""

    def __repr__(self) -> str:
        return "StaticTokenCredentials(token=<hidden>)"


def _key_info(key: str) -> dict:
    """The parsed service-account key from JSON text or from the path of a key file."""
    text = key.strip()
    if not text.startswith("{"):
        path = Path(text).expanduser()
        if not path.is_file():
            raise CredentialsError(
                "EE_SERVICE_ACCOUNT_KEY is neither JSON nor the path of an existing file: set it to the path of a "
                "service-account key file (.json) or to the key's JSON text."
            )
        text = path.read_text()
    try:
        info = json.loads(text)
    except json.JSONDecodeError as e:
        raise CredentialsError(
            f"EE_SERVICE_ACCOUNT_KEY is not valid JSON (line {e.lineno}, column {e.colno}); "
            "download the key again from the Cloud console (IAM > Service accounts > Keys)."
        ) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise CredentialsError(
            'EE_SERVICE_ACCOUNT_KEY is JSON but not a service-account key (expected "type": "service_account").'
        )
    return info


def service_account_credentials(key: str) -> tuple[google.auth.credentials.Credentials, str | None]:
    """Credentials (Earth Engine + Cloud scopes) from a key file path or the key's JSON, and the key's project."""
    info = _key_info(key)
    try:
        creds = service_account.Credentials.from_service_account_info(info, scopes=list(EE_SCOPES))
    except (ValueError, KeyError) as e:
        raise CredentialsError(
            f"EE_SERVICE_ACCOUNT_KEY could not be used as a service-account key ({type(e).__name__}: a required "
            "field is missing or malformed); download a fresh key."
        ) from None
    return creds, info.get("project_id")


def default_credentials() -> tuple[google.auth.credentials.Credentials, str | None]:
    """Application default credentials with the Earth Engine scopes, and their project if known."""
    try:
        return google.auth.default(scopes=list(EE_SCOPES))
    except google.auth.exceptions.DefaultCredentialsError:
        raise CredentialsError(
            "No Earth Engine credentials found: set EE_SERVICE_ACCOUNT_KEY to a service-account key (a path or the "
            "JSON), or run `gcloud auth application-default login --scopes="
            + ",".join(EE_SCOPES) + "`, or use the local backend (EE_BACKEND=local)."
        ) from None


def earthengine_credentials(key: str | None) -> tuple[google.auth.credentials.Credentials, str | None]:
    """The service-account key if given, else application default credentials (with their project)."""
    if key:
        return service_account_credentials(key)
    return default_credentials()
