"""Guardrail commands: `check-text`, `audit`, `rules`, and the refusals.

``check-text`` is a pre-send and website CI check: exit 0 when the text is clean, 1 when it
asks for reviews or testimonials, 2 on a usage error.  ``audit`` lists the append-only
audit log.  ``reply``, ``contact-reviewer`` and ``request-reviews`` exist so that whoever
looks for them learns why not: each records the attempt and explains the rule.
"""

import getpass
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from guardrail.rules import RuleSet, builtin, rule_set_from_config

EXIT_CLEAN, EXIT_FOUND, EXIT_USAGE = 0, 1, 2


def _console() -> Any:
    """The report console (rich), imported only by the commands that draw with it."""
    from quietwatch.console import report_console

    return report_console()


def _qw() -> Any:
    return click.get_current_context().find_root().obj


def _rule_set() -> RuleSet:
    """The configured rule set; the built-in one when no config file exists and none was
    asked for (check-text must work in a website's CI without a QuietWatch config)."""
    qw = _qw()
    if qw is None or not qw.config_file_used:
        return builtin()
    from store.config import ConfigError

    try:
        return rule_set_from_config(qw.config.guardrail)
    except ConfigError:
        if qw.config_path is not None:
            raise
        return builtin()


def _policy() -> Any:
    """The clinic's own policy (``[clinic] policy_file``), quoted in explanations; None
    without one (no other clinic's policy is ever quoted)."""
    qw = _qw()
    if qw is None or not qw.config_file_used:
        return None  # no config: no policy, and the store's config is not imported
    from guardrail import policy
    from store.config import ConfigError, relative_to_config

    try:
        clinic = qw.config.clinic
    except ConfigError:
        return None
    if clinic is None or clinic.policy_file is None:
        return None
    path = relative_to_config(qw.config, clinic.policy_file)
    try:
        return policy.load(path, clinic.policy_name)
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(
            f"the clinic's policy file {path} cannot be read: {exc}"
        ) from None


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


@click.command("check-text")
@click.argument("source", type=click.Path(allow_dash=True, dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable findings.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "text", "html"]),
    default="auto",
    show_default=True,
    help="How to read SOURCE (auto: HTML when it looks like HTML).",
)
@click.option("--base-url", help="Resolve relative links in HTML against this URL.")
@click.option("--strict", is_flag=True, help="Fail on warnings too (e.g. a plain RateMDs link).")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Processes that read a long text (100,000 characters or more) side by side; the "
    "findings are the same.  Default: one per CPU this process may use.",
)
def check_text(
    source: str, as_json: bool, fmt: str, base_url: str | None, strict: bool, jobs: int | None
) -> None:
    """Check outgoing text (a newsletter, e-mail, web page, social post, intake form) for
    requests for reviews, ratings or testimonials.  SOURCE is a file, or - for stdin.

    Exit status: 0 clean (or only warnings: sentences a person should read), 1 solicitation
    found (or any warning, with --strict), 2 usage error.
    """
    from guardrail.checker import LineIndex, available_cpus, check_html, looks_like_html
    from guardrail.checker import check_text as check
    from guardrail.model import model_version

    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.UsageError(f"cannot read {source}: {exc}") from None
    rule_set = _rule_set()
    is_html = fmt == "html" or (
        fmt == "auto" and (source.lower().endswith((".html", ".htm")) or looks_like_html(text))
    )
    workers = jobs or available_cpus()
    result = (
        check_html(text, base_url=base_url, rule_set=rule_set, workers=workers)
        if is_html
        else check(text, rule_set=rule_set, workers=workers)
    )
    failing = [f for f in result.findings if strict or f.severity == "finding"]
    warnings = [f for f in result.findings if f.severity != "finding"]
    name = "<stdin>" if source == "-" else source
    lines = LineIndex(result.text)
    if as_json:
        rows = []
        for f in result.findings:
            row = f.as_dict()
            row["line"], row["column"] = (
                lines.line_col(f.start) if f.start is not None else (None, None)
            )
            rows.append(row)
        _echo_json(
            {
                "source": name,
                "format": "html" if is_html else "text",
                "clean": not failing,
                "rule_set": rule_set.id,
                "rule_version": rule_set.version_label,
                "model_version": model_version(),
                "findings": rows,
            }
        )
    else:
        # A CI log or a pipe gets plain lines, written as they are (rich is not even
        # imported: it is a fifth of check-text's start-up, and a page of thousands of
        # findings spent more time drawn through it than found); a terminal gets styles.
        styled = sys.stdout.isatty() or bool(os.environ.get("FORCE_COLOR"))
        if styled:
            from rich.markup import escape

        def shown(text: str, style: str | None = None) -> str:
            if not styled:
                return text
            return f"[{style}]{escape(text)}[/]" if style else escape(text)

        report = []
        for f in result.findings:
            where = name
            if f.start is not None:
                line, column = lines.line_col(f.start)
                where = f"{name}:{line}:{column}"
            label = "needs a person" if f.severity != "finding" else "solicitation"
            report.append(
                f"{shown(where, 'bold')}: {label} {shown(f'[{f.category}]')} "
                f"rule {shown(f.rule_id)}: {shown(repr(f.text), 'yellow')}"
            )
            report.append(f"    {shown(f.explanation)}")
        if failing:
            report.append(
                f"{len(failing)} finding(s) in {shown(name)}. The clinic does not ask for "
                f"reviews, ratings or testimonials (rule set {rule_set.id} {rule_set.version_label})."
            )
        else:
            report.append(f"{shown(name)}: no solicitation found.")
        if warnings:
            report.append(
                f"{len(warnings)} warning(s): a person should read them "
                f"({'they fail with --strict' if not strict else 'failing: --strict'})."
            )
        if styled:
            _console().print("\n".join(report), soft_wrap=True)
        else:
            click.echo("\n".join(report))
    sys.exit(EXIT_FOUND if failing else EXIT_CLEAN)


