"""`quietwatch auth google`: authorise QuietWatch to read the clinic's own Google reviews.

Google's installed-app OAuth flow (google-auth-oauthlib): a browser shows Google's consent
page for the scope ``business.manage`` (Google offers no read-only scope); Google sends the
browser back to a one-time server QuietWatch runs on 127.0.0.1 (the loopback redirect), and
the code is exchanged for a refresh token at Google's OAuth token endpoint: that exchange,
and later the crawl's renewals through google-auth, are the only requests on this path that
are not GET, and neither goes through Scrapy.  The refresh token is kept in the OS keyring,
or in ``[google] token_file`` (created readable by its owner only).

``--list-locations`` reads, with the stored authorisation and GET only, the locations the
account manages, and prints the source lines to add to the config.
"""

import urllib.error
from pathlib import Path
from typing import TYPE_CHECKING

import click

from quietwatch.cli import Context, pass_ctx
from quietwatch.console import console, err

if TYPE_CHECKING:
    from crawlers.google_business import Bases, TokenStore


@click.group()
def auth() -> None:
    """Authorise QuietWatch to read a source that needs the owner's sign-in."""


@auth.command()
@click.option(
    "--client-secrets",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The OAuth client (type: Desktop app) JSON downloaded from the Google Cloud console.",
)
@click.option(
    "--list-locations",
    is_flag=True,
    help="List the locations the authorised account manages, with the config line to add.",
)
@click.option("--no-browser", is_flag=True, help="Print the consent link; open no browser.")
@click.option(
    "--port", default=0, type=int, help="The loopback port for Google's redirect (0: any free)."
)
@pass_ctx
def google(
    ctx: Context, client_secrets: Path | None, list_locations: bool, no_browser: bool, port: int
) -> None:
    """Sign in to the clinic's Google Business Profile and keep QuietWatch's authorisation.

    QuietWatch only ever reads reviews with it: its client refuses every other request.
    """
    from crawlers import google_business

    token_file = google_business.token_file(ctx.config)
    store = google_business.TokenStore(
        clinic_key=ctx.config.clinic.key, token_file=Path(token_file) if token_file else None
    )
    bases = google_business.Bases.of(
        ctx.settings.google_business_api_base, ctx.settings.google_oauth_token_uri
    )
    if list_locations:
        _list_locations(store, bases)
        return
    if client_secrets is None:
        raise click.UsageError(
            "name the OAuth client file: --client-secrets client_secret.json (see README)"
        )
    from google_auth_oauthlib.flow import InstalledAppFlow
    from keyring.errors import KeyringError

    flow = InstalledAppFlow.from_client_secrets_file(
        str(client_secrets), scopes=[google_business.SCOPE]
    )
    credentials = flow.run_local_server(
        host="127.0.0.1",
        port=port,
        open_browser=not no_browser,
        authorization_prompt_message="Open this link to let QuietWatch read the reviews: {url}",
        success_message="QuietWatch is authorised. You may close this window.",
        prompt="consent",  # so that Google sends a refresh token every time
    )
    info = {
        "refresh_token": credentials.refresh_token,
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "scopes": [google_business.SCOPE],
    }
    try:
        store.save(info)
    except KeyringError:
        raise click.ClickException(
            "this machine has no OS keyring: name a file for the token in the config "
            '([google] token_file = "google-token.json") and run quietwatch auth google again'
        ) from None
    console.print(
        f"Authorised. QuietWatch keeps its authorisation in {store.where}.",
        markup=False,
        soft_wrap=True,
    )
    console.print("Next: `quietwatch auth google --list-locations` for the source line to add.")


def _list_locations(store: "TokenStore", bases: "Bases") -> None:
    from crawlers import google_business
    from crawlers.pages.google_business import NOT_AUTHORISED

    try:
        info = store.load()
    except google_business.UnsafeTokenFile as exc:
        raise click.ClickException(str(exc)) from None
    if not info:
        raise click.ClickException(
            "QuietWatch is not authorised yet: run quietwatch auth google --client-secrets FILE"
        )
    client = google_business.Client(info, bases)
    try:
        locations = client.locations()
    except google_business.NotAuthorised:
        err.print(NOT_AUTHORISED)
        raise SystemExit(1) from None
    except (google_business.Unreachable, urllib.error.URLError) as exc:
        code = getattr(exc, "code", None)
        why = f"HTTP {code}" if code else "could not be reached"
        raise click.ClickException(f"Google's Business Profile API: {why}") from None
    if not locations:
        console.print("The authorised account manages no location.")
        return
    for found in locations:
        console.print(
            f"{found['title']} — {found['address']} (account: {found['account']})",
            markup=False,
            soft_wrap=True,
        )
        console.print(
            f'  [[sources]]\n  site = "google"\n  api = "business_profile"\n'
            f'  location = "{found["location"]}"\n'
            '  url = "https://www.google.com/maps/place/?q=place_id:..."  '
            "# the place's link (quietwatch listings find-place)",
            markup=False,
            soft_wrap=True,
        )
