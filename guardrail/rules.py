"""The catalogue of actions a review tool offers and this clinic may or may not take.

The catalogue is data (``guardrail/rulesets/<id>.toml``), validated here into a
:class:`RuleSet`.  A clinic under another code can add rules to the built-in set or replace
it entirely from its configuration (``[guardrail]`` in ``quietwatch.toml``).  Every rule set
carries a version: the semver written in the file plus a hash of the rules' content, so an
audit row records exactly which rules were in force.
"""

import hashlib
import json
import logging
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, asdict, dataclass, fields
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

logger = logging.getLogger(__name__)

DEFAULT_RULE_SET = "bcacc"
ID_PATTERN = r"^[a-z][a-z0-9_]{1,60}$"


class RuleSetError(ValueError):
    """A rule set (built-in or from the configuration) that cannot be used; meant for a person."""


class Verdict(StrEnum):
    BLOCKED = "blocked"
    BLOCKED_REFER_TO_COUNSEL = "blocked_refer_to_counsel"
    ALLOWED = "allowed"
    ALLOWED_WITH_CARE = "allowed_with_care"

    @property
    def is_blocked(self) -> bool:
        return self in (Verdict.BLOCKED, Verdict.BLOCKED_REFER_TO_COUNSEL)


class Duty(StrEnum):
    """Which duty a rule rests on: the two are kept apart on purpose."""

    NO_SOLICITATION = "no_solicitation"  # an advertising rule
    CONFIDENTIALITY = "confidentiality"  # a confidentiality and privacy-law rule
    BOTH = "both"
    NONE = "none"


DUTY_WORDS = {
    Duty.NO_SOLICITATION: "the no-solicitation (advertising) rule",
    Duty.CONFIDENTIALITY: "the confidentiality and privacy-law duty",
    Duty.BOTH: "both the no-solicitation rule and the confidentiality duty",
    Duty.NONE: "no restricting rule",
}


_MIN_LENGTH = {"title": 3, "explanation": 10}
_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True, slots=True)
class Rule:
    """One action in the catalogue (build it with :meth:`validate` from a table)."""

    id: str
    title: str
    verdict: Verdict
    duty: Duty
    explanation: str
    grounds: tuple[str, ...] = ()
    policy_quote: str | None = None
    allowed_instead: str | None = None

    @property
    def blocked(self) -> bool:
        return self.verdict.is_blocked

    def as_json(self) -> dict[str, Any]:
        """The rule as plain JSON values, in field order (what the content hash is made of)."""
        data = asdict(self)
        data["verdict"] = self.verdict.value
        data["duty"] = self.duty.value
        data["grounds"] = list(self.grounds)
        return data

    @classmethod
    def validate(cls, raw: Mapping[str, Any]) -> "Rule":
        """A rule from one table of a rule set, or :class:`ValueError` naming each problem
        as ``field: what is wrong`` (unknown fields first: a typo explains what is missing).

        The checks are the ones a person writing a rule needs, kept here rather than in a
        validation library so that ``check-text`` starts fast (measured: importing pydantic
        for these two classes cost 60 of the command's 250 ms)."""
        declared = fields(cls)
        names = [f.name for f in declared]
        problems = [f"{key}: is not a known field" for key in raw if key not in names]
        problems += [
            f"{f.name}: is required but missing"
            for f in declared
            if f.default is MISSING and f.name not in raw
        ]
        values: dict[str, Any] = {}
        for key in names:
            if key not in raw:
                continue
            try:
                values[key] = _field(key, raw[key])
            except ValueError as exc:
                problems.append(f"{key}: {exc}")
        if problems:
            raise ValueError("; ".join(problems))
        rule = cls(**values)
        if rule.blocked and not rule.allowed_instead:
            raise ValueError(f"rule: blocked action {rule.id!r} needs an 'allowed_instead' text")
        if rule.blocked and not rule.grounds and not rule.policy_quote:
            raise ValueError(
                f"rule: blocked action {rule.id!r} needs 'grounds' or a 'policy_quote'"
            )
        return rule


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"Input should be a valid string, not {type(value).__name__}")
    return value.strip()


def _field(key: str, value: Any) -> Any:
    if key == "verdict":
        return _choice(Verdict, value)
    if key == "duty":
        return _choice(Duty, value)
    if key == "grounds":
        if not isinstance(value, list | tuple):
            raise ValueError(f"Input should be a list of texts, not {type(value).__name__}")
        return tuple(_text(item) for item in value)
    if key in ("policy_quote", "allowed_instead"):
        return None if value is None else _text(value)
    text = _text(value)
    if key == "id" and not _ID.match(text):
        raise ValueError(f"String should match pattern '{ID_PATTERN}'")
    if len(text) < _MIN_LENGTH.get(key, 0):
        raise ValueError(f"String should have at least {_MIN_LENGTH[key]} characters")
    return text


