"""Blocked actions in the interface: the buttons review software would have, refused.

Where a user of review software looks for "Reply", "Request reviews", "Share as
testimonial" or "Find this reviewer", the dashboard shows the action as blocked.  A click
calls :func:`guardrail.enforce.block` (which appends the audit row, naming the signed-in or
OS user) and opens a dialog with the plain-words explanation, the passage of the clinic's
own policy (``[clinic] policy_file``; see :mod:`guardrail.policy`), what to do instead,
the full rule one click away, and the number of the audit entry.
"""

import logging
from dataclasses import dataclass

import streamlit as st

from dashboard import data, render
from guardrail import policy
from guardrail.rules import DUTY_WORDS

DUTY_WORDS_BY_ID = {duty.value: words for duty, words in DUTY_WORDS.items()}

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BlockedAction:
    action_id: str  # an id in the guardrail's rule set
    label: str  # what review software would call the button


REPLY = BlockedAction("reply_to_review", "Reply")
MESSAGE = BlockedAction("contact_reviewer", "Message reviewer")
ASK_TO_REMOVE = BlockedAction("ask_to_edit_or_remove", "Ask to edit or remove")
TESTIMONIAL = BlockedAction("reuse_review_as_testimonial", "Share as testimonial")
FIND_REVIEWER = BlockedAction("identify_reviewer", "Find this reviewer")
FOLLOW = BlockedAction("follow_or_friend_reviewer", "Follow reviewer")
REQUEST_REVIEWS = BlockedAction("review_request", "Request reviews")
OFFER_INCENTIVE = BlockedAction("offer_incentive", "Offer a reward for reviews")
WIDGET = BlockedAction("reuse_review_as_testimonial", "Review widget on the website")

#: The actions offered on a single review.
REVIEW_ACTIONS = (REPLY, MESSAGE, ASK_TO_REMOVE, TESTIMONIAL, FIND_REVIEWER, FOLLOW)
#: The actions offered for the practice as a whole.
CAMPAIGN_ACTIONS = (REQUEST_REVIEWS, OFFER_INCENTIVE)
#: What review software offers on its export / publishing screen.
PUBLISH_ACTIONS = (WIDGET,)
ALL_ACTIONS = REVIEW_ACTIONS + CAMPAIGN_ACTIONS + PUBLISH_ACTIONS


def button_key(action: BlockedAction, place: str) -> str:
    return f"blocked-{action.action_id}-{place}"


def _explained_key(key: str) -> str:
    return f"{key}-explained"


#: The blocked button whose dialog is open: it stays open across reruns until closed.
OPEN_DIALOG = "blocked-dialog-open"


def _dismissed() -> None:
    st.session_state.pop(OPEN_DIALOG, None)


def _on_click(action_id: str, key: str, target: str | None, clinic_id: int | None) -> None:
    """Callback: record the attempt through the guardrail and keep its explanation (shown
    once, in a dialog, on the run this click starts)."""
    from guardrail.enforce import block
    from guardrail.rules import rule_set_from_config

    ctx = data.context()
    st.session_state[OPEN_DIALOG] = key
    try:
        explanation = block(
            action_id,
            origin="dashboard",
            engine_or_session=data.audit_engine(ctx.database_url),
            user=data.user(),
            clinic_id=clinic_id,
            target=target,
            detail="button clicked in the dashboard",
            rule_set=rule_set_from_config(ctx.guardrail),
            data_dir=ctx.data_dir,
            policy=_clinic_policy(),
        )
    except Exception:  # the explanation still matters when the audit write fails
        logger.exception("could not record blocked action %s", action_id)
        st.session_state[_explained_key(key)] = {"error": True, "action_id": action_id}
        return
    st.session_state[_explained_key(key)] = explanation.as_dict()
    data.clear_cache()  # the audit log shown on the Compliance page has a new row


def _clinic_policy() -> policy.Policy | None:
    """The clinic's OWN policy (never another clinic's); None when none is configured or it
    cannot be read (the explanation then gives the rule's own words)."""
    ctx = data.context()
    try:
        return policy.load(ctx.policy_file, ctx.policy_name)
    except (OSError, UnicodeDecodeError):
        logger.warning("the clinic's policy file %s cannot be read", ctx.policy_file)
        return None


