"""The claims module's settings (``[claims]`` in kb-bot.toml, or ``KB_BOT_CLAIMS_<FIELD>``).

Office choices and rules the domain brief marks 要確認 are settings, never hard-coded; statutory rules
(第24条 14/30 days, the 5-year prescription, the 40 % cap of 第78条) are constants in the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kb_bot.settings import Settings, SettingsError

DECLARATION_TYPES = {
    "income_monthly": "収入申告（毎月）",
    "income_periodic": "収入申告（定期）",
    "assets": "資産申告",
    "household_change": "世帯変動の届出",
    "tax_survey": "課税調査の判明",
    "other": "その他の届出",
}
"""Types of received declarations (申告・届出), each with its own processing deadline setting."""

RENEWAL_EVENTS = ("installment_plan", "payment")
"""Events that may be set to renew the prescription as 債務の承認 (民法第152条): 一部納付, 分割納付の承認."""


@dataclass(frozen=True)
class ClaimsSettings:
    declaration_deadline_days: int = 14
    """Days from receipt to process a declaration (an office choice, not law)."""
    declaration_deadline_days_by_type: dict[str, int] = field(default_factory=dict)
    """Per-type override of the above, e.g. ``{assets = 30}``; keys from ``DECLARATION_TYPES``."""
    alert_within_days: int = 3
    """Alert when a deadline is this many days away or less."""
    holidays_file: Path | None = None
    """The office's holiday calendar (CSV ``date,name``); empty = the bundled ``kb_bot/data/holidays.csv``."""
    closed_days: tuple[str, ...] = ("12-29", "12-30", "12-31", "01-01", "01-02", "01-03")
    """Month-days the office is closed every year (条例); 納期限 on these move to the next business day."""
    dunning_within_days: int = 20
    """督促 is due within this many days after 納期限 (the office's 規則; 20 is a common value)."""
    dunning_deadline_days: int = 10
    """Default deadline a 督促 designates: this many days after the 督促, moved to a business day."""
    dunning_renewal_start: str = "after_deadline"
    """When the prescription starts again after a 督促 (要確認): ``after_deadline`` = the day after the
    designated deadline; ``after_dunning`` = the day after the 督促 itself."""
    prescription_renewal_events: tuple[str, ...] = ("payment",)
    """Events besides 督促 and an explicit 時効更新 that renew the prescription: ``payment`` (一部納付 is
    債務の承認, the default) and ``installment_plan`` (分割納付の申出; add it when the office treats the
    signed plan as 承認)."""
    prescription_alert_months: int = 6
    """The ``prescription`` list and the alerts show claims whose 時効 completes within this many months."""
    kaigo_approval: str = "cw"
    """Who decides the 介護保険料加算 drafts: ``cw`` = the case's CW confirms each draft;
    ``sv_batch`` = the team's SV approves all drafts of an import at once."""
    office_contact: str = ""
    """問合せ先 printed in dunning messages, e.g. ``○○市 収納係 03-0000-0000`` (required for the export)."""
    dunning_template_id: str = "DUN01"
    """Template id at the message service for an overdue claim."""
    installment_template_id: str = "DUN02"
    """Template id for a missed installment."""
    export_forbidden_words: tuple[str, ...] = (
        "生活保護",
        "保護",
        "福祉",
        "扶助",
        "ケース",
        "マイナンバー",
        "個人番号",
        "徴収金",
        "返還金",
        "不正",
    )
    """Words that must never appear in the dunning export; the export refuses to run if one would."""

    def __post_init__(self) -> None:
        if self.dunning_renewal_start not in ("after_deadline", "after_dunning"):
            raise SettingsError("[claims] dunning_renewal_start は after_deadline か after_dunning を指定してください")
        unknown = [e for e in self.prescription_renewal_events if e not in RENEWAL_EVENTS]
        if unknown:
            raise SettingsError(
                f"[claims] prescription_renewal_events に不明な値 {', '.join(unknown)} があります"
                f"（使えるのは {', '.join(RENEWAL_EVENTS)}）"
            )
        for type_, days in self.declaration_deadline_days_by_type.items():
            if type_ not in DECLARATION_TYPES:
                raise SettingsError(
                    f"[claims.declaration_deadline_days_by_type] の {type_} は申告の種類ではありません"
                    f"（使えるのは {', '.join(DECLARATION_TYPES)}）"
                )
            if not isinstance(days, int) or days < 0:
                raise SettingsError(
                    f"[claims.declaration_deadline_days_by_type] の {type_} は0以上の整数にしてください"
                )
        if self.kaigo_approval not in ("cw", "sv_batch"):
            raise SettingsError("[claims] kaigo_approval は cw か sv_batch を指定してください")
        for name in (
            "declaration_deadline_days",
            "alert_within_days",
            "dunning_within_days",
            "dunning_deadline_days",
            "prescription_alert_months",
        ):
            if getattr(self, name) < 0:
                raise SettingsError(f"[claims] {name} は0以上の整数にしてください")


def claims_settings(settings: Settings) -> ClaimsSettings:
    return settings.section(ClaimsSettings, "claims")
