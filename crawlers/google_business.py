"""The Google Business Profile API client: the one holder of the owner's token, and GET-only.

``quietwatch auth google`` gets a refresh token with the scope ``business.manage`` (Google
offers no read-only scope), so the token could reply to reviews and delete replies.  The
power is fenced where it lives: :class:`Gate` lets the token go out only with a ``GET`` of a
location's reviews or of the account and location listing (:data:`ALLOWED`); any other
method or path is refused before it is sent, logged, and counted.  Every request that
carries the token (the crawl's and the CLI's) is authorised by :meth:`Client.authorise`.

Renewing the access token is the one non-GET request on this path: a POST to Google's OAuth
token endpoint (``https://oauth2.googleapis.com/token``), made by google-auth, never by
Scrapy.  A refresh token Google no longer accepts (expired or revoked) is
:class:`NotAuthorised`, which the crawl reports in plain words.

The refresh token (with the OAuth client's id and secret it belongs to) is kept in the OS
keyring (service ``quietwatch``, one entry per clinic), or, on a machine without one (a
server), in the file named by ``[google] token_file``, readable by its owner only.
google-auth and keyring are imported only when used.
"""

import json
import logging
import os
import re
import stat
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from store import secrets

logger = logging.getLogger(__name__)

SCOPE = "https://www.googleapis.com/auth/business.manage"
KEYRING_SERVICE = "quietwatch"
# Google's three hosts for what QuietWatch reads: reviews (v4), accounts, locations.
GOOGLE_BASES = (
    "https://mybusiness.googleapis.com",
    "https://mybusinessaccountmanagement.googleapis.com",
    "https://mybusinessbusinessinformation.googleapis.com",
)
_ID = r"[A-Za-z0-9_-]+"  # an account or location id: no dot segments, no encoded slashes
# (which base, the whole path below it): the only reads the token may be sent with.
ALLOWED = (
    (0, re.compile(rf"/v4/accounts/{_ID}/locations/{_ID}/reviews")),
    (1, re.compile(r"/v1/accounts")),
    (2, re.compile(rf"/v1/accounts/{_ID}/locations")),
)


class Refused(Exception):
    """A request the gate would not send with the owner's token."""


class NotAuthorised(Exception):
    """Google refused the refresh token (expired or revoked)."""


class Unreachable(Exception):
    """Google's token endpoint could not be reached (a network fault: try again later)."""


class UnsafeTokenFile(Exception):
    """The token file can be read by other users of the machine."""


@dataclass(frozen=True)
class Bases:
    """Where the three Business Profile APIs answer: Google's hosts, or (tests, a proxy)
    one base URL for all three; and Google's OAuth token endpoint, or another (tests).
    The endpoint is never read from the stored token: google-auth ignores one there."""

    reviews: str
    accounts: str
    locations: str
    token_uri: str | None = None  # None: google-auth's own (Google's)

    @classmethod
    def of(cls, override: str | None = None, token_uri: str | None = None) -> "Bases":
        if override:
            base = override.rstrip("/")
            return cls(base, base, base, token_uri or None)
        return cls(*GOOGLE_BASES, token_uri=token_uri or None)


class Gate:
    """Refuses, before it is sent, any request with the owner's token that is not a GET of
    an allowed path; counts the refusals by method in :attr:`refused`."""

    def __init__(self, bases: Bases, on_refused: Callable[[str], None] | None = None) -> None:
        self.bases = (bases.reviews, bases.accounts, bases.locations)
        self.on_refused = on_refused
        self.refused: Counter[str] = Counter()

    def check(self, method: str, url: str) -> None:
        method = method.upper()
        if method != "GET":
            why = f"{method} is never sent with the owner's token: QuietWatch only reads"
        elif not self.allows(url):
            why = "with the owner's token QuietWatch reads only reviews and the location list"
        else:
            return
        self.refused[method] += 1
        if self.on_refused is not None:
            self.on_refused(method)
        logger.error("refused %s %s: %s", method, url, why)
        raise Refused(why)

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        for index, path in ALLOWED:
            base = urlsplit(self.bases[index])
            prefix = base.path.rstrip("/")
            if (
                (parts.scheme, parts.netloc.lower()) == (base.scheme, base.netloc.lower())
                and parts.path.startswith(prefix)
                and path.fullmatch(parts.path[len(prefix) :])
            ):
                return True
        return False


