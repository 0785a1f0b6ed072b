"""Country lookup for IPv4 addresses from a small built-in range table."""

from __future__ import annotations

from functools import lru_cache

# Documentation-style allocation table: network, prefix length, ISO country code.
_NETWORKS = """
3.0.0.0/9 US      3.128.0.0/9 US     5.8.0.0/13 RU      5.144.0.0/14 DE
13.32.0.0/12 US   18.128.0.0/9 US    23.20.0.0/14 US    31.13.0.0/16 IE
34.64.0.0/10 US   35.180.0.0/14 FR   37.120.0.0/15 NL   41.0.0.0/11 ZA
43.224.0.0/11 IN  45.32.0.0/14 JP    46.100.0.0/14 IR   49.36.0.0/14 IN
51.15.0.0/16 FR   52.58.0.0/15 DE    54.144.0.0/12 US   58.96.0.0/12 AU
62.210.0.0/16 FR  66.249.64.0/19 US  77.88.0.0/18 RU    78.46.0.0/15 DE
80.67.0.0/16 GB   81.2.64.0/18 GB    82.165.0.0/16 DE   85.214.0.0/15 DE
88.198.0.0/16 DE  91.108.0.0/16 NL   93.184.216.0/24 US 95.108.128.0/17 RU
101.0.0.0/12 CN   103.21.244.0/22 SG 106.0.0.0/11 CN    110.224.0.0/11 IN
114.0.0.0/12 CN   118.0.0.0/11 KR    121.128.0.0/10 KR  126.0.0.0/8 JP
138.68.0.0/16 US  139.59.0.0/16 IN   141.101.64.0/18 GB 151.101.0.0/16 US
157.240.0.0/16 US 159.89.0.0/16 DE   167.71.0.0/16 SG   172.217.0.0/16 US
176.9.0.0/16 DE   177.0.0.0/10 BR    178.62.0.0/17 GB   185.60.216.0/22 IE
186.192.0.0/11 BR 188.40.0.0/16 DE   190.0.0.0/11 AR    193.0.0.0/13 NL
195.154.0.0/16 FR 197.0.0.0/10 EG    200.0.0.0/11 MX    201.0.0.0/11 BR
202.0.0.0/11 AU   203.0.113.0/24 AU  206.190.32.0/19 US 209.85.128.0/17 US
210.140.0.0/14 JP 213.180.192.0/19 RU 217.0.0.0/13 DE   220.181.0.0/16 CN
"""


def ip_to_int(ip: str) -> int:
    """``"10.1.2.3"`` -> ``167838211``; raises ``ValueError`` for anything else."""
    parts = ip.split(".")
    if len(parts) != 4:
        raise ValueError(f"not an IPv4 address: {ip!r}")
    value = 0
    for part in parts:
        octet = int(part)
        if not 0 <= octet <= 255:
            raise ValueError(f"not an IPv4 address: {ip!r}")
        value = (value << 8) | octet
    return value


def _load_ranges(text: str) -> list[tuple[int, int, str]]:
    ranges = []
    fields = text.split()
    for network, country in zip(fields[0::2], fields[1::2]):
        address, _, bits = network.partition("/")
        start = ip_to_int(address)
        size = 1 << (32 - int(bits))
        ranges.append((start, start + size - 1, country))
    ranges.sort()
    return ranges


RANGES = _load_ranges(_NETWORKS)


@lru_cache(maxsize=8192)
def country_for_ip(ip: str) -> str:
    """ISO country code of an IPv4 address, ``"??"`` if unknown or not an address."""
    try:
        value = ip_to_int(ip)
    except ValueError:
        return "??"
    for start, end, country in RANGES:
        if start <= value <= end:
            return country
    return "??"
