"""The jupyter_server extension (a face): app, routes, thin handlers over `jupyter_mlops.core`."""
