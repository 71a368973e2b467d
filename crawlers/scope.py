"""Where a listing's requests may go: the crawler reads only the listing, over http(s).

Every request a listing makes — its next pages, the redirects it meets, its API calls — must
be http or https, to the listing's own host, to a host configured for it (an API's base
address), or to one of its site's own hosts (the registry's, subdomains included); and a
site host must not lead to a loopback, private or link-local address unless the listing
itself is on one (the demo and the tests run on 127.0.0.1).  Anything else is refused with
a reason in plain words, recorded as a problem on the listing.
"""

import functools
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def is_internal_address(host: str) -> bool:
    """Whether ``host`` is (or names) a loopback, private, link-local or otherwise
    non-public address: never a review site's, so never crawled from a public listing."""
    for address in _addresses(host):
        ip = ipaddress.ip_address(address)
        if ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved:
            return True
        if ip.is_multicast or ip.is_unspecified:
            return True
    return False


@functools.lru_cache(maxsize=512)
def _addresses(host: str) -> tuple[str, ...]:
    host = host.strip("[]")
    try:
        return (str(ipaddress.ip_address(host)),)
    except ValueError:
        pass
    if host == "localhost" or host.endswith(".localhost"):
        return ("127.0.0.1",)
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return ()  # unresolvable here: the request itself will fail, in plain words
    return tuple(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def _on(host: str, domains: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def refusal(
    url: str,
    *,
    listing_url: str,
    site_hosts: Iterable[str] = (),
    configured_hosts: Iterable[str] = (),
    redirected: bool = False,
) -> str | None:
    """Why ``url`` is outside the listing's scope (plain words), or None when it is inside.

    ``configured_hosts`` are hosts the configuration names for this listing (an API's
    base address); ``redirected`` words the reason for a redirect the site sent."""
    how = "the site redirected to" if redirected else "the link leads to"
    scheme = urlsplit(url).scheme.lower() if "://" in url or ":" in url else ""
    if scheme not in ("http", "https"):
        shown = f"a {scheme}: address" if scheme else "something that is not a web address"
        return f"{how} {shown}; QuietWatch reads web pages only and did not follow"
    host = host_of(url)
    own = host_of(listing_url)
    if not host:
        return f"{how} an address without a host; QuietWatch did not follow"
    if host == own or host in {h.lower() for h in configured_hosts}:
        return None
    if _on(host, site_hosts):
        if is_internal_address(host) and not is_internal_address(own):
            return (
                f"{how} {host}, which leads to an internal network address; "
                "QuietWatch did not follow"
            )
        return None
    return f"{how} another host, {host}; QuietWatch did not follow"
