"""Start-up code: settings from the environment, training, and the servers."""
