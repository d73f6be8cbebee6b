"""The web console: server-rendered pages over the same queries and commands as the API.

Mounted at ``/console`` by the HTTP app (``console_mount``). Pages are Jinja2
templates; the browser runs a little plain JavaScript (live updates through
server-sent events, the as-of slider, charts with the vendored Chart.js) and
nothing is fetched from outside the server. What a page shows and allows
follows the signed-in token's role, with the API's own rules (auth.py,
scopes.py).
"""
