"""The web app (Gradio mounted in FastAPI): login, chat, history, SV queue, admin, and the tab plug-in point
for other features. Start it with ``kb-bot serve`` or ``python app.py``; see ``docs/chat.md``.

Modules: ``app`` (the Blocks and the server), ``auth`` (login), ``render`` (the one HTML kit and style
sheet), ``guard`` (what a person and the log see when a handler fails), ``exports`` (authorised one-time
downloads), ``audit_view`` (the audit log in Japanese), ``alerts`` (the お知らせ providers)."""
