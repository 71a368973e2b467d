"""The checker's patterns: what express or implied solicitation looks like in English.

Plain regular expressions, one per way of asking, each with a short "why" shown to the
person reading a finding.  Kept apart from :mod:`guardrail.checker` so a compliance
officer (or a reviewer of a pull request) can read the lexicon on its own.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from guardrail import literals

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
    # Words every match holds one of, group by group (see guardrail.literals), one search
    # per group: a sentence (its literals.lowered form) that one of them does not find
    # cannot match, and is not searched.
    needs: tuple[Callable[[str], object], ...] = ()


def _p(pattern_id: str, category: str, regex: str, why: str) -> Pattern:
    needs = literals.searches(literals.required(regex, re.IGNORECASE))
    return Pattern(pattern_id, category, re.compile(regex, re.IGNORECASE), why, needs)


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
    _p(
        "review_invitation",
        "express_request",
        r"\breview\s+(?:invitations?|invites?|requests?|reminders?|cards?|links?|pages?|forms?)\b",
        "sends review invitations, requests, cards or links to a review page",
    ),
    _p(
        "collect_stories",
        "testimonial_request",
        r"\b(?:collect(?:ing)?|gather(?:ing)?|looking\s+for|feature|featuring)\s+(?:[\w-]+\s+){0,4}?"
        r"(?:client|patient|customer|couples?['’]?)\s+(?:stories|quotes|testimonials|reviews|experiences|words)\b",
        "collects clients' stories or quotes to publish (testimonials)",
    ),
    _p(
        "quote_comments",
        "testimonial_request",
        r"\bquote\s+(?:my|your|their|his|her)\s+(?:[\w-]+\s+)?(?:comments?|words|feedback|reviews?|experiences?)\b",
        "asks leave to quote clients' words (a testimonial)",
    ),
    _p(
        "reviews_you_post",
        "implied_request",
        r"\b(?:reviews?|ratings?|stars?)\b[^.!?]{0,100}\byou\s+(?:post|leave|write|give)\b",
        "tells clients their reviews are watched for (an implied request)",
    ),
    _p(
        "review_quota",
        "staff_request",
        r"\b(?:bring\s+in|generate|collect|gather|get|obtain)\s+(?:at\s+least\s+)?(?:\d+|one|two|three|four|five|ten"
        r"|twenty)\s+(?:new\s+|more\s+)?(?:online\s+|google\s+|yelp\s+)?(?:reviews|ratings)\b",
        "sets a quota of reviews to bring in",
    ),
    _p(
        "score_routing",
        "review_gating",
        r"\b(?:4|5|four|five|happy|satisfied)\b[^.!?]{0,80}\b(?:yelp|google|facebook|healthgrades|ratemds|review)\b"
        r"[^.!?]{0,80}\b(?:private(?:ly)?|internal|lower|otherwise|instead|director|manager)\b",
        "sends high scores to a public review site and low ones elsewhere (review gating)",
    ),
)

# -- A request, however it is worded: an appeal to the reader, something a review is made of,
# and a public place to put it, all in one sentence.  Marketing copy is inventive ("a few
# honest words on Yelp", "you know where to find us online"), so instead of one pattern per
# phrasing this looks for the three parts together.  English and Canadian French.
APPEAL = (
    r"(?:please|pls|plz|s['’]il\s+vous\s+pla[iî]t|could\s+you|can\s+you|would\s+you|will\s+you"
    r"|would\s+(?:mean|be\s+(?:lovely|great|amazing|wonderful))|nothing\s+would\s+mean"
    r"|we(?:['’]d|\s+would)\s+(?:so\s+|really\s+|truly\s+)?(?:love|be\s+(?:so\s+|very\s+|really\s+)?(?:grateful|thrilled|honou?red))"
    r"|means\s+(?:a\s+lot|the\s+world)|appreciat\w*|(?:would|could)\s+use\s+(?:a\s+)?(?:little\s+)?(?:boost|help|love)"
    r"|(?:you['’]d|you\s+would|you\s+could|you\s+can|u\s+can)\s+(?:leave|post|write|drop|add|give|share)"
    r"|(?:be\s+)?willing\s+to|are\s+(?:always\s+)?welcome|coup\s+de\s+pouce|bienvenue?s?\b"
    r"|help\s+(?:us|other|others|people|someone|couples|them|future|the\s+next)|helps\s+(?:us|our|other|others|people)"
    r"|we\s+(?:invite|hope|encourage|ask)|invite\s+you|hope\s+you|you\s+know\s+(?:what\s+to\s+do|where)"
    r"|feel\s+free|whenever\s+(?:you|u)|anything\s+you\s+can|appreciated|lovely\s+to\s+see|add\s+your"
    r"|could\s+be\s+(?:the|that)|can\s+point|point\s+them|you\s+could|go\s+one\s+step|best\s+thank"
    r"|get\s+(?:us\s+)?there|looking\s+(?:a\s+little\s+)?quiet|still\s+empty|fill\s+up|spread\s+the\s+word"
    r"|show\s+(?:us\s+)?some\s+love|vouch|boost\s+us|give\s+us\s+a\s+(?:shout|boost)"
    r"|(?:^|[.!?]\s*|\b(?:and|then|just|simply|also)\s+)(?:leave|post|write|drop|tag|rate|recommend|review|tell|share"
    r"|describe|send|pop|add|search|scan|click|tap|hand|give)\b"
    r"|recommending|tell\s+everyone|ask\s+(?:your|their|each|every|all)|add\s+the|hand\s+(?:each|every|out)"
    r"|imagine\s+what|(?:text|send|email|e-mail)\s+you\s+(?:our|the|a)\b"
    r"|laissez|pensez|partagez|publiez|demandez|[ée]crivez|accepteriez|aidez|n['’]h[ée]sitez)"
)
REVIEW_STUFF = (
    r"(?:re[vi]{1,2}e?ws?|reveiws?|r\w{0,2}v\w{0,3}ws?|ratings?|stars?|⭐|words|thoughts|voice|stor(?:y|ies)|experiences?"
    r"|endorse\w*|vouch|feedback|compliments?|praise|kudos|reflections?|spread\s+the\s+word"
    r"|what\s+(?:it\s+was\s+like|you\s+thought)|how\s+(?:it|we|things)\s+went|notre\s+note|votre\s+note|[ée]toiles?"
    r"|quotes?|testimonials?|shout-?outs?|recommendations?|recommend(?:ing)?|rate|love|how\s+we\s+did"
    r"|how\s+did\s+we\s+do|word\s+of\s+mouth"
    r"|what\s+you\s+(?:think|say)|avis|t[ée]moignages?|commentaires?|exp[ée]rience|journey)"
)
PUBLIC_PLACE = (
    rf"(?:{SITES}|online|on\s+line|publicly|public|review\s+sites?|where\s+(?:others|people|everyone)"
    r"\s+can\s+see|others\s+can\s+see|(?:our|the)\s+(?:page|profile|listing)|google\s+maps|maps"
    r"|@\w+|#\w+|link\s+in\s+bio|qr\s+code|en\s+ligne|fiche|brochure|newsletter|ad\s+campaign"
    r"|advertis\w*|website|site\s+web|social\s+media|socials|stories|star\s+rating|feature[sd]?|featuring"
    r"|publish\w*|showcase\w*|promotional|marketing)"
)
APPEAL_RE = re.compile(rf"\b{APPEAL}", re.IGNORECASE)
REVIEW_STUFF_RE = re.compile(rf"\b{REVIEW_STUFF}\b|⭐", re.IGNORECASE)
PUBLIC_PLACE_RE = re.compile(rf"(?:\b|(?=[@#])){PUBLIC_PLACE}(?:\b|$)", re.IGNORECASE)
# Sentences that mention reviews to disclaim them, not to ask for them.
DISCLAIMER = re.compile(
    r"\bnot\b[*_\s]+a\s+request\b|\bagainst\s+(?:our|the|its)\s+(?:[\w-]+\s+)?(?:ethics|policy|policies|code|rules)\b"
    r"|\b(?:aren|isn)['’]t\s+something\s+we\b",
    re.IGNORECASE,
)
# Asking to be told about a review (to report it), not to write one.
REPORTING = re.compile(
    r"\blet\s+us\s+know\b|\bbring\s+it\s+to\s+our\s+attention\b|\breport\s+(?:it|them|the\s+review)\b",
    re.IGNORECASE,
)
# Feedback that stays inside the clinic: with no public place named, not a review request.
INTERNAL_SURVEY = re.compile(
    r"\binternal\s+(?:survey|feedback|questionnaire)|\bin-?house\b|\bonly\s+(?:our|the)\s+(?:team|clinic|staff)\s+(?:sees|reads)\b"
    r"|\bstays?\s+(?:with|within|inside)\s+(?:us|the\s+clinic|our\s+(?:team|clinic))\b",
    re.IGNORECASE,
)
# The same, for the clause of an appeal (forms the client fills in for the clinic).
INTERNAL_CUE = re.compile(
    r"\b(?:internal|in-?house|only\s+(?:our|the)\s+(?:team|clinic|staff)|stays?\s+(?:with|within|inside)"
    r"|confidential\s+(?:survey|form|feedback)|outcome\s+form|feedback\s+form|intake)\b",
    re.IGNORECASE,
)


# Cues that turn a request into a more specific category.
INCENTIVE_CUE = re.compile(
    r"(?<!\d)\d+\s?%|\$\s?\d+|(?<!\bfeel\s)\bfree\b|\b(?:discount|gift|gifts|prize|draw|contest|raffle|giveaway|win"
    r"|entered|entry|reward|rewards|coupon|voucher|donat\w*|in\s+exchange|in\s+return|waiv\w+|priority"
    r"|bonus|perks?|gratuit\w*|rabais|tirage|gagner|concours|recevez)\b",
    re.IGNORECASE,
)
INCENTIVE_ANCHOR = re.compile(
    rf"\b{REVIEW_NOUN}\b|\breviewers?\b|\b(?:review|rate)s?\s+us\b|\btag(?:s|ging)?\s+(?:us|the\s+(?:clinic|practice|centre|center))\b"
    r"|\bavis\b",
    re.IGNORECASE,
)
GATING_CUE = re.compile(
    r"\bif\s+not\b|\bprivate\s+(?:inbox|form|email|e-mail|line|channel|message)\b|\bnot\s+(?:happy|satisfied)\b|\bunhappy\b|\bdissatisfied\b|\botherwise\b"
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
    "needs_person": "Needs a person",
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
    "needs_person": "review_request",
}

# Third-party review widgets embedded on websites (script hosts, class names).
WIDGET_MARKERS = re.compile(
    r"elfsight|trustindex|embedsocial|birdeye|podium\.com|grade\.us|reviewsonmywebsite|shapo\.io"
    r"|widget\.trustpilot|trustpilot-widget|yotpo|sociablekit|wp-google-reviews|wprevpro"
    r"|google-reviews-widget|reviews-widget|review-widget|nicejob|gatherup|reviewtrackers"
    r"|brightlocal|reputation\.com",
    re.IGNORECASE,
)