def token_file(config: Any) -> str | None:
    """The configured token file (``[google] token_file``), relative to the config's folder."""
    path = config.google.token_file
    if path is None:
        return None
    path = Path(path).expanduser()
    if not path.is_absolute() and config.path is not None:
        path = config.path.parent / path
    return str(path)


@dataclass(frozen=True)
class TokenStore:
    """Where the clinic's refresh token is kept: ``token_file``, else the OS keyring."""

    clinic_key: str
    token_file: Path | None = None

    @property
    def where(self) -> str:
        return str(self.token_file) if self.token_file else "the OS keyring"

    def load(self) -> dict[str, Any] | None:
        """The stored authorisation, or None when there is none (not set up)."""
        if self.token_file is not None:
            if not self.token_file.exists():
                return None
            if self.token_file.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise UnsafeTokenFile(
                    f"the token file {self.token_file} can be read by other users; "
                    f"run chmod 600 {self.token_file} (or quietwatch auth google again)"
                )
            return json.loads(self.token_file.read_text(encoding="utf-8"))
        import keyring
        from keyring.errors import KeyringError

        try:
            stored = keyring.get_password(KEYRING_SERVICE, self._entry)
        except KeyringError:  # no keyring on this machine: nothing stored there
            return None
        return json.loads(stored) if stored else None

    def save(self, info: dict[str, Any]) -> None:
        """Keep the authorisation (raises keyring's KeyringError without a keyring)."""
        text = json.dumps(info)
        if self.token_file is not None:
            self.token_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)  # also when the file was there before
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            return
        import keyring

        keyring.set_password(KEYRING_SERVICE, self._entry, text)

    @property
    def _entry(self) -> str:
        return f"google-business-profile:{self.clinic_key}"


class Client:
    """The Business Profile API with the owner's authorisation, GET-only (see :class:`Gate`)."""

    def __init__(
        self,
        info: dict[str, Any],
        bases: Bases | None = None,
        on_refused: Callable[[str], None] | None = None,
    ) -> None:
        from google.oauth2.credentials import Credentials

        self.bases = bases or Bases.of()
        self.gate = Gate(self.bases, on_refused)
        credentials = Credentials.from_authorized_user_info(info, scopes=[SCOPE])
        if self.bases.token_uri:
            credentials = credentials.with_token_uri(self.bases.token_uri)
        self._credentials = credentials

    def refresh(self) -> None:
        """A new access token from Google's token endpoint (the one POST, by google-auth)."""
        from google.auth.exceptions import RefreshError, TransportError
        from google.auth.transport.requests import Request

        try:
            self._credentials.refresh(Request())
            secrets.register(self._credentials.token, self._credentials.refresh_token)
        except RefreshError as exc:
            logger.info("Google refused the refresh token: %s", secrets.scrub(str(exc)))
            raise NotAuthorised from None
        except TransportError as exc:
            logger.info("Google's token endpoint could not be reached: %s", exc)
            raise Unreachable from None

    def authorise(self, method: str, url: str) -> dict[str, str]:
        """The Authorization header for this request, if the gate lets it go."""
        self.gate.check(method, url)
        if not self._credentials.valid:
            self.refresh()
        return {"Authorization": f"Bearer {self._credentials.token}"}

    def request(self, method: str, url: str, timeout: float = 30) -> Any:
        """Send one request; its JSON.  The gate refuses all but a GET, and what it lets
        through is sent as a GET (so a static walk can see it, too)."""
        headers = {"Accept": "application/json", **self.authorise(method, url)}
        # The gate let through only the API's own http(s) bases: no file: or other scheme.
        request = urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))

    def locations(self) -> list[dict[str, str]]:
        """Every location the authorised account can see: its account, its title, its
        address and the ``location`` value a source names (``accounts/A/locations/L``)."""
        found = []
        accounts = self.request("GET", f"{self.bases.accounts}/v1/accounts")
        for account in accounts.get("accounts") or []:
            name = str(account.get("name") or "")
            query = "readMask=name,title,storefrontAddress&pageSize=100"
            answer = self.request("GET", f"{self.bases.locations}/v1/{name}/locations?{query}")
            for location in answer.get("locations") or []:
                address = location.get("storefrontAddress") or {}
                lines = [*address.get("addressLines", []), address.get("locality")]
                found.append(
                    {
                        "account": account.get("accountName") or name,
                        "title": location.get("title") or "",
                        "address": ", ".join(str(x) for x in lines if x),
                        "location": f"{name}/{location.get('name', '')}",
                    }
                )
        return found
