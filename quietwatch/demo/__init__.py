"""The demo: a fictional clinic listed on sample sites served from 127.0.0.1.

``quietwatch demo`` serves these pages, writes a demo profile pointing at them, crawls them
(the first time twice: an "earlier" and a "current" state, so history shows edits, removals
and a changed listing), and starts the dashboard.  The sample sites keep the port of the
first run, so the listings (keyed by URL) stay the same across runs.  Everything here is
invented.
"""

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from quietwatch.demo.pages import (
    SampleBusiness,
    SampleReview,
    jsonld_page,
    ratemds_page,
    yelp_page,
)
from quietwatch.demo.server import SampleServer

CLINIC = {
    "name": "Harbourview Counselling Collective",
    "slug": "harbourview",
    "street_address": "1234 West Broadway, Suite 210",
    "city": "Vancouver",
    "province": "BC",
    "postal_code": "V6H 1G9",
    "country": "CA",
    "phone": "+1 604-555-0142",
    "website": "https://harbourview-counselling.example",
}

YELP_PATH = "/yelp/biz/harbourview-counselling-collective-vancouver"
RATEMDS_PATH = (
    "/ratemds/doctor-ratings/5550142/Harbourview-Counselling-Collective-Vancouver-BC.html"
)
DIRECTORY_PATH = "/directory/listing/harbourview-counselling-collective"
OLD_DIRECTORY_PATH = "/directory/listing/harbourview-counselling-kitsilano"

_TEXTS = [
    (5, "Warm, unhurried and practical. I left every session with something to try."),
    (5, "The front desk made booking easy and the waiting room is calm and private."),
    (4, "Good experience overall. Parking on Broadway is a pain, take the bus."),
    (5, "Felt listened to from the first appointment. Would recommend to friends."),
    (3, "Helpful, but evening slots are hard to get."),
    (5, "Clear about fees and cancellation policy up front, which I appreciated."),
    (4, "Thoughtful counsellor, a little reserved at first but it grew on me."),
    (5, "Accessible office, quiet building, and they run on time."),
    (2, "The online booking form kept timing out. The sessions themselves were fine."),
    (5, "Respectful and non-judgemental. That mattered a lot to us as a couple."),
    (4, "Solid, evidence-based approach. Homework was actually useful."),
    (1, "I waited three weeks for a call back about an intake appointment."),
    (5, "Kind and very professional. Sliding scale made it possible for me."),
    (4, "Helpful resources and reading suggestions between sessions."),
    (5, "I was nervous about going; they made it feel ordinary and safe."),
    (3, "Good counsellor, but the office was hard to find the first time."),
    (5, "Video sessions worked well when I was out of town."),
    (4, "Practical tools, good listener, fair prices for Vancouver."),
    (5, "Five stars for the reception staff alone, always friendly."),
    (4, "Took a couple of sessions to click but worth sticking with."),
    (5, "Calm space, clear communication, no pressure at all."),
    (2, "Felt a bit rushed at the end of each hour."),
    (5, "They explained privacy and confidentiality carefully at the start."),
    (4, "Good fit for us. Booking by phone was easier than online."),
]
_NAMES = [
    "Sam K.",
    "Priya D.",
    "Jordan L.",
    "M. T.",
    "Alex R.",
    "Chris W.",
    "Taylor B.",
    "Dana F.",
    "Robin S.",
    "Kai N.",
    "Jamie P.",
    "Morgan H.",
    "Avery C.",
    "Riley G.",
    "Casey J.",
    "Quinn E.",
    "Drew A.",
    "Skyler V.",
    "Reese O.",
    "Jesse Y.",
    "Parker I.",
    "Rowan U.",
    "Emerson Z.",
    "Hayden X.",
]


def _reviews(prefix: str, count: int, *, start: date, offset: int = 0) -> list[SampleReview]:
    out = []
    for i in range(count):
        rating, text = _TEXTS[(i + offset) % len(_TEXTS)]
        out.append(
            SampleReview(
                review_id=f"{prefix}{1000 + i}",
                author=_NAMES[(i + offset) % len(_NAMES)],
                rating=rating,
                published=start - timedelta(days=11 * i + 3),
                text=text,
            )
        )
    return out


