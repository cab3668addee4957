"""Sample releases and a replay server that serves them at the publishers' URL paths (`make demo`)."""
