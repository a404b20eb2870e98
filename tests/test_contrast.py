"""Links are readable: their colour stands at least 4.5:1 (WCAG AA) against every light background the
stylesheet gives a page, a card, a table heading or a message."""
from __future__ import annotations

import os
import re

from worklog import ROOT


def _stylesheet() -> str:
    with open(os.path.join(ROOT, "worklog", "static", "worklog.css"), encoding="utf-8") as f:
        return f.read()


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _resolve(value: str, variables: dict[str, str]) -> str:
    match = re.fullmatch(r"var\((--[\w-]+)\)", value.strip())
    return variables[match.group(1)] if match else value.strip()


def test_the_contrast_formula_on_known_pairs():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # the lightest grey that passes on white


def test_every_link_colour_stands_out_from_every_light_background():
    css = _stylesheet()
    variables = dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{3,6})", css))
    backgrounds = {variables["--bg"], variables["--card"]}
    found = re.findall(r"background:\s*(#[0-9a-fA-F]{3,6}|var\(--[\w-]+\))", css)
    backgrounds |= {_resolve(value, variables) for value in found}
    light = {b for b in backgrounds if b.startswith("#") and _luminance(b) > 0.5}
    links = set()
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        if re.search(r"(^|[\s,>])(a|summary)([\s,:.\[]|$)", selector.strip()) and "topbar" not in selector \
                and "menu" not in selector:
            for value in re.findall(r"(?<![-\w])color:\s*([^;]+)", body):
                if value.strip() not in ("inherit", "currentColor"):
                    links.add(_resolve(value, variables))
    assert variables["--accent"] in links
    poor = sorted(f"{link} on {background}: {contrast(link, background):.2f}"
                  for link in links for background in light if contrast(link, background) < 4.5)
    assert not poor, poor
