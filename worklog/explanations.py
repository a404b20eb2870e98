"""The wording of every explanation and every rule problem: the rule code builds phrases (a code and its named
values, ``worklog.rules.phrases``), and this module words them in the reader's language, for the pages (the
``explain`` filter) and the spreadsheets alike.

Results stored before explanations were phrases hold English text lines: those are shown as they are, since a
sealed month's rows never change.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping

from flask_babel import get_translations, lazy_gettext as _l


def N_(msgid: str) -> str:
    """Marks a text for the catalogs; it is translated when a phrase is worded."""
    return msgid


#: Every phrase's wording, by code. Values are named; a value may be a figure, a grade's code, or a phrase.
PHRASES: dict[str, str] = {
    # How a monthly score was reached (one line each).
    "score.base_points": N_("base points %(points)s"),
    "score.missing_days": N_("working days not submitted: %(count)s × %(unit)s = %(amount)s"),
    "score.late_days": N_("days submitted late: %(count)s × %(unit)s = %(amount)s"),
    "score.discipline": N_("discipline deductions recorded by the panel: %(amount)s"),
    "score.base": N_("max(0, %(points)s − %(missing)s − %(late)s − %(discipline)s) = %(base)s"),
    "score.no_target": N_("no monthly target set for the post (%(target)s): workload 0"),
    "score.workload": N_("%(points)s × min(1, %(approved)s ÷ %(target)s) = %(workload)s"),
    "score.quality_points": N_("quality points %(points)s"),
    "score.returned_entries": N_("entries returned: %(count)s × %(unit)s = %(amount)s"),
    "score.reduced_entries": N_("entries approved with fewer points: %(count)s × %(unit)s = %(amount)s"),
    "score.quality_findings": N_("quality findings and verified complaints recorded by the panel: %(amount)s"),
    "score.quality": N_("max(0, %(points)s − %(returned)s − %(reduced)s − %(findings)s) = %(quality)s"),
    "score.commendations": N_("commendations recorded by the panel: %(amount)s"),
    "score.bonus": N_("min(%(cap)s, max(0, %(commendations)s)) = %(bonus)s"),
    "score.score": N_("%(base)s + %(workload)s + %(quality)s + %(bonus)s = %(score)s"),
    "score.veto": N_("a veto event this month: the grade is the lowest, whatever the score"),
    # An inspection finding about the officer (督察), named so that it can be looked up.
    "score.finding": N_("inspection finding no. %(id)s (%(category)s, %(date)s): %(points)s"),
    "finding.enforcement": N_("enforcement error"),
    "finding.discipline": N_("discipline and conduct"),
    "finding.appearance": N_("police appearance and bearing"),
    "finding.complaint": N_("petition or complaint"),
    # How a grade was reached (monthly, annual, units).
    "veto.yes": N_("a veto"),
    "veto.none": N_("none"),
    "veto.not_allowed": N_("no veto"),
    "places.top": N_("top %(places)s (%(percent)s)"),
    "places.bottom": N_("bottom %(places)s (%(percent)s)"),
    "places.all_within": N_("all of them within the %(places)s"),
    "place.rank_of": N_("rank %(rank)s of %(n)s"),
    "place.tied_at_rank": N_("%(tied)s tied at rank %(rank)s"),
    "place.of_fit": N_("place %(place)s of %(n)s fit for excellent"),
    "place.tied_at_place": N_("%(tied)s tied at place %(place)s"),
    "place.public_rank_of": N_("public rank %(rank)s of %(n)s"),
    "place.tied_at_public_rank": N_("%(tied)s tied at public rank %(rank)s"),
    "place.of_uncarded": N_("place %(place)s of %(n)s without a yellow card"),
    "grade.changed": N_("%(before)s → %(after)s"),
    "months.count": N_("%(count)s month(s)"),
    "months.fewer_than": N_("fewer than %(count)s month(s)"),
    "years.count": N_("%(years)s year(s)"),
    "years.at_least": N_("at least %(years)s year(s)"),
    "figure.missing": N_("missing"),
    # The public evaluation and the units' comprehensive score.
    "public.weight": N_("weight %(percent)s"),
    "public.neither": N_("no poll, no survey"),
    "public.at_least_one": N_("at least one of them"),
    "public.poll_alone": N_("the opinion poll alone: %(value)s"),
    "public.survey_alone": N_("the survey alone: %(value)s"),
    "public.both": N_("the opinion poll and the survey"),
    "unit.work_basis": N_("approved points per officer, with the units under it"),
    "unit.work_indicators": N_("weighted score of the indicators set by %(unit)s (version of %(version)s)"),
    "unit.work_no_indicators": N_("no indicators set for it: approved points per officer, with the units under it"),
    "unit.indicator": N_("%(name)s (%(dimension)s, weight %(weight)s): %(value)s against %(due)s due"),
    "unit.indicator_none": N_("%(name)s (%(dimension)s, weight %(weight)s): no value in the period"),
    "indicator.no_value": N_("no value in the period: left out, the other weights count alone"),
    "indicator.proportional": N_("100 × min(%(cap)s, %(value)s ÷ %(target)s) = %(score)s"),
    "indicator.thresholds": N_("%(value)s is %(share)s of %(target)s; steps %(steps)s: %(score)s"),
    "indicator.deductions": N_("100 − %(per_unit)s × %(value)s = %(score)s (never below 0)"),
    "indicator.no_target": N_("no target asked: %(score)s"),
    "unit.normalised": N_("%(score)s ÷ best %(best)s × 100, among %(peers)s peers"),
    "unit.poll": N_("%(score)s (sample %(sample)s; rounds %(rounds)s)"),
    "unit.poll_year": N_("sample-weighted mean of the year's rounds"),
    "unit.poll_month": N_("latest round of the year"),
    "unit.survey": N_("%(score)s (valid %(valid)s of %(called)s called; reply rate %(rate)s)"),
    "unit.survey_basic": N_("a basically satisfied answer counts %(percent)s"),
    "unit.poll_weight": N_("opinion poll's weight %(percent)s"),
    "unit.weights": N_("work %(work)s, public %(public)s"),
    "unit.rule_set_year": N_("rule set of %(year)s"),
    "unit.comprehensive": N_("%(work_weight)s × %(work)s + %(public_weight)s × %(public)s"),
    "unit.rated_needs": N_("a work score and a public evaluation"),
    "unit.yellow_run": N_("%(count)s yellow cards in a row"),
    # Eligibility: what a rule requires, and what the officer has.
    "requires.grade_count": N_("at least %(at_least)s monthly “%(grade)s” grades in the %(months)s months "
                               "before the reference date"),
    "requires.annual_percentile": N_("annual ranking in the top %(max_percentile)s of the unit and sequence, "
                                     "in each of the last %(years)s finished year(s)"),
    "requires.bottom_percentile": N_("annual ranking in the bottom %(bottom)s of the unit and sequence, in "
                                     "each of the last %(years)s finished year(s)"),
    "requires.service_years": N_("at least %(at_least)s year(s) of service"),
    "requires.no_veto": N_("no veto in the %(months)s months before the reference date, nor in its month"),
    "requires.rank_in": N_("police rank one of: %(ranks)s"),
    "in_years.annual_percentile": N_("annual ranking in the top %(percent)s in %(years)s"),
    "in_years.bottom_percentile": N_("annual ranking in the bottom %(percent)s in %(years)s"),
    "in_window.no_veto": N_("no veto from %(first)s to %(last)s"),
    "years.one": N_("%(year)s"),
    "years.each": N_("each of %(years)s"),
    "has.grade_count": N_("%(count)s “%(grade)s” from %(first)s to %(last)s"),
    "has.years": N_("%(each)s"),
    "has.not_ranked": N_("%(year)s: not ranked"),
    "has.ranked": N_("%(year)s: rank %(rank)s of %(size)s = %(share)s (%(cut)s)"),
    "cut.top": N_("top %(percent)s: %(ranks)s"),
    "cut.too_small": N_("a group of %(size)s, smaller than %(min_group)s: no places"),
    "rounded": N_("%(rule)s; places rounded %(rounding)s, in groups of at least %(min_group)s"),
    "rounding.down": N_("down"),
    "empty.not_ranked": N_("Nobody: no officer has a final annual ranking for the year yet."),
    "empty.groups_too_small": N_("Nobody: %(percent)s of a ranking group, rounded %(rounding)s, gives a place only "
                                 "to a group of %(needed)s or more officers, and the largest group here has "
                                 "%(largest)s."),
    "empty.places_not_taken": N_("Nobody: the groups' places at %(percent)s went to nobody, because officers tied "
                                 "across the cut are left out together, or another rule was not met."),
    "rounding.up": N_("up"),
    "rounding.nearest": N_("to the nearest"),
    "cut.bottom": N_("bottom %(percent)s: %(ranks)s"),
    "ranks.no_one": N_("no one"),
    "ranks.one": N_("rank %(rank)s"),
    "ranks.range": N_("ranks %(first)s–%(last)s"),
    "has.no_hire_date": N_("no hire date on record"),
    "has.service": N_("%(service)s (hired %(hired)s)"),
    "service.years_months": N_("%(years)s year(s) %(months)s month(s)"),
    "service.years": N_("%(years)s year(s)"),
    "service.months": N_("%(months)s month(s)"),
    "has.no_veto": N_("none"),
    "has.vetoes": N_("%(count)s: %(days)s"),
    "has.no_rank": N_("no police rank on record"),
    # Honours proposed from the grades (worklog/rules/honours.py): what a rule asks, what it found.
    "proposes.annual_grade": N_("an annual grade “%(grade)s” in the year"),
    "proposes.monthly_grades": N_("at least %(at_least)s monthly “%(grade)s” grades in the year"),
    "proposes.annual_years": N_("an annual grade “%(grade)s” in each of the last %(years)s years"),
    "honour.annual_grade": N_("annual grade “%(grade)s” in %(year)s"),
    "honour.monthly_grades": N_("%(count)s monthly “%(grade)s” grades in %(year)s (at least %(at_least)s asked)"),
    "honour.annual_years": N_("annual grade “%(grade)s” in each year from %(first)s to %(last)s"),
    # Supervisor leniency (worklog/rules/leniency.py): why a supervisor is flagged, or not judged.
    "leniency.share_low": N_("adjusts or returns %(value)s of the entries reviewed, against the peers' median of "
                             "%(median)s: %(score)s robust deviations (of %(deviation)s) below it"),
    "leniency.share_high": N_("adjusts or returns %(value)s of the entries reviewed, against the peers' median of "
                              "%(median)s: %(score)s robust deviations (of %(deviation)s) above it"),
    "leniency.ratio_high": N_("approves %(value)s of the points reported, against the peers' median of %(median)s: "
                              "%(score)s robust deviations (of %(deviation)s) above it"),
    "leniency.ratio_low": N_("approves %(value)s of the points reported, against the peers' median of %(median)s: "
                             "%(score)s robust deviations (of %(deviation)s) below it"),
    "leniency.few_entries": N_("not judged: %(count)s entries reviewed, fewer than the %(least)s a supervisor needs "
                               "to count"),
    "leniency.small_group": N_("not judged: %(count)s supervisors of this unit and sequence reviewed %(entries)s "
                               "entries or more, fewer than the %(least)s a comparison needs"),
}

#: Every problem a rule set or an eligibility policy can have, by code.
PROBLEMS: dict[str, str] = {
    "value.number": N_("must be a number"),
    "value.whole": N_("must be a whole number"),
    "value.whole_between": N_("must be a whole number from %(low)s to %(high)s"),
    "value.between_working_days": N_("must be from %(low)s to %(high)s working days"),
    "value.between_days": N_("must be from %(low)s to %(high)s days"),
    "value.between_months": N_("must be from %(low)s to %(high)s months"),
    "value.between_people": N_("must be from %(low)s to %(high)s people"),
    "value.between_entries": N_("must be from %(low)s to %(high)s entries"),
    "value.negative": N_("cannot be negative"),
    "value.percent": N_("must be between 0 and 1 (0%% and 100%%)"),
    "value.places": N_("has too many decimal places"),
    "value.fraction": N_("must be a share above 0%% and at most 100%%"),
    "value.fraction_step": N_("must not be finer than 0.01%%"),
    "value.service_between": N_("must be from %(low)s to %(high)s years"),
    "value.service_months": N_("must be a whole number of months (0.5 is six months)"),
    "value.grade": N_("choose a grade"),
    "value.rounding": N_("choose down, up or to the nearest"),
    "value.choice": N_("choose one of the options"),
    "value.scope": N_("the only ranking is within the unit and sequence"),
    "value.ranks": N_("name at least one police rank"),
    "policy.not_mapping": N_("is not a rule the system can read"),
    "policy.params_not_mapping": N_("its parameters cannot be read"),
    "policy.unknown_params": N_("parameters this kind of rule does not have: %(names)s"),
    "policy.param_missing": N_("fill this in"),
    "policy.unknown_fields": N_("fields the rules do not have: %(names)s"),
    "policy.label_not_text": N_("the name must be a text"),
    "policy.no_rules": N_("Give the round at least one rule."),
    "policy.too_many_rules": N_("A round has at most %(most)s rules."),
    "policy.key_missing": N_("the rule has no key"),
    "policy.key_twice": N_("the key %(key)s is used twice"),
    "policy.kind_unknown": N_("choose a kind of rule"),
    "policy.at_least_over_months": N_("asks for more months than its window has: no one could pass"),
    "policy.tie_breakers_not_list": N_("The tie-breakers cannot be read."),
    "ruleset.unknown_fields": N_("Rules this version of the system does not know: %(names)s"),
    "ruleset.completion_order": N_("the completion factors must be ordered: done ≥ mostly done ≥ not done"),
    "ruleset.all_zero": N_("base, workload and quality points cannot all be zero"),
    "ruleset.above_excellent": N_("must not be above the lowest score for excellent"),
    "ruleset.bonus_order": N_("the coefficients must be ordered: excellent ≥ competent ≥ basically competent ≥ "
                              "incompetent"),
    "ruleset.repeat_factor": N_("a repeat cannot weigh less than a first finding: at least 1"),
    "ruleset.above_competent": N_("must not be above the lowest score for competent"),
    "ruleset.unreachable": N_("cannot be reached: the highest possible score is %(top)s"),
    "ruleset.above_unit_excellent": N_("must not be above the units' lowest score for excellent"),
    "ruleset.unit_unreachable": N_("cannot be reached: comprehensive scores go up to 100"),
    "ruleset.ratio_below_one": N_("must be 0 (no limit) or at least 1: the highest share cannot be below the "
                                  "lowest"),
    "ruleset.above_zero": N_("must be above 0"),
}

#: The policies a round can start from (``worklog.rules.eligibility.DEFAULT_POLICIES``).
POLICY_LABELS = {
    "competitive_promotion": _l("Competitive promotion"),
    "post_promotion": _l("Promotion of post or rank"),
    "warning_talk": _l("Warning talk"),
    "removal": _l("Removal from post candidates"),
}

#: The kinds of eligibility rule, as the policy form offers them.
RULE_KIND_LABELS = {
    "grade_count": _l("Monthly grades of a kind"),
    "annual_percentile": _l("Top of the annual ranking"),
    "bottom_percentile": _l("Bottom of the annual ranking"),
    "service_years": _l("Years of service"),
    "no_veto": _l("No veto"),
    "rank_in": _l("Police rank"),
}

#: The kinds of tie-breaker: more comes first for each.
TIE_BREAKER_LABELS = {
    "grade_count": _l("More monthly grades of a kind"),
    "annual_score": _l("Higher annual score"),
    "service_years": _l("Longer service"),
}

#: The parameters of the rules and tie-breakers.
PARAM_LABELS = {
    "grade": _l("Grade"),
    "months": _l("Months"),
    "at_least": _l("At least"),
    "max_percentile": _l("Top share (%)"),
    "bottom": _l("Bottom share (%)"),
    "years": _l("Finished years"),
    "scope": _l("Ranking within"),
    "rounding": _l("Places rounded"),
    "min_group": _l("Smallest group with places"),
    "ranks": _l("Police ranks (separated by commas)"),
    "label": _l("Name (optional)"),
    "kind": _l("Kind of rule"),
}

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
#: Values that hold a grade's code, worded as the grade's name.
_GRADE_VALUES = ("grade", "before", "after")


def placeholders(template: str) -> set[str]:
    """The named values a wording uses."""
    return set(_PLACEHOLDER.findall(template))


class Wording:
    """Words phrases with the translations of the moment (the page's language, or a job's): made once per page
    or spreadsheet, so a list of 100,000 rows looks the translations up once."""

    def __init__(self, translations: Any = None):
        translations = translations if translations is not None else get_translations()
        self._gettext: Callable[[str], str] = translations.ugettext
        self._cache: dict[str, str] = {}
        from worklog.labels import GRADE_LABELS
        self._grades = {code: str(label) for code, label in GRADE_LABELS.items()}

    def _t(self, msgid: str) -> str:
        found = self._cache.get(msgid)
        if found is None:
            found = self._cache[msgid] = self._gettext(msgid)
        return found

    def say(self, value: Any) -> str:
        """A stored value as text: a phrase worded, a list of phrases one after the other, a text as it is
        (an older result's English line, an officer's rank, a figure), nothing as nothing."""
        if value is None:
            return ""
        if isinstance(value, Mapping) and "code" in value:
            return self._phrase(str(value["code"]), value.get("args") or {}, PHRASES)
        if isinstance(value, (list, tuple)):
            return self._t("; ").join(self.say(v) for v in value)
        return str(value)

    def _phrase(self, code: str, args: Mapping[str, Any], table: Mapping[str, str]) -> str:
        template = table.get(code)
        if template is None:  # a code from a newer version of the system: its values, at least
            return code + (" " + ", ".join(f"{k}={self.say(v)}" for k, v in args.items()) if args else "")
        values = {name: self._value(name, v) for name, v in args.items()}
        try:
            return self._t(template) % values
        except (KeyError, TypeError, ValueError):  # a translation that lost a value: the source's wording
            return template % values

    def _value(self, name: str, value: Any) -> str:
        if name in _GRADE_VALUES and isinstance(value, str) and value in self._grades:
            return self._grades[value]
        return self.say(value)

    def problem(self, problem: Any) -> str:
        """A rule problem (``RuleProblem``) as a sentence: where it is (rule n, parameter), then what is wrong."""
        code, args = problem.code, dict(problem.args_)
        rule, breaker, param = args.pop("rule", None), args.pop("tie_breaker", None), args.pop("param", None)
        message = self._phrase(code, args, PROBLEMS)
        where = []
        if rule is not None:
            where.append(self._t(N_("Rule %(n)s")) % {"n": rule})
        if breaker is not None:
            where.append(self._t(N_("Tie-breaker %(n)s")) % {"n": breaker})
        if param is not None:
            where.append(str(PARAM_LABELS.get(param, param)))
        return (" · ".join(where) + self._t(N_(": ")) + message) if where else message

    def problems(self, problems: Iterable[Any]) -> list[str]:
        return [self.problem(p) for p in problems]

    def check(self, check: Mapping[str, Any] | Any) -> tuple[str, str, bool]:
        """An eligibility check (stored dict or ``RuleCheck``) as (what the rule requires, what the officer has,
        passed). An older stored check (texts) reads as it always did: its label, then value (threshold)."""
        get = check.get if isinstance(check, Mapping) else (lambda name, default=None: getattr(check, name, default))
        value, threshold, label = get("value"), get("threshold"), get("label") or ""
        if isinstance(threshold, str):
            return label, f"{self.say(value)} ({threshold})", bool(get("passed"))
        return self.say(threshold), self.say(value), bool(get("passed"))

    def check_line(self, check: Mapping[str, Any] | Any) -> str:
        """An eligibility check on one line: "requires: has ✓"."""
        requires, has, passed = self.check(check)
        return f"{requires}{self._t(N_(': '))}{has} {'✓' if passed else '✗'}"


def wording() -> Wording:
    return Wording()


def say(value: Any) -> str:
    """One value worded in the current language (a page's or a job's): see ``Wording.say``."""
    return Wording().say(value)


def problem_text(problem: Any) -> str:
    return Wording().problem(problem)


def rule_name(rule: Mapping[str, Any]) -> str:
    """A policy's rule by name: its label if the policy gives one, else what it requires."""
    from worklog.rules.eligibility import rule_phrase
    from worklog.rules.eligibility import RULE_KINDS
    label = str(rule.get("label") or "").strip()
    if label:
        return label
    if rule.get("kind") not in RULE_KINDS or not isinstance(rule.get("params") or {}, Mapping):
        return str(rule.get("key") or "?")
    return say(rule_phrase(str(rule["kind"]), rule.get("params") or {}))
