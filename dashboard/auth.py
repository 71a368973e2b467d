"""Who is looking, and whether they may (issue 10, exposure).

On 127.0.0.1 (the default) only this machine reaches the dashboard: no sign-in, and the
audit and case-log rows name the operating-system user.  Bound to any other address, the
dashboard serves review text and disclosures to the network, so it requires Streamlit's
OpenID Connect sign-in (``st.login``), configured in the secrets file
(``[dashboard] secrets_file``, by default ``.streamlit/secrets.toml`` beside the config):
``quietwatch dashboard`` refuses to start without it, and the app itself shows nothing but
a sign-in button until the provider says who the person is.  The rows then name them.
"""

import getpass
import tomllib
from pathlib import Path

SHARED_KEYS = ("redirect_uri", "cookie_secret")
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")

HOW_TO = (
    "Either configure sign-in: an [auth] section in {secrets} with redirect_uri "
    "(ending in /oauth2callback), cookie_secret, client_id, client_secret and "
    "server_metadata_url of your OpenID Connect provider (see the README, 'Exposure'); "
    'or keep [dashboard] host = "127.0.0.1" and put the dashboard behind a reverse proxy '
    "that authenticates (oauth2-proxy, your SSO gateway) on this machine."
)


def auth_problem(secrets_file: Path, provider: str | None = None) -> str | None:
    """What is missing for ``st.login`` in ``secrets_file`` (None: nothing)."""
    try:
        secrets = tomllib.loads(secrets_file.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return f"{secrets_file} does not exist"
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return f"{secrets_file} cannot be read: {exc}"
    auth = secrets.get("auth")
    if not isinstance(auth, dict):
        return f"{secrets_file} has no [auth] section"
    section = auth.get(provider) if provider else auth
    if not isinstance(section, dict):
        return f"{secrets_file} has no [auth.{provider}] section"
    missing = [k for k in SHARED_KEYS if not auth.get(k)]
    missing += [k for k in PROVIDER_KEYS if not section.get(k)]
    if missing:
        where = f"[auth.{provider}]" if provider else "[auth]"
        return f"{secrets_file}, {where}: {', '.join(missing)} missing"
    if not str(auth["redirect_uri"]).endswith("/oauth2callback"):
        return f"{secrets_file}: redirect_uri must end in /oauth2callback"
    return None


def refusal(host: str, secrets_file: Path, problem: str) -> str:
    """Why the dashboard will not serve the network, and what to do about it."""
    return (
        f"The dashboard would listen on {host}, which other machines can reach, and it shows "
        f"review text and compliance findings: it needs sign-in first ({problem}). "
        + HOW_TO.format(secrets=secrets_file)
    )


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return "unknown"


def signed_in_user(user_info: object) -> str | None:
    """The person ``st.user`` names (e-mail first), or None when nobody signed in."""
    if not getattr(user_info, "is_logged_in", False):
        return None
    for key in ("email", "preferred_username", "name", "sub"):
        value = getattr(user_info, key, None)
        if value:
            return str(value)
    return None
