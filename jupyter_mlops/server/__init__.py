"""The jupyter_server extension: app, routes, thin handlers, error mapping and the REST contract."""
