"""The checker's patterns: what express or implied solicitation looks like in English.

Plain regular expressions, one per way of asking, each with a short "why" shown to the
person reading a finding.  Kept apart from :mod:`guardrail.checker` so a compliance
officer (or a reviewer of a pull request) can read the lexicon on its own.
"""

import re
from dataclasses import dataclass

# Review and social sites a clinic might send people to.
REVIEW_SITES = (
    r"(?:google(?:\s+maps)?|yelp|healthgrades|rate\s?mds|trustpilot|bing|yahoo(?:\s+local)?"
    r"|yellow\s?pages|psychology\s+today|zocdoc|our\s+(?:google|yelp|healthgrades)\s+"
    r"(?:page|profile|listing))"
)
SOCIAL_SITES = r"(?:facebook|instagram|linkedin|twitter|tiktok|threads|our\s+facebook\s+page)"
SITES = rf"(?:{REVIEW_SITES}|{SOCIAL_SITES})"
REVIEW_NOUN = r"(?:reviews?|ratings?|testimonials?|recommendations?|endorsements?)"
_ADJ = (
    r"(?:a|an|your|one|some|the|quick|short|honest|brief|positive|kind|glowing|good|great"
    r"|nice|few|google|yelp|facebook|healthgrades|online|public|(?:\d|five|four)[\s-]*stars?"
    r"|five|5)"
)
_WRITE_VERB = (
    r"(?:leave|leaving|left|leaves|write|writing|writes|wrote|post|posting|posts|posted|drop"
    r"|dropping|give|giving|submit|submitting|send|sending)"
)


@dataclass(frozen=True)
class Pattern:
    id: str
    category: str
    regex: re.Pattern[str]
    why: str


def _p(pattern_id: str, category: str, regex: str, why: str) -> Pattern:
    return Pattern(pattern_id, category, re.compile(regex, re.IGNORECASE), why)


