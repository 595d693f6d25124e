"""The web app (Gradio mounted in FastAPI): login, chat, history, SV queue, admin, and the tab plug-in point
for other features. Start it with ``kb-bot serve`` or ``python app.py``; see ``docs/chat.md``."""
