"""A round's rules as the policy form posts them: one row per rule, its kind and labelled values."""
from __future__ import annotations


def policy_data(policy: dict) -> dict[str, str]:
    """The form's fields for ``policy`` (shares typed as percents, as people type them)."""
    data: dict[str, str] = {}
    for i, rule in enumerate(policy.get("rules", [])):
        row, params, kind = f"rules-{i}-", rule.get("params", {}), rule["kind"]
        data[row + "key"] = rule.get("key", "")
        data[row + "kind"] = kind
        data[row + "label"] = rule.get("label", "")
        for name, value in params.items():
            if name in ("max_percentile", "bottom"):
                data[row + "share"] = str(float(value) * 100)
            elif name == "at_least" and kind == "service_years":
                data[row + "service"] = str(value)
            elif name == "ranks":
                data[row + "ranks"] = ", ".join(value)
            elif name != "scope":
                data[row + name] = str(value)
    for i, breaker in enumerate(policy.get("tie_breakers", [])):
        row = f"tie_breakers-{i}-"
        data[row + "kind"] = breaker["kind"]
        for name, value in (breaker.get("params") or {}).items():
            data[row + name] = str(value)
    return data
