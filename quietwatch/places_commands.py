"""`quietwatch listings find-place "Clinic name, street, city"`: the clinic's Google Place ID.

Find Place (legacy Places API) by text, then Place Details for each candidate's phone: GET
only, with GOOGLE_PLACES_API_KEY (sent as ``key=``, as the legacy API wants it; never printed).
Prints each candidate's name, address and phone, and the source lines to add to the config.
"""

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

import click

from crawlers.pages import google_places
from quietwatch.cli import Context, pass_ctx
from quietwatch.console import console

MAX_CANDIDATES = 5


def _get(base: str, path: str, query: dict[str, str]) -> Any:
    if not base.startswith(("https://", "http://")):
        raise click.ClickException(f"the Google Maps API base is not an http(s) URL: {base}")
    url = f"{base.rstrip('/')}{path}?{urlencode(query)}"
    headers = {"Accept": "application/json"}
    request = urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310 (checked)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            data = json.loads(response.read().decode("utf-8"))
            status = response.status
    except urllib.error.HTTPError as exc:
        data, status = None, exc.code
    except (urllib.error.URLError, TimeoutError, ValueError):
        raise click.ClickException("the Google Places API could not be reached") from None
    problem = google_places.legacy_error(data, status)
    if problem is not None and not (
        isinstance(data, dict) and data.get("status") == "ZERO_RESULTS"
    ):
        raise click.ClickException(problem[1])
    return data


@click.command("find-place")
@click.argument("query")
@pass_ctx
def find_place(ctx: Context, query: str) -> None:
    """Find the clinic's Google Place ID: candidates with their address and phone, and the
    config lines to add.  QUERY is the clinic's name, street and city."""
    from crawlers.sites import APIS

    secret = ctx.settings.google_places_api_key
    if secret is None:
        raise click.ClickException(APIS["places_legacy"].not_set_up)
    key, base = secret.get_secret_value(), ctx.settings.google_maps_api_base
    found = _get(
        base,
        "/maps/api/place/findplacefromtext/json",
        {
            "input": query,
            "inputtype": "textquery",
            "fields": "place_id,name,formatted_address",
            "key": key,
        },
    )
    candidates = google_places.legacy_candidates(found)[:MAX_CANDIDATES]
    if not candidates:
        console.print(f"Google found no place for {query!r}.", markup=False)
        return
    for candidate in candidates:
        place_id = candidate["place_id"]
        details = _get(
            base,
            "/maps/api/place/details/json",
            {
                "place_id": place_id,
                "fields": "place_id,formatted_phone_number,international_phone_number",
                "key": key,
            },
        )
        phone = google_places.legacy_facts(details.get("result") or {}).phone
        console.print(
            f"{candidate['name']}\n  {candidate['formatted_address']}\n  phone: {phone or '-'}\n"
            f'  [[sources]]\n  site = "google"\n  api = "places_legacy"\n'
            f'  url = "{google_places.place_url(place_id)}"\n  place_id = "{place_id}"\n',
            markup=False,
            soft_wrap=True,
        )
