"""Files the app reads at run time (read through ``iro_desktop.paths.resource_path``)."""
