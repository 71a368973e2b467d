"""Compliance findings about reviews: owner responses and reviews that disclose too much.

Pure functions the crawl pipeline calls for every review it stores; it persists each
:class:`FindingSpec` with ``store.crud.record_finding(session, clinic_id=…, seen_at=…,
review_id=…, listing_id=…, source_url=…, run_id=…, **spec.record_fields())``.
"""

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

logger = logging.getLogger(__name__)

EXCERPT_CHARS = 280

CRITICAL = "critical"
WARNING = "warning"

OWNER_RESPONSE_EXPLANATION = (
    "A response from the business is shown under this review. The clinic does not answer "
    "reviews, positive or negative: any reply can confirm that the reviewer is a client and "
    "disclose health information. Either someone at the clinic replied (a breach of the "
    "confidentiality duty and of the clinic's policy) or someone is posing as the clinic."
)
OWNER_RESPONSE_GUIDANCE = (
    "Do not reply again or edit the response in a way that adds anything. Find out who "
    "posted it. If it was the clinic, have the owner of the listing account delete the "
    "response and document the incident for the privacy officer (a disclosure of personal "
    "health information may need to be assessed and reported). If it was not the clinic, "
    "report the impersonation through the site's own reporting route, without confirming or "
    "denying that the reviewer is a client."
)
DISCLOSURE_GUIDANCE = (
    "Never reply, and never confirm or deny that anyone is a client. Where the site's own "
    "rules forbid this kind of content (personal or health information about someone, a "
    "third party named), a person may report the review through the site's reporting route, "
    "giving only the site's reasons and adding no clinical detail. Do not contact the "
    "reviewer, do not match the review to client files, and keep no more of it than "
    "compliance needs."
)


@dataclass(frozen=True)
class FindingSpec:
    """What the pipeline stores as a ``Finding`` (minus clinic, review and run ids)."""

    kind: str  # owner_response | disclosure
    category: str
    rule_id: str
    severity: str
    excerpt: str
    explanation: str
    guidance: str
    dedupe_key: str

    def record_fields(self) -> dict[str, Any]:
        """Keyword arguments for ``store.crud.record_finding``."""
        return asdict(self)


# -- disclosure lexicon -------------------------------------------------------------------
_DIAGNOSES = (
    r"depression|depressive|major\s+depressive|bipolar|ptsd|c-?ptsd|post-?traumatic|ocd"
    r"|obsessive[- ]compulsive|adhd|autis\w+|schizo\w+|borderline|bpd|eating\s+disorder"
    r"|anorexia|bulimia|binge[- ]eating|panic\s+(?:attacks?|disorder)|anxiety\s+disorder"
    r"|my\s+anxiety|social\s+anxiety|erectile\s+dysfunction|premature\s+ejaculation"
    r"|delayed\s+ejaculation|vaginismus|vulvodynia|dyspareunia|anorgasmia|low\s+libido"
    r"|hypoactive\s+sexual|sexual\s+dysfunction|painful\s+sex|pain\s+during\s+sex"
    r"|infertility|miscarriage|abortion|hiv|herpes|hpv|\bstis?\b|\bstds?\b|chlamydia"
    r"|gonorrh\w+|syphilis|sexual\s+(?:abuse|assault|trauma)|\brape\b|raped|molest\w*"
    r"|incest|childhood\s+abuse|domestic\s+(?:abuse|violence)|suicid\w+|self[- ]harm"
    r"|cutting\s+myself|addiction|addicted|alcoholi\w+|porn\s+addiction|sex\s+addiction"
    r"|compulsive\s+sexual|gender\s+dysphoria|transitioning|dementia|cancer|menopause"
    r"|diagnos(?:ed|is|es)"
)
_MEDICATIONS = (
    r"sertraline|zoloft|fluoxetine|prozac|paroxetine|paxil|citalopram|celexa|escitalopram"
    r"|lexapro|venlafaxine|effexor|duloxetine|cymbalta|bupropion|wellbutrin|mirtazapine"
    r"|trazodone|lithium|lamotrigine|quetiapine|seroquel|aripiprazole|abilify|adderall"
    r"|ritalin|vyvanse|methylphenidate|sildenafil|viagra|tadalafil|cialis|flibanserin|addyi"
    r"|testosterone|estrogen|oestrogen|hormone\s+(?:therapy|replacement)|\bhrt\b"
    r"|antidepressants?|ssris?|snris?|benzodiazepines?|ativan|xanax|clonazepam|medication"
    r"|meds\b|prescri(?:bed|ption)"
)
_SESSION = (
    r"(?:in|during|at|after)\s+(?:our|my|the|his|her|their)\s+(?:first|second|third|last|\w+)?\s*"
    r"(?:sessions?|appointments?)|we\s+(?:talked|spoke|discussed|worked)\s+(?:about|on|through)"
    r"|(?:she|he|they|my\s+(?:therapist|counsell?or))\s+(?:told|taught|suggested|recommended|asked)"
    r"\s+(?:me|us)|homework|exercises?\s+(?:she|he|they)\s+gave|sensate\s+focus"
    r"|my\s+(?:husband|wife|partner|spouse)\s+and\s+i\s+(?:were|had|have)"
)
_RELATION = (
    r"husband|wife|partner|spouse|boyfriend|girlfriend|fianc[ée]e?|ex|son|daughter|mother|father"
    r"|mom|mum|dad|sister|brother|friend|colleague|boss|affair\s+partner"
)
# An e-mail address starts where a run of address characters starts (never inside one) and
# every part is bounded: unbounded runs retried from each position are quadratic.
_EMAIL = r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}\.[\w.]{1,253}"
_PHONE = r"\b(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b"


