"""The newsroom view of the database: pages (``pages``), their Datasette plugin (``plugin``, needs the ``browse``
extra) and the chart libraries they draw with (``static/``, vendored: no CDN)."""
