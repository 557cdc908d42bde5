"""The size DynamoDB bills an item at, from its attribute values (low-level format).

DynamoDB's rules: an attribute costs its name's UTF-8 bytes plus its value's; a string its
UTF-8 bytes; binary its bytes; a number about one byte per two significant digits plus one;
a boolean or null one byte; a list or map three bytes plus one per element plus its elements
(a map's element names count too).
"""

from __future__ import annotations

import math
from typing import Any


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def value_size(value: dict[str, Any]) -> int:
    kind, data = next(iter(value.items()))
    if kind == "S":
        return len(data.encode())
    if kind == "B":
        return len(data if isinstance(data, bytes | bytearray) else bytes(data))
    if kind == "N":
        return number_size(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(element) for element in data)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + value_size(v) for name, v in data.items())
    if kind == "SS":
        return sum(len(element.encode()) for element in data)
    if kind == "NS":
        return sum(number_size(element) for element in data)
    if kind == "BS":
        return sum(len(element) for element in data)
    raise ValueError(f"unknown DynamoDB type {kind}")


def number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").lstrip("0").rstrip("0") or "0"
    return math.ceil(len(digits) / 2) + 1
