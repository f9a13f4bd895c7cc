"""A resident reports a problem in the commune: which service handles it, and how to reach it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from arobase.replies import Answer, now_status
from arobase.town import Service, Town

OTHER = "autre"  # the problem key the others fall back to
EMERGENCY = (
    "En cas de danger pour des personnes, appelez le 112 "
    "(ou le 17 pour la police, le 18 pour les pompiers)."
)


@dataclass(frozen=True)
class ReportRoute:
    """Where a report goes: the problem key of the town file that matched (None when the
    town file says nothing: the main service), its label, the service and the advice."""

    problem: str | None
    label: str | None
    service: Service
    advice: str | None = None


def route_report(town: Town, problem: str | None) -> ReportRoute:
    """The town's entry for PROBLEM, else its `autre` entry, else the main service."""
    for key in (problem, OTHER):
        entry = town.reports.get(key) if key else None
        if entry is not None:
            return ReportRoute(key, entry.label, town.services[entry.service], entry.advice)
    return ReportRoute(None, None, town.main_service)


def report_answer(town: Town, problem: str | None, now: dt.datetime) -> Answer:
    """Thanks, the service that handles PROBLEM (a problem key, or None) with its phone,
    e-mail and whether it is open now, the advice, and the emergency numbers.

    It only builds the answer: passing the report on to the staff is the caller's job
    (route_report says to whom)."""
    route = route_report(town, problem)
    service = route.service
    about = f"Pour {route.label}" if route.label else "Pour le signaler"
    lines = [
        f"Merci de votre signalement. {about}, contactez {service.short} :",
        f"Téléphone : {service.phone}",
        f"Courriel : {service.email}",
        now_status(town, service, now),
    ]
    if route.advice:
        lines.append(route.advice)
    lines.append(EMERGENCY)
    return Answer("\n".join(lines))