def businesses(phase: int, directory_states: int | None = None) -> dict[str, SampleBusiness]:
    """The sample listings; phase 2 is the "current" state after some changes.  The demo's
    directory states as many reviews as it shows; ``directory_states`` makes it state more
    (a shortfall, for the tests of the shortfall check)."""
    today = date(2026, 11, 20)
    base = dict(
        name=CLINIC["name"],
        street_address="1234 W Broadway #210",
        locality="Vancouver",
        region="BC",
        postal_code="V6H 1G9",
        country="CA",
        phone="(604) 555-0142",
        website=CLINIC["website"],
        categories=["Counseling & Mental Health", "Sex Therapists"],
    )
    yelp = SampleBusiness(**base, reviews=_reviews("yr", 24, start=today - timedelta(days=20)))
    ratemds = SampleBusiness(
        **{**base, "categories": ["Counsellor"]},
        reviews=_reviews("", 12, start=today - timedelta(days=30), offset=7),
    )
    ratemds.reviews[
        2
    ].owner_response = (
        "Thank you for coming to see us, we are so glad the sessions helped you and your partner!"
    )
    ratemds.reviews[5].text = (
        "My counsellor Dr. Ellis helped me after my erectile dysfunction diagnosis and my "
        "depression; my wife Jane came to session 4 too."
    )
    directory = SampleBusiness(
        **{**base, "street_address": "1234 West Broadway, Suite 210"},
        reviews=_reviews("d", 6, start=today - timedelta(days=40), offset=13),
        stated_review_count=directory_states,
    )
    old_directory = SampleBusiness(
        **{
            **base,
            "name": "Harbourview Counselling (Kitsilano)",
            "street_address": "2150 W 4th Ave",
        },
        reviews=_reviews("o", 3, start=today - timedelta(days=400), offset=3),
    )
    if phase >= 2:
        yelp.reviews = _reviews("yn", 2, start=today, offset=20) + yelp.reviews
        yelp.reviews[5].text += " Update: still going, still helpful."
        yelp.reviews[5].rating = 5
        del yelp.reviews[9]
        directory.phone = "(604) 555-0199"  # the directory changed the phone number
        directory.website = "http://harbourview-counseling.example"
    return {
        "yelp": yelp,
        "ratemds": ratemds,
        "directory": directory,
        "old_directory": old_directory,
    }


def resolver(
    base_url: str,
    phase_of: "callable[[], int]",  # type: ignore[valid-type]
    directory_states: int | None = None,
):
    """Map a request path to a page of the current phase (see :func:`businesses`)."""

    def resolve(path_and_query: str) -> tuple[int, str, bytes] | None:
        parts = urlsplit(path_and_query)
        query = parse_qs(parts.query)
        html = "text/html; charset=utf-8"
        phase = phase_of()
        biz = businesses(phase, directory_states)
        url = base_url + parts.path
        if parts.path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nDisallow: /private/\n"
        if parts.path == YELP_PATH:
            start = int(query.get("start", ["0"])[0])
            return 200, html, yelp_page(biz["yelp"], url=url, start=start).encode()
        if parts.path == RATEMDS_PATH:
            page = int(query.get("page", ["1"])[0])
            return 200, html, ratemds_page(biz["ratemds"], url=url, page=page).encode()
        if parts.path == DIRECTORY_PATH:
            page = int(query.get("page", ["1"])[0])
            return 200, html, jsonld_page(biz["directory"], url=url, page=page).encode()
        if parts.path == OLD_DIRECTORY_PATH:
            if phase >= 2:
                return 410, html, b"<h1>This listing has been removed</h1>"
            return 200, html, jsonld_page(biz["old_directory"], url=url).encode()
        return None

    return resolve


def write_config(directory: Path, base_url: str) -> Path:
    """Write the demo profile (a normal quietwatch.toml) pointing at the sample server."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "quietwatch.toml"
    policy = directory / "online-communication-policy.md"
    policy.write_text((Path(__file__).parent / "policy.md").read_text(encoding="utf-8"), "utf-8")
    clinic = "\n".join(f'{k} = "{v}"' for k, v in CLINIC.items())
    path.write_text(
        f"""# QuietWatch demo profile: a fictional clinic on sample sites served from 127.0.0.1.
[clinic]
{clinic}
policy_file = "{policy.name}"
policy_name = "Harbourview Counselling Collective, Online Communication Policy"

[[sources]]
site = "yelp"
url = "{base_url}{YELP_PATH}"

[[sources]]
site = "ratemds"
url = "{base_url}{RATEMDS_PATH}"

[[sources]]
site = "schema_org"
url = "{base_url}{DIRECTORY_PATH}"

[[sources]]
site = "schema_org"
url = "{base_url}{OLD_DIRECTORY_PATH}"

[database]
data_dir = "data"

[crawl]
download_delay = 0
interval_hours = 24
""",
        encoding="utf-8",
    )
    return path


PROFILE = "quietwatch.toml"


def _recorded_port(workdir: Path) -> int | None:
    """The sample sites' port written in an earlier run's demo profile."""
    try:
        text = (workdir / PROFILE).read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(r'url = "http://127\.0\.0\.1:(\d+)/', text)
    return int(found.group(1)) if found else None


def start_sample_sites(workdir: Path, phase_of: Callable[[], int]) -> tuple[SampleServer, bool]:
    """Serve the sample sites on the port of the earlier run (a new one the first time, or
    when that one is taken); returns the server and whether the store must start afresh."""
    port = _recorded_port(workdir)
    store = workdir / "data" / "quietwatch.db"
    server = None
    if port is not None and store.exists():
        try:
            server = SampleServer(lambda p: None, port=port)
        except OSError:  # taken since: new listings would double the old ones
            server = None
    fresh = server is None
    if server is None:
        server = SampleServer(lambda p: None)
    server.resolve = resolver(server.base_url, phase_of)
    return server.start(), fresh


def forget_store(workdir: Path) -> None:
    """Remove the demo's own store (its listings point at a port no longer served)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        (workdir / "data" / f"quietwatch.db{suffix}").unlink(missing_ok=True)
