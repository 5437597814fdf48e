"""The HTTP side of Frontdesk: the REST API, the live event WebSocket and the web pages' routes.

`app.create_app(context)` builds the FastAPI application over the running server's objects
(`context.AppContext`); `http.HttpServer` serves it with uvicorn inside the server's own event
loop, so a request sees the live routing engine and calls without crossing a process boundary.
"""