PATTERNS: tuple[Pattern, ...] = (
    _p(
        "write_review",
        "express_request",
        rf"\b{_WRITE_VERB}\s+(?:us\s+|me\s+)?(?:{_ADJ}[\s-]+){{0,4}}{REVIEW_NOUN}\b"
        r"|\badd\s+your\s+(?:own\s+)?(?:review|rating|testimonial)",
        "asks for a review, rating or testimonial",
    ),
    _p(
        "verb_us",
        "express_request",
        r"\b(?:review|rate|recommend|endorse|vote\s+for)\s+us\b",
        "asks people to review, rate or recommend the clinic",
    ),
    _p(
        "verb_clinic",
        "express_request",
        r"\b(?:review(?:ing)?|rat(?:e|ing)|recommend(?:ing)?|endors(?:e|ing))\s+(?:our|the|this)\s+"
        r"(?:clinic|practice|centre|center|team|services?|office|therapists?|counsell?ors?"
        r"|clinicians?|business)\b",
        "asks people to review, rate or endorse the clinic or its counsellors",
    ),
    _p(
        "rate_provider",
        "express_request",
        r"\b(?:rat(?:e|ing)|review(?:ing)?)\s+your\s+(?:counsell?or|therapist|clinician|provider"
        r"|doctor|psychologist)\b(?![^.!?]*\b(?:progress|goals|plan|file|notes|form))",
        "asks people to rate or review their counsellor",
    ),
    _p(
        "verb_on_site",
        "express_request",
        rf"\b(?:review|rate|recommend|endorse|vote\s+for|rating)\b[^.!?]{{0,60}}?\b(?:on|at|via)\s+{SITES}\b"
        r"|\b(?:rate|recommend|endorse)\b[^.!?]{0,60}?\bonline\b",
        "asks people to review, rate or recommend the clinic on a review or social site",
    ),
    _p(
        "noun_on_site",
        "express_request",
        rf"\b(?:reviews?|ratings?|recommendations?|stars?|kind\s+words)\s+(?:about\s+us\s+)?(?:on|at)\s+{SITES}\b",
        "points people to reviews or ratings on a review or social site",
    ),
    _p(
        "give_stars",
        "express_request",
        r"\b(?:give|leave)\s+us\s+(?:a\s+)?(?:\d|five|four)[\s-]*stars?\b",
        "asks for a star rating",
    ),
    _p(
        "tell_others",
        "express_request",
        r"(?:^\W*|(?<=[,;:!?.—–(\"“])\s*|\b(?:please|and|to|then|also|kindly|just)\s+)"
        r"(?:tell|let)\s+(?:your\s+friends|your\s+family|others|other\s+people|the\s+world"
        r"|everyone|people)\b(?:\s+know)?",
        "asks clients to tell others how the clinic helped them (an endorsement)",
    ),
    _p(
        "share_story",
        "testimonial_request",
        r"\bshar(?:e|ing)\s+(?:your|their)\s+(?:(?:own|positive|good|great|success|personal|therapy)\s+)*"
        r"(?:experiences?|stor(?:y|ies)|thoughts|feedback|journey|kind\s+words|results?)\b"
        r"(?=[^.!?]*?\b(?:with\s+(?:us|others|other\s+people|the\s+world|everyone|the\s+community"
        rf"|future\s+clients)|on\s+{SITES}|(?:on|for|in)\s+our\s+(?:website|site|homepage|page|blog"
        r"|brochure|newsletter|social|instagram|facebook)|online|publicly))",
        "asks clients to share their experience publicly (a testimonial)",
    ),
    _p(
        "share_on_site",
        "express_request",
        rf"\bshar(?:e|ing)\b[^.!?]{{0,40}}?\bon\s+{REVIEW_SITES}\b",
        "asks people to share something on a review site",
    ),
    _p(
        "testimonial",
        "testimonial_request",
        r"\btestimonials?\b",
        "mentions testimonials, which the code forbids the clinic to seek or use",
    ),
    _p(
        "what_clients_say",
        "testimonial_display",
        r"\bwhat\s+(?:our|my|past|other|real|happy)\s+(?:clients|patients|customers|couples)\s+"
        r"(?:say|said|are\s+saying|think|have\s+to\s+say)\b|\b(?:client|patient|customer)\s+reviews\b",
        "a 'what our clients say' section advertises with clients' words",
    ),
    _p(
        "kind_words",
        "testimonial_request",
        r"\b(?:post|leave|write|send|share|drop)\s+(?:us\s+)?(?:a\s+few\s+|some\s+|your\s+)?"
        r"(?:kind\s+|nice\s+|good\s+)?words\s+about\b"
        r"|\b(?:quote|feature|publish|showcase|display)\s+(?:your|them|it|their)\b(?:\s+[\w'’-]+){0,3}?"
        r"\s+(?:on|in)\s+our\b",
        "asks for clients' words to publish (a testimonial)",
    ),
    _p(
        "review_helps",
        "implied_request",
        rf"\b(?:reviews?|recommendations?|(?:feedback|ratings?)\s+on\s+{SITES})\b"
        r"(?:\s+(?!and\b|or\b)[\w'’-]+){0,3}?\s+(?:help|helps|helped|mean|means|matter|matters"
        r"|make|makes)\b",
        "says reviews help the clinic (an implied request)",
    ),
    _p(
        "review_goal",
        "implied_request",
        r"\b(?:reach|reaching|hit|hitting|get\s+to|getting\s+to|goal\s+of)\s+(?:\d[\d,]*|a\s+hundred"
        r"|one\s+hundred|fifty|twenty|[\w-]+)\s+(?:[\w-]+\s+)?(?:reviews|ratings|recommendations)\b"
        r"|\b\d+\s+(?:more\s+)?(?:reviews|ratings)\s+(?:away|until|to\s+go|left|short)\b",
        "sets a target number of reviews (an implied request)",
    ),
    _p(
        "invited_to_review",
        "express_request",
        r"\b(?:invited?|invites|inviting|encouraged?|encourages|asked|asking|ask|asks|reminded"
        r"|remind)\s+(?:[\w'’-]+\s+){0,4}?to\s+(?:post|leave|write|share|submit|give)\b[^.!?]{0,40}?"
        rf"(?:\b{REVIEW_NOUN}|\bstars?\b|\bon\s+{SITES}|\bonline\b|\bpublicly\b)",
        "invites or reminds people to post a review",
    ),
)

