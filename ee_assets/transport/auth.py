"""Credentials for Earth Engine (service-account key or application default credentials) and the local backend.

Error messages never include key material: they say which setting was wrong and how to fix it.
"""

from __future__ import annotations

import json
import warnings
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


def without_quota_project(credentials: google.auth.credentials.Credentials
                          ) -> tuple[google.auth.credentials.Credentials, str | None]:
    """The credentials without their quota project, and that project.

    google-auth would send a credential's quota project (gcloud sets one in ADC by itself) as `x-goog-user-project`
    on every request, billing that project instead of the EE project. The official client removes it
    (ee/_cloud_api_utils.py) and names the EE project in `X-Goog-User-Project` on every call; so does the transport.
    """
    quota_project = getattr(credentials, "quota_project_id", None)
    if quota_project and isinstance(credentials, google.auth.credentials.CredentialsWithQuotaProject):
        credentials = credentials.with_quota_project(None)
    return credentials, quota_project


def default_credentials() -> tuple[google.auth.credentials.Credentials, str | None]:
    """Application default credentials with the Earth Engine scopes (quota project removed), and the project to use
    when EE_PROJECT is unset: their quota project, as `ee.Initialize` takes it, else google-auth's project."""
    try:
        with warnings.catch_warnings():
            # google-auth warns when it finds no project; the quota project (or EE_PROJECT) is the one EE needs.
            warnings.filterwarnings("ignore", ".*(No project ID|quota project).*")
            credentials, project = google.auth.default(scopes=list(EE_SCOPES))
    except google.auth.exceptions.DefaultCredentialsError:
        raise CredentialsError(
            "No Earth Engine credentials found: set EE_SERVICE_ACCOUNT_KEY to a service-account key (a path or the "
            "JSON), or run `gcloud auth application-default login --scopes="
            + ",".join(EE_SCOPES) + "`, or use the local backend (EE_BACKEND=local)."
        ) from None
    credentials, quota_project = without_quota_project(credentials)
    return credentials, quota_project or project


def earthengine_credentials(key: str | None) -> tuple[google.auth.credentials.Credentials, str | None]:
    """The service-account key if given, else application default credentials (with their project); never with a
    quota project of their own (the transport names the EE project on every request instead)."""
    if key:
        credentials, project = service_account_credentials(key)
        return without_quota_project(credentials)[0], project
    return default_credentials()