@click.command("audit")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the newest N entries.")
@click.option("--action", "action_id", help="Only entries for this action id.")
@click.option(
    "--verify",
    is_flag=True,
    help="Check the log's hash chain and head file: exit 0 when intact, 1 naming the first "
    "entry that does not hold.",
)
def audit(as_json: bool, limit: int | None, action_id: str | None, verify: bool) -> None:
    """List the audit log: every blocked attempt, oldest first.  Nothing edits or deletes it.

    Attempts kept in the pending file while the database was unreachable are added first.
    """
    from rich.markup import escape

    from store import audit as audit_log
    from store import queries
    from store.db import Session

    qw = _qw()
    pending = audit_log.pending_path(qw.read_engine, qw.data_dir)
    if pending is not None and pending.exists():
        added = audit_log.import_pending(qw.engine, qw.data_dir)
        click.echo(f"Added {added} attempt(s) kept while the audit log was unreachable.", err=True)
    if verify:
        report = audit_log.check(qw.read_engine, qw.data_dir)
        if as_json:
            _echo_json(report.__dict__)
        else:
            click.echo(("Intact: " if report.ok else "BROKEN: ") + report.message)
            click.echo(f"Newest entry's hash: {report.head or '(empty log)'}")
        sys.exit(0 if report.ok else EXIT_FOUND)
    with Session(qw.read_engine) as session:
        rows = [
            r.model_dump() for r in queries.audit_entries(session, limit=limit, action_id=action_id)
        ]
    if as_json:
        _echo_json(rows)
        return
    console = _console()
    if not rows:
        console.print("The audit log is empty: no blocked attempt has been recorded.")
        return
    from rich.table import Table

    table = Table(title="Audit log (append-only)", title_justify="left")
    for column in ("id", "when (UTC)", "action", "rule set", "version", "from", "user", "target"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["at"].strftime("%Y-%m-%d %H:%M:%S"),
            escape(row["action_id"]),
            escape(row["rule_set"]),
            escape(row["rule_version"]),
            escape(row["origin"]),
            escape(row["user"] or "unknown"),
            escape(row["target"] or ""),
        )
    console.print(table)


@click.command("rules")
@click.argument("action_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def rules(action_id: str | None, as_json: bool) -> None:
    """The guardrail's catalogue: what is blocked, why, and what to do instead."""
    from guardrail.enforce import explain

    rule_set = _rule_set()
    if action_id:
        try:
            explanation = explain(action_id, rule_set, policy=_policy())
        except KeyError as exc:
            raise click.UsageError(str(exc.args[0])) from None
        if as_json:
            _echo_json(explanation.as_dict())
        else:
            click.echo(explanation.as_text())
        return
    if as_json:
        _echo_json(
            {
                "rule_set": rule_set.id,
                "name": rule_set.name,
                "version": rule_set.version_label,
                "actions": [r.as_json() for r in rule_set.rules],
            }
        )
        return
    from rich.markup import escape

    console = _console()
    console.print(
        f"[bold]{escape(rule_set.name)}[/] (rule set {rule_set.id}, {rule_set.version_label})"
    )
    for title, group in (("Blocked", rule_set.blocked), ("Allowed", rule_set.allowed)):
        console.print(f"\n[bold]{title}[/]")
        for rule in group:
            console.print(f"  {rule.id:<30} {escape(rule.title)} ({rule.verdict.value})")
    console.print("\n`quietwatch rules ACTION_ID` explains one action.")


def _refusal(name: str, action_id: str, help_text: str, takes_review: bool) -> click.Command:
    def refuse(review_id: str | None = None) -> None:
        from guardrail.enforce import block

        try:
            user = getpass.getuser()
        except Exception:  # no login name in some containers
            user = None
        qw = _qw()
        explanation = block(
            action_id,
            origin="cli",
            engine_or_session=qw.engine,
            data_dir=qw.data_dir,
            user=user,
            target=f"review {review_id}" if review_id else None,
            detail=f"quietwatch {name}",
            rule_set=_rule_set(),
            policy=_policy(),
        )
        click.echo(explanation.as_text(), err=True)
        sys.exit(EXIT_FOUND)

    params = [click.Argument(["review_id"], required=False)] if takes_review else []
    return click.Command(name, callback=refuse, params=params, help=help_text)


reply = _refusal(
    "reply", "reply_to_review", "Reply to a review: refused, recorded and explained.", True
)
contact_reviewer = _refusal(
    "contact-reviewer",
    "contact_reviewer",
    "Contact a reviewer: refused, recorded and explained.",
    True,
)
request_reviews = _refusal(
    "request-reviews",
    "review_request",
    "Send review requests: refused, recorded and explained.",
    False,
)
