"""Hosts and origins as an HTTP client reads them, and whether a host is this machine or its
network (no DNS): the checks behind feed fetching, Web Push endpoints and the Origin header."""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from yarl import URL

from notifications.errors import InvalidAddress

# A host name once IDNA has made it ASCII: letters, digits, inner hyphens; and underscores,
# which resolvers accept (some intranet and CDN names have them), unlike "%", "/" or "@".
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
HOST_NAME = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits
DEFAULT_PORTS = {"http": 80, "https": 443}
UNREADABLE_HOST = "le nom de serveur est illisible"


def canonical_host(host: str) -> str:
    """HOST as the HTTP client connects to it: NFKC and IDNA (UTS 46) applied as yarl applies
    them (full-width letters, digits and dots become ASCII), lower case, no trailing dot.

    InvalidAddress when it is neither a host name nor an IP address once normalised (an
    encoding that fails, a "/" or "%" that appears, an empty label).
    """
    text = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        raw = URL.build(scheme="https", host=text).raw_host or ""
    except (ValueError, UnicodeError) as error:
        raise InvalidAddress(UNREADABLE_HOST) from error
    name = raw.lower().removesuffix(".")
    if not (HOST_NAME.fullmatch(name) or (":" in name and host_ip(name) is not None)):
        raise InvalidAddress(UNREADABLE_HOST)
    return name


def is_local(host: str) -> bool:
    """True for this machine and private, link-local or reserved IP addresses, in any spelling,
    and for a host that no client could read (what cannot be checked is never reached).

    The host is first read as the HTTP client reads it (canonical_host: full-width digits are
    digits), numeric hosts as the socket layer reads them (127.1, 2130706433, 0x7f000001 are
    127.0.0.1), and an IPv6 address that carries an IPv4 one (IPv4-mapped, 6to4, NAT64) is
    judged by that IPv4 address. A public name that resolves to a private address is not
    caught: no DNS here (the allowlist of push services is what keeps such names out).
    """
    try:
        name = canonical_host(host)
    except InvalidAddress:
        return True
    if name == "localhost" or name.endswith((".localhost", ".local", ".internal")):
        return True
    ip = host_ip(name)
    if ip is None:
        return False
    ip = carried_ipv4(ip)
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        # fec0::/10, site-local: deprecated, but still routed inside some networks.
        or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)
        or ip.is_unspecified
        or not ip.is_global  # also 100.64.0.0/10 (carriers' NAT), Teredo's 2001::/32
    )


def carried_ipv4(ip: Address) -> Address:
    """The IPv4 address that packets to IP really reach when IP only carries one: IPv4-mapped
    (::ffff:127.0.0.1), 6to4 (2002:7f00:1::), NAT64 (64:ff9b::7f00:1); else IP itself."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return ip
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def host_ip(host: str) -> Address | None:
    """The IP address HOST stands for when it is numeric (any IPv4 form inet_aton reads)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:  # 127.1, 2130706433, 0x7f000001, 0177.0.0.1: all still 127.0.0.1 to a client
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, UnicodeError, ValueError):
        return None


def origin(url: str) -> str | None:
    """scheme://host[:port] of URL, lower case, the port only when not the scheme's default
    ("https://fcm.googleapis.com"): as browsers compare origins. None without a host."""
    try:
        parts = urlsplit(url.strip())
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:  # an unreadable port: the channel refuses the address itself
        return None
    if not parts.scheme or not host:
        return None
    scheme = parts.scheme.lower()
    shown = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        shown = f"{shown}:{port}"
    return f"{scheme}://{shown}"