def _choice(kind: type[StrEnum], value: Any) -> StrEnum:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in kind)
        raise ValueError(f"Input should be one of {allowed}, not {value!r}") from None


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A validated, versioned catalogue."""

    id: str
    name: str
    body: str
    version: str
    rules: tuple[Rule, ...]
    digest: str  # sha256 of the canonical JSON of the rules
    policy_source: str | None = None

    @property
    def version_label(self) -> str:
        """``<semver>+<first 12 hex of the content hash>``: what an audit row records."""
        return f"{self.version}+{self.digest[:12]}"

    def get(self, action_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == action_id:
                return rule
        known = ", ".join(r.id for r in self.rules)
        raise KeyError(f"unknown action {action_id!r} in rule set {self.id!r} (known: {known})")

    def __contains__(self, action_id: object) -> bool:
        return any(rule.id == action_id for rule in self.rules)

    @property
    def blocked(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.blocked)

    @property
    def allowed(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if not r.blocked)


def builtin_rule_sets() -> list[str]:
    """Ids of the rule sets shipped with QuietWatch."""
    folder = resources.files("guardrail") / "rulesets"
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def _read_builtin(rule_set_id: str) -> dict[str, Any]:
    if rule_set_id not in builtin_rule_sets():
        raise RuleSetError(
            f"unknown rule set {rule_set_id!r}; built-in sets: {', '.join(builtin_rule_sets())}"
            " (or set guardrail.replace = true and give your own [[guardrail.rules]])"
        )
    text = (resources.files("guardrail") / "rulesets" / f"{rule_set_id}.toml").read_text("utf-8")
    return tomllib.loads(text)


def _expand_grounds(raw: Mapping[str, Any], grounds: Mapping[str, str]) -> dict[str, Any]:
    data = dict(raw)
    if "grounds" in data:
        if isinstance(data["grounds"], str):
            data["grounds"] = [data["grounds"]]
        if isinstance(data["grounds"], list):
            data["grounds"] = [
                grounds.get(g, g) if isinstance(g, str) else g for g in data["grounds"]
            ]
    return data


def _validate_rules(
    raws: Iterable[Mapping[str, Any]], grounds: Mapping[str, str], where: str
) -> list[Rule]:
    rules: list[Rule] = []
    for index, raw in enumerate(raws):
        if not isinstance(raw, Mapping):
            raise RuleSetError(
                f"{where}[{index}]: a rule must be a table, not {type(raw).__name__}"
            )
        label = raw.get("id", f"#{index + 1}")
        try:
            rules.append(Rule.validate(_expand_grounds(raw, grounds)))
        except ValueError as exc:
            raise RuleSetError(f"{where}[{index}] (rule {label!r}): {exc}") from None
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleSetError(f"{where}: the action id {rule.id!r} appears twice")
        seen.add(rule.id)
    return rules


def _digest(rules: Iterable[Rule]) -> str:
    canonical = json.dumps([r.as_json() for r in rules], sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def build_rule_set(
    rule_set_id: str = DEFAULT_RULE_SET,
    *,
    extra_rules: Iterable[Mapping[str, Any]] = (),
    replace: bool = False,
    version: str | None = None,
    body: str | None = None,
) -> RuleSet:
    """The built-in set ``rule_set_id``, with ``extra_rules`` added (same id: overrides the
    built-in rule) or, with ``replace``, a set made of ``extra_rules`` only."""
    extra_rules = list(extra_rules)
    if replace:
        if not extra_rules:
            raise RuleSetError("guardrail.replace is true but no [[guardrail.rules]] are given")
        base: dict[str, Any] = {"rule_set": {}, "grounds": {}, "actions": []}
        try:
            base = _read_builtin(rule_set_id)
            base["actions"] = []
        except RuleSetError:
            pass
    else:
        base = _read_builtin(rule_set_id)
    meta = dict(base.get("rule_set", {}))
    grounds = dict(base.get("grounds", {}))
    rules = _validate_rules(base.get("actions", []), grounds, f"rule set {rule_set_id}")
    custom = _validate_rules(extra_rules, grounds, "guardrail.rules")
    by_id = {rule.id: rule for rule in rules}
    for rule in custom:
        if rule.id in by_id:
            logger.info("configuration overrides guardrail rule %s", rule.id)
        by_id[rule.id] = rule
    final = tuple(by_id.values())
    set_id = meta.get("id", rule_set_id)
    if custom and not replace:
        set_id = f"{set_id}+config"
    return RuleSet(
        id=set_id,
        name=meta.get("name", rule_set_id),
        body=body or meta.get("body", rule_set_id),
        version=version or meta.get("version", "0.0.0"),
        policy_source=meta.get("policy_source"),
        rules=final,
        digest=_digest(final),
    )


@lru_cache(maxsize=8)
def builtin(rule_set_id: str = DEFAULT_RULE_SET) -> RuleSet:
    """A built-in rule set, unmodified (cached)."""
    return build_rule_set(rule_set_id)


def rule_set_from_config(guardrail_config: Any | None) -> RuleSet:
    """The rule set a clinic's configuration asks for (``store.config.GuardrailConfig``)."""
    if guardrail_config is None:
        return builtin()
    rules = list(getattr(guardrail_config, "rules", []) or [])
    replace = bool(getattr(guardrail_config, "replace", False))
    rule_set_id = getattr(guardrail_config, "rule_set", DEFAULT_RULE_SET) or DEFAULT_RULE_SET
    version = getattr(guardrail_config, "version", None)
    body = getattr(guardrail_config, "body", None)
    if not rules and not replace and version is None and body is None:
        return builtin(rule_set_id)
    return build_rule_set(
        rule_set_id, extra_rules=rules, replace=replace, version=version, body=body
    )
