"""kb-bot: a knowledge assistant for caseworkers in Japanese public-assistance offices."""

__version__ = "0.1.0"

DISCLAIMER = "参考情報です。根拠の原文を確認のうえ、最終判断は所内の手順に従って行ってください"
"""Shown with every answer, on every surface (CLI, JSON, web). Never omitted."""
