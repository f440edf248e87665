"""The app's HTTP routes, one module per concern; each reads its collaborators from
``request.app.state`` (``bot.web.services``)."""
