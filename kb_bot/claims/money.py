"""Money typed by a person: integer yen, never a fraction, never above :data:`MAX_YEN`.

One parser for every surface (the CLI's options, the app's forms, the premium file's cells), so the
same text is accepted or refused with the same message everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from kb_bot.claims.cases import ClaimsError

MAX_YEN = 1_000_000_000
"""The largest amount one input may carry (a benefit month, a payment, a premium, a write-off …):
10億円, far above any real claim; sums of many such amounts still fit the BIGINT columns."""


def check_yen(amount: int, what: str) -> int:
    """``amount`` if it is within 0 … :data:`MAX_YEN`; otherwise a :class:`ClaimsError` naming ``what``."""
    if amount < 0:
        raise ClaimsError(f"{what} {amount:,}円 は0円以上にしてください")
    if amount > MAX_YEN:
        raise ClaimsError(f"{what} {amount:,}円 は上限 {MAX_YEN:,}円 を超えています。桁を確認してください")
    return amount


def parse_yen(text: Any, what: str, *, required: bool = True) -> int | None:
    """Integer yen: ``20000``, ``20,000``, ``２０，０００円``; empty → None (or an error when required)."""
    raw = unicodedata.normalize("NFKC", str(text if text is not None else "")).strip()
    cleaned = raw.replace(",", "").replace("円", "").strip()
    if not cleaned:
        if required:
            raise ClaimsError(f"{what}を円単位の整数で入力してください")
        return None
    if not re.fullmatch(r"\d+", cleaned, re.ASCII):
        raise ClaimsError(f"{what} {raw!r} は円単位の整数（例: 20000）で書いてください")
    return check_yen(int(cleaned), what)
