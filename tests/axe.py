"""axe-core (npm, pinned in package-lock.json) run in a Playwright page: the WCAG 2.1 A and AA
rules, and the violations a person would be blocked by (impact serious or critical).

axe is injected with `page.evaluate` of its source, not `add_script_tag` (an inline script,
which the pages' security policy refuses) nor a context with `bypass_csp=True`: that would
also let through what the policy blocks for residents (an inline style, say), and axe would
judge a page nobody sees. Code evaluated by the test driver is not subject to the page's
policy, so the page stays exactly as served.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from playwright.sync_api import Page

from arobase.settings import ROOT

AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = frozenset({"serious", "critical"})
MISSING_AXE = (
    f"axe-core is missing at {AXE_SCRIPT}: run `scripts/setup.sh axe` (npm ci from "
    "package-lock.json). The accessibility tests must not be skipped."
)
# Runs in the page: axe over the whole document, WCAG 2.1 A/AA rules only; the violations'
# fields the report needs (axe's own objects hold DOM references).
RUN_AXE = """async tags => {
  const results = await axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  return results.violations.map(v => ({
    rule: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.join(" "), html: n.html, summary: n.failureSummary || "",
    })),
  }));
}"""


@dataclass(frozen=True)
class Failure:
    """One element that breaks a rule: its selector, its HTML, and axe's explanation."""

    target: str
    html: str
    summary: str


@dataclass(frozen=True)
class Violation:
    """One axe rule broken on a page, with the elements that break it."""

    rule: str
    impact: str
    help: str
    url: str
    failures: tuple[Failure, ...]

    def describe(self) -> str:
        lines = [f"- [{self.impact}] {self.rule}: {self.help} ({self.url})"]
        for failure in self.failures:
            lines.append(f"    {failure.target}\n      {failure.html}")
            lines += [f"      {line}" for line in failure.summary.splitlines() if line.strip()]
        return "\n".join(lines)


@cache
def axe_source() -> str:
    """axe-core's script; fails (never skips) when the set-up did not install it."""
    if not AXE_SCRIPT.exists():
        pytest.fail(MISSING_AXE)
    return AXE_SCRIPT.read_text(encoding="utf-8")


def violation(found: dict[str, Any]) -> Violation:
    failures = tuple(Failure(n["target"], n["html"], n["summary"]) for n in found["nodes"])
    return Violation(found["rule"], found["impact"] or "", found["help"], found["url"], failures)


def blocking_violations(page: Page) -> list[Violation]:
    """The serious and critical WCAG 2.1 A/AA violations on PAGE as it stands."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    found = page.evaluate(RUN_AXE, TAGS)
    return [violation(v) for v in found if v["impact"] in BLOCKING]


def report(where: str, violations: list[Violation]) -> str:
    """VIOLATIONS as a readable assertion message about the page WHERE."""
    rules = "\n".join(v.describe() for v in violations)
    return f"{where}: {len(violations)} serious or critical axe violation(s)\n{rules}"


def assert_accessible(page: Page, where: str) -> None:
    """No serious or critical WCAG 2.1 A/AA violation on PAGE (WHERE names it)."""
    violations = blocking_violations(page)
    assert not violations, report(where, violations)
