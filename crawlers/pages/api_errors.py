"""The HTTP-status half of an official API's error answer, the same for every API:
429 is a block (quota), 401/403 a refused key, 404/410 a gone listing, other 4xx/5xx an
error.  Each API module reads its own JSON error body first and falls back to this."""

from crawlers.items import PageStatus


def http_problem(
    http_status: int, *, api: str, key_env: str, thing: str
) -> tuple[PageStatus, str] | None:
    """(status, plain words) for an HTTP error status, or None for a success.

    ``api`` names the API ("the Yelp API"), ``key_env`` the environment variable holding its
    key or token, ``thing`` what a 404 means is missing ("a business with this id").
    """
    if http_status == 429:
        return PageStatus.BLOCKED, f"{api} refused: too many requests (HTTP 429)"
    if http_status in (401, 403):
        return PageStatus.ERROR, f"{api} refused the key in {key_env} (HTTP {http_status})"
    if http_status in (404, 410):
        return PageStatus.GONE, f"{api} has no {thing} (HTTP {http_status})"
    if http_status >= 400:
        return PageStatus.ERROR, f"{api} answered HTTP {http_status}"
    return None
