"""The content store: answers and translations in the database, versioned, exchanged with
the files (``content/responses.yml``, the catalogs) and read by the renderer."""