@dataclass(frozen=True)
class DisclosureCheck:
    """One kind of over-disclosure: a pattern and, to skip text it cannot match without
    scanning it, what the text must contain first.

    ``folded``: the pattern is lower case and is searched in the lower-cased text (a
    case-sensitive scan of a long word list is about four times as fast as one with
    ``re.IGNORECASE``; checking every review of a crawl spent 1.2 ms a page here)."""

    category: str
    regex: re.Pattern[str]
    words: str
    folded: bool = False
    needs: re.Pattern[str] | None = None  # what the text must contain (an "@", a digit)


DISCLOSURE_CHECKS: tuple[DisclosureCheck, ...] = (
    DisclosureCheck(
        "health_detail", re.compile(rf"\b(?:{_DIAGNOSES})"), "a diagnosis or health condition", True
    ),
    DisclosureCheck(
        "medication", re.compile(rf"\b(?:{_MEDICATIONS})"), "medication or treatment details", True
    ),
    DisclosureCheck(
        "session_detail",
        re.compile(rf"\b(?:{_SESSION})"),
        "what happened in therapy sessions",
        True,
    ),
    DisclosureCheck(
        "third_party_name",
        re.compile(
            rf"\b(?:[Mm]y|[Oo]ur|[Hh]is|[Hh]er)\s+(?i:{_RELATION}),?\s+(?:[A-Z][a-z]+)(?:\s+[A-Z][a-z]+)?\b"
        ),
        "the name of another person (a partner, relative or friend)",
    ),
    DisclosureCheck(
        "contact_detail",
        re.compile(_EMAIL),
        "an e-mail address or telephone number",
        needs=re.compile("@"),
    ),
    DisclosureCheck(
        "contact_detail",
        re.compile(_PHONE),
        "an e-mail address or telephone number",
        needs=re.compile(r"\d"),
    ),
)


def _clean(value: Any) -> str:
    return " ".join(str(value or "").split())


def _excerpt(text: str, start: int = 0, end: int | None = None) -> str:
    """Up to EXCERPT_CHARS characters around ``start``..``end``."""
    end = start if end is None else end
    if len(text) <= EXCERPT_CHARS:
        return text
    half = max(0, (EXCERPT_CHARS - (end - start)) // 2)
    lo = max(0, start - half)
    hi = min(len(text), lo + EXCERPT_CHARS)
    lo = max(0, hi - EXCERPT_CHARS)
    return ("…" if lo else "") + text[lo:hi].strip() + ("…" if hi < len(text) else "")


def review_key(review: Mapping[str, Any]) -> str:
    """A stable key for the review: the store's key, the site's id, its URL, or a digest."""
    for field in ("review_key", "site_review_id", "url"):
        if review.get(field):
            return f"{review.get('site') or ''}:{review[field]}"
    parts = [review.get(k) for k in ("site", "listing_url", "author", "published_raw", "text")]
    return "digest:" + hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def dedupe_key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def disclosures(text: str) -> list[tuple[str, str, re.Match[str]]]:
    """(category, plain words, first match) for each kind of over-disclosure in ``text``."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer: offsets differ
        lowered = None
    found: dict[str, tuple[str, str, re.Match[str]]] = {}
    for check in DISCLOSURE_CHECKS:
        if check.needs is not None and not check.needs.search(text):
            continue
        if check.folded:
            match = (
                check.regex.search(lowered)
                if lowered is not None
                else re.compile(check.regex.pattern, re.IGNORECASE).search(text)
            )
        else:
            match = check.regex.search(text)
        earlier = found.get(check.category)
        if match and (earlier is None or match.start() < earlier[2].start()):
            found[check.category] = (check.category, check.words, match)
    return list(found.values())


def review_findings(review: Mapping[str, Any]) -> list[FindingSpec]:
    """Findings for one review (a ``ReviewItem`` as a dict, or a ``Review`` row's fields).

    - an owner or business response: always a critical ``owner_response`` finding;
    - a review (title or text) that discloses health details, medication, session content,
      another person's name or contact details: a ``disclosure`` finding with guidance.
    """
    key = review_key(review)
    specs: list[FindingSpec] = []
    response = _clean(review.get("owner_response"))
    if response:
        leaked = disclosures(response)
        category = "owner_response_disclosure" if leaked else "owner_response"
        explanation = OWNER_RESPONSE_EXPLANATION
        if leaked:
            explanation += (
                " The response itself mentions " + ", ".join(w for _, w, _ in leaked) + "."
            )
        specs.append(
            FindingSpec(
                kind="owner_response",
                category=category,
                rule_id="reply_to_review",
                severity=CRITICAL,
                excerpt=_excerpt(response),
                explanation=explanation,
                guidance=OWNER_RESPONSE_GUIDANCE,
                dedupe_key=dedupe_key("owner_response", key, response),
            )
        )
    body = _clean(" ".join(_clean(review.get(k)) for k in ("title", "text")))
    leaked = disclosures(body) if body else []
    if leaked:
        first = min(leaked, key=lambda item: item[2].start())[2]
        categories = [c for c, _, _ in leaked]
        specs.append(
            FindingSpec(
                kind="disclosure",
                category=categories[0] if len(categories) == 1 else "multiple",
                rule_id="report_through_site",
                severity=WARNING,
                excerpt=_excerpt(body, first.start(), first.end()),
                explanation=(
                    "This review may reveal a client's identity or health information: it "
                    "mentions " + ", ".join(w for _, w, _ in leaked) + ". The clinic must not "
                    "respond to it in any way."
                ),
                guidance=DISCLOSURE_GUIDANCE,
                dedupe_key=dedupe_key("disclosure", key),
            )
        )
    return specs
