"""The web pages: server-rendered Jinja2 templates plus small hand-written ES modules.

No build step and no third-party front-end code: the pages are few, the live parts (softphone,
event stream, wallboard) are plain browser APIs (WebRTC, WebSocket, fetch), and every asset is
served by Frontdesk itself from `static/`, so nothing is fetched from a CDN at run time.
"""
