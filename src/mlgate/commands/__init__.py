"""The CLI's commands, one module each; each only parses options and calls the core."""