# Cues that turn a request into a more specific category.
INCENTIVE_CUE = re.compile(
    r"\d+\s?%|\$\s?\d+|\b(?:discount|free|gift|gifts|prize|draw|contest|raffle|giveaway|win"
    r"|entered|entry|reward|rewards|coupon|voucher|donat\w*|in\s+exchange|in\s+return)\b",
    re.IGNORECASE,
)
INCENTIVE_ANCHOR = re.compile(
    rf"\b{REVIEW_NOUN}\b|\b(?:review|rate)\s+us\b",
    re.IGNORECASE,
)
GATING_CUE = re.compile(
    r"\bif\s+not\b|\bnot\s+(?:happy|satisfied)\b|\bunhappy\b|\bdissatisfied\b|\botherwise\b"
    r"|\bprivately\b|\binstead\b|\bonly\s+(?:clients|those|people|customers|patients)\b"
    r"|\bsatisfied\b|\bhappy\s+with\b|\bif\s+your\s+experience\s+was\s+(?:positive|good|great)"
    r"|\bif\s+you(?:'d|’d|\s+would)\s+(?:rate|give)\s+us\s+(?:5|five)",
    re.IGNORECASE,
)
STAFF_CUE = re.compile(
    r"\b(?:staff|team|employees|colleagues|co-?workers|friends\s+and\s+family"
    r"|family\s+and\s+friends|(?:their|your)\s+famil(?:y|ies)|friends\s+of\s+the\s+"
    r"(?:clinic|practice|centre|center))\b",
    re.IGNORECASE,
)
TESTIMONIAL_REQUEST_CUE = re.compile(
    r"\b(?:would|could|can|may|please|send|share|sharing|write|provide|record|collect|collecting"
    r"|looking\s+for|willing|agree|invite|ask|love|welcome|submit|use)\b",
    re.IGNORECASE,
)

# Negation and policy language: a request inside these is a statement that the clinic does
# NOT ask ("we do not ask for testimonials", "our listing is not a request for a review").
NEGATOR = re.compile(
    r"\b(?:not|never|no|nor|cannot|neither|without|prohibits?|prohibited|forbids?|forbidden"
    r"|unethical|refrain|refrains)\b|n['’]t\b",
    re.IGNORECASE,
)
# Phrases with a negator that do not negate the request.
NOT_A_NEGATION = re.compile(
    r"\b(?:don['’]t|do\s+not|never|not)\s+(?:forget|hesitate|miss)\b|\bno\s+matter\b"
    r"|\bnot\s+only\b|\bwhy\s+not\b|\bif\s+not\b|\bnot\s+yet\b|\bno\s+more\s+than\b",
    re.IGNORECASE,
)
# The client's own choice, as the policy phrases it: "If you do choose to write ...".
CLIENT_CHOICE = re.compile(
    r"\bif\s+you\s+(?:do\s+)?(?:choose|decide|wish|elect)\s+to\b|\bright\s+to\b",
    re.IGNORECASE,
)
# Where a clause starts, for negation scope: ; : — – ( " but " "however", or a comma that
# is followed by a new subject or an imperative.
CLAUSE_BOUNDARY = re.compile(
    r"[;:—–()]|\bbut\b|\bhowever\b|\balthough\b|\bthough\b"
    r"|,(?=\s+(?:we|you|please|i|our|they|so|and\s+(?:we|you|please)|then|just|why)\b)",
    re.IGNORECASE,
)

CATEGORY_WORDS = {
    "express_request": "Asks for a review",
    "implied_request": "Implies a request for reviews",
    "testimonial_request": "Asks for a testimonial",
    "testimonial_display": "Shows or invites testimonials",
    "incentive": "Offers something in return for a review",
    "review_gating": "Review gating (only happy clients are sent to review)",
    "staff_request": "Asks staff, friends or family for reviews",
    "write_review_link": "Links to a write-a-review page",
    "review_site_link": "Links to a review-site profile",
    "review_markup": "Review or rating markup on the clinic's own page",
    "review_widget": "A review widget on the clinic's own page",
}

CATEGORY_RULE = {
    "express_request": "review_request",
    "implied_request": "review_request",
    "testimonial_request": "review_request",
    "testimonial_display": "reuse_review_as_testimonial",
    "incentive": "offer_incentive",
    "review_gating": "review_gating",
    "staff_request": "ask_staff_or_friends",
    "write_review_link": "review_request",
    "review_site_link": "review_request",
    "review_markup": "reuse_review_as_testimonial",
    "review_widget": "reuse_review_as_testimonial",
}

# Third-party review widgets embedded on websites (script hosts, class names).
WIDGET_MARKERS = re.compile(
    r"elfsight|trustindex|embedsocial|birdeye|podium\.com|grade\.us|reviewsonmywebsite|shapo\.io"
    r"|widget\.trustpilot|trustpilot-widget|yotpo|sociablekit|wp-google-reviews|wprevpro"
    r"|google-reviews-widget|reviews-widget|review-widget|nicejob|gatherup|reviewtrackers"
    r"|brightlocal|reputation\.com",
    re.IGNORECASE,
)
