"""The audit log as an administrator reads it: Japanese names for the action codes, details as text."""

from __future__ import annotations

from typing import Any

ACTION_LABELS = {
    "login": "ログイン", "logout": "ログアウト", "login.failed": "ログイン失敗", "login.locked": "ログインを一時停止",
    "user.add": "ユーザー追加", "user.disable": "ユーザー無効化", "user.set_team": "班の変更",
    "user.set_password": "パスワード変更", "team.add": "班の追加",
    "chat.view_flagged": "確認対象の質問を閲覧", "chat.request_review": "SV確認を依頼", "chat.export": "質問履歴の書き出し",
    "review.approve": "SV確認: 承認", "review.correct": "SV確認: 修正して承認", "review.reject": "SV確認: 差し戻し",
    "review.requeue": "根拠の変更により再確認へ",
    "case.add": "ケース登録", "case.update": "ケース更新", "case.close": "ケース廃止", "case.list": "ケース一覧の閲覧",
    "claim.view": "債権の閲覧", "claims.list": "債権一覧の閲覧",
    "declaration.add": "申告の登録", "declaration.update": "申告の更新", "declaration.list": "申告一覧の閲覧",
    "application.add": "申請の登録", "application.extend": "申請の処理期限延長", "application.decide": "申請の決定",
    "application.list": "申請一覧の閲覧", "deadlines.view": "期限一覧の閲覧",
    "dunning.export": "督促データ出力", "dunning.lookup": "送信管理番号の照会",
    "kaigo.import": "介護保険料の取込", "kaigo.decide": "介護保険料加算の決定", "kaigo.supersede": "加算の下書きを置換",
    "kaigo.list": "加算の下書きの閲覧", "kaigo.notices": "決定通知データ出力",
}
"""Action codes written by ``audit.record`` (claim events ``claim.<kind>`` are named from the ledger)."""

DETAIL_LABELS = {
    "alerts": "お知らせ", "applied_on": "申請日", "as_of": "基準日", "batch": "取込", "case": "ケース", "claim": "債権",
    "closed_on": "廃止日", "comment": "コメントあり", "cw": "担当CW", "decided_on": "決定日", "declaration": "申告",
    "draft": "下書き", "ended": "終了", "event": "記録番号", "file": "ファイル", "ip": "接続元", "json": "JSON出力",
    "kind": "種類", "late": "期限超過", "letters": "手紙の件数", "on": "日付", "overdue": "期限切れ", "owner": "質問者",
    "passages": "変更された記載", "reason": "理由", "repeat_of": "同じ質問の代表", "result": "結果", "role": "役割",
    "rows": "件数", "source": "出典", "status": "状態", "sv": "SV", "team": "班", "version": "索引の版", "via": "方法",
}
VALUE_LABELS = {"password": "パスワード", "sso": "シングルサインオン", "pending": "確認待ち", "approved": "承認済み",
                "corrected": "修正済み", "rejected": "差し戻し", "none": "未依頼"}


def action_label(action: str) -> str:
    """The Japanese name of an audit action code (the code itself when it is unknown)."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    kind, _, rest = action.partition(".")
    if kind == "claim" and rest:
        from kb_bot.claims.ledger import KIND_LABELS, Kind

        try:
            return f"債権の記録: {KIND_LABELS[Kind(rest)]}"
        except (KeyError, ValueError):
            pass
    return action


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, list | tuple):
        return "・".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "（" + detail_text(value) + "）"
    if value is None:
        return "なし"
    return VALUE_LABELS.get(str(value), str(value))


def detail_text(detail: dict[str, Any] | None) -> str:
    """``{"owner": "cw1", "comment": True}`` → 「質問者: cw1、コメントあり: はい」."""
    if not detail:
        return ""
    return "、".join(f"{DETAIL_LABELS.get(k, k)}: {_value(v)}" for k, v in detail.items())
