"""The desk in the terminal: a Textual app over the core.

Import cost matters here (the desk should paint as fast as a bare Textual app), so nothing in this package
imports the core's database layer at module level: screens ask for data from thread workers, which import
what they need when they first run.
"""
