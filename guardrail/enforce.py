"""Refuse a blocked action: append it to the audit log, explain it in plain words.

Every surface that offers (or could be asked for) a forbidden action -- a dashboard button,
a CLI command, the crawler -- calls :func:`block`.  The audit row records the rule set and
its version, where the attempt came from and the user if known; it is never updated or
deleted (``store.crud`` refuses it in the ORM, the migration's triggers in the database).
"""

import logging
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from guardrail.model import model_version
from guardrail.policy import Policy
from guardrail.rules import DUTY_WORDS, Rule, RuleSet, builtin
from store import audit
from store.db import Engine, Session

logger = logging.getLogger(__name__)


class NotBlockedError(ValueError):
    """``block()`` was called for an action the rule set allows."""


@dataclass(frozen=True)
class Explanation:
    """What a person is told when an action is refused (or looked up)."""

    action_id: str
    title: str
    verdict: str
    duty: str
    explanation: str
    grounds: tuple[str, ...]
    policy_quote: str | None  # the clinic's own policy's passage for the action, if any
    policy_source: str | None  # that policy's name
    allowed_instead: str | None
    rule_set: str
    rule_version: str
    audit_id: int | None = None
    pending_file: str | None = None  # the audit log was unreachable: kept here for now
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def blocked(self) -> bool:
        return self.verdict.startswith("blocked")

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["grounds"] = list(self.grounds)
        return data

    def as_text(self) -> str:
        """Plain words, for a terminal, a notification or a dashboard panel."""
        head = "Blocked" if self.blocked else "Allowed"
        if self.verdict == "blocked_refer_to_counsel":
            head = "Blocked (refer to legal counsel)"
        elif self.verdict == "allowed_with_care":
            head = "Allowed, with care"
        lines = [f"{head}: {self.title}.", "", self.explanation]
        if self.policy_quote:
            source = f" ({self.policy_source})" if self.policy_source else ""
            lines += ["", f"The clinic's policy{source} says:", f'  "{self.policy_quote}"']
        lines += ["", f"This rests on {DUTY_WORDS.get(self.duty, self.duty)}:"]  # type: ignore[call-overload]
        lines += [f"  - {g}" for g in self.grounds] or ["  - the clinic's policy"]
        if self.allowed_instead:
            lines += ["", f"What you can do instead: {self.allowed_instead}"]
        lines += ["", f"Rule set {self.rule_set}, version {self.rule_version}."]
        if self.audit_id is not None:
            lines.append(f"This attempt was recorded in the audit log (entry {self.audit_id}).")
        if self.pending_file is not None:
            lines.append(
                "The audit log could not be reached just now, so this attempt was kept in "
                f"{self.pending_file}; the next `quietwatch init` or `quietwatch audit` adds it "
                "to the log."
            )
        return "\n".join(lines)


def explain(
    action_id: str, rule_set: RuleSet | None = None, policy: Policy | None = None
) -> Explanation:
    """The explanation for an action, without recording anything.  ``policy`` is the
    clinic's own (``[clinic] policy_file``): its passage for the action is quoted; without
    one, no policy is quoted — never another clinic's."""
    rule_set = rule_set or builtin()
    return _explanation(rule_set.get(action_id), rule_set, policy=policy)


def _explanation(
    rule: Rule, rule_set: RuleSet, audit_id: int | None = None, policy: Policy | None = None
) -> Explanation:
    passage = policy.passage(rule.id, rule.policy_quote) if policy is not None else None
    return Explanation(
        action_id=rule.id,
        title=rule.title,
        verdict=rule.verdict.value,
        duty=rule.duty.value,
        explanation=rule.explanation,
        grounds=rule.grounds,
        policy_quote=passage,
        policy_source=policy.name if passage else None,
        allowed_instead=rule.allowed_instead,
        rule_set=rule_set.id,
        rule_version=rule_set.version_label,
        audit_id=audit_id,
    )


def block(
    action_id: str,
    *,
    origin: str,
    engine_or_session: Engine | Session,
    user: str | None = None,
    clinic_id: int | None = None,
    target: str | None = None,
    detail: str | None = None,
    rule_set: RuleSet | None = None,
    data_dir: Path | None = None,
    policy: Policy | None = None,
) -> Explanation:
    """Refuse ``action_id``: append an audit row and return the plain-words explanation.

    With a Session the row joins the caller's transaction (the caller commits); with an
    Engine it is committed here, and when the database cannot take it (locked, down) the
    attempt is kept in the audit's pending file (beside a SQLite store, or in ``data_dir``)
    and the explanation says so: a blocked attempt is never lost.  ``target`` names what
    was aimed at (e.g. ``"review 42"``), never a reviewer's identity.  Raises ``KeyError``
    for an unknown action and :class:`NotBlockedError` for an action the rule set allows.
    """
    rule_set = rule_set or builtin()
    rule = rule_set.get(action_id)
    if not rule.blocked:
        raise NotBlockedError(f"{action_id!r} is allowed ({rule.verdict.value}); nothing to block")
    fields: dict[str, Any] = {
        "action_id": rule.id,
        "rule_set": rule_set.id,
        "rule_version": rule_set.version_label,
        # The solicitation checker's model in force (its version and content hash).
        "model_version": model_version(),
        "origin": origin,
        "user": user,
        "clinic_id": clinic_id,
        "target": target,
        "detail": detail,
    }
    pending = None
    if isinstance(engine_or_session, Session):
        head = audit.head_path(engine_or_session.get_bind(), data_dir)
        audit_id = audit.append(engine_or_session, head_file=head, **fields)
    else:
        audit_id, pending = audit.record(engine_or_session, data_dir=data_dir, **fields)
    logger.warning(
        "blocked %s from %s (user %s, rule set %s %s, audit entry %s)",
        rule.id,
        origin,
        user or "unknown",
        rule_set.id,
        rule_set.version_label,
        audit_id,
    )
    explanation = _explanation(rule, rule_set, audit_id, policy)
    if pending is not None:
        return replace(explanation, pending_file=str(pending))
    return explanation