def blocked_button(
    action: BlockedAction, *, place: str, target: str | None = None, clinic_id: int | None = None
) -> str:
    """A "<label> — blocked" button; returns its key (see :func:`explanations`)."""
    key = button_key(action, place)
    st.button(
        f"{action.label} — blocked",
        key=key,
        icon=":material/block:",
        help="QuietWatch never does this. Click to see why.",
        on_click=_on_click,
        args=(action.action_id, key, target, clinic_id),
        width="stretch",
    )
    return key


def explanations(keys: list[str]) -> None:
    """The explanation of the blocked button just clicked, in a dialog that stays until the
    person closes it; the audit entry stays named under the buttons."""
    for key in keys:
        explained = st.session_state.get(_explained_key(key))
        if not explained:
            continue
        if st.session_state.get(OPEN_DIALOG) == key:
            _dialog(explained, key)
        if explained.get("audit_id") is not None:
            st.caption(
                f"{render.md_escape(explained['title'])}: blocked, recorded in the audit log "
                f"as entry {int(explained['audit_id'])}."
            )


def action_row(
    actions: tuple[BlockedAction, ...],
    *,
    place: str,
    target: str | None,
    clinic_id: int | None,
    per_row: int = 3,
) -> None:
    """Blocked buttons side by side (stacked on a phone)."""
    keys = []
    for start in range(0, len(actions), per_row):
        chunk = actions[start : start + per_row]
        for column, action in zip(st.columns(per_row), chunk, strict=False):
            with column:
                keys.append(blocked_button(action, place=place, target=target, clinic_id=clinic_id))
    explanations(keys)


@st.dialog("Blocked", width="large", on_dismiss=_dismissed)
def _dialog(explained: dict, key: str) -> None:
    show_explanation(explained, key=key)


def show_explanation(explained: dict, *, key: str) -> None:
    with st.container(key=f"{key}-explanation"):
        if "error" in explained:
            st.error(
                "This action is blocked. Recording the attempt in the audit log failed "
                "(is a crawl holding the database?): try again in a moment."
            )
            return
        st.markdown(f"**{render.md_escape(explained['title'])}**")
        render.text(explained["explanation"])
        if explained.get("policy_quote"):
            st.markdown("**The clinic's policy says**")
            render.text(f"“{explained['policy_quote']}”")
            st.caption(render.md_escape(explained["policy_source"]))
        if explained.get("pending_file"):
            st.warning(
                "The audit log could not be reached just now: this attempt was kept in "
                f"{explained['pending_file']} and is added to the log by the next "
                "`quietwatch init` or `quietwatch audit`."
            )
        if explained.get("allowed_instead"):
            st.markdown("**What to do instead**")
            render.text(explained["allowed_instead"])
        with st.expander("The full rule"):
            st.markdown(f"This rests on {render.md_escape(DUTY_WORDS_BY_ID[explained['duty']])}:")
            for ground in explained.get("grounds") or ():
                render.text(f"• {ground}")
            st.caption(
                f"Rule set {render.md_escape(explained['rule_set'])}, version "
                f"{render.md_escape(explained['rule_version'])}."
            )
        audit = explained.get("audit_id")
        if audit is not None:
            st.markdown(f"Recorded in the audit log as **entry {int(audit)}**.")


def campaign_actions(*, place: str, clinic_id: int | None) -> None:
    """The practice-wide actions (review requests, incentives), shown blocked."""
    action_row(CAMPAIGN_ACTIONS, place=place, target="the practice", clinic_id=clinic_id)


def review_actions(*, review_id: int, clinic_id: int | None) -> None:
    """The actions review software offers on a review, shown blocked."""
    action_row(
        REVIEW_ACTIONS,
        place=f"review-{review_id}",
        target=f"review {review_id}",
        clinic_id=clinic_id,
    )


def listing_actions(*, listing_id: int, clinic_id: int | None) -> None:
    """What review software offers on a listing ("get more reviews here"), shown blocked."""
    action_row(
        (REQUEST_REVIEWS,),
        place=f"listing-{listing_id}",
        target=f"listing {listing_id}",
        clinic_id=clinic_id,
    )


def publish_actions(*, place: str, clinic_id: int | None) -> None:
    """Review widgets and testimonial pages for the clinic's website, shown blocked."""
    action_row(PUBLISH_ACTIONS, place=place, target="the clinic's website", clinic_id=clinic_id)
