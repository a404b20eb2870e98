"""X-Forwarded-* headers believed only when the connection comes from one of the configured proxies."""
from __future__ import annotations

import ipaddress
from typing import Iterable

from werkzeug.middleware.proxy_fix import ProxyFix


def parse_networks(addresses: Iterable[str] | str) -> tuple:
    """Addresses and CIDR networks from a list, or from text separated by commas or spaces (an environment
    variable). A wrong entry stops the start: a typo must not silently trust nobody, or everybody."""
    if isinstance(addresses, str):
        addresses = addresses.replace(",", " ").split()
    return tuple(ipaddress.ip_network(str(a).strip(), strict=False) for a in addresses if str(a).strip())


class TrustedProxyFix:
    """ProxyFix for requests whose immediate peer is a trusted proxy; every other request keeps its own address.

    ProxyFix alone trusts the last PROXY_COUNT entries of X-Forwarded-For whoever sends them: with no proxy in
    front (or a client that reaches the server directly) anyone could choose the address that the per-address
    sign-in limit counts, and escape it by changing the header at every guess."""

    def __init__(self, wsgi_app, count: int, trusted: Iterable[str] | str):
        self.wsgi_app = wsgi_app
        self.networks = parse_networks(trusted)
        self.fixed = ProxyFix(wsgi_app, x_for=count, x_proto=count, x_host=count)

    def is_trusted(self, address: str | None) -> bool:
        try:
            peer = ipaddress.ip_address((address or "").split("%")[0])
        except ValueError:
            return False
        return any(peer in network for network in self.networks if network.version == peer.version)

    def __call__(self, environ, start_response):
        if self.is_trusted(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.wsgi_app(environ, start_response)
