"""The business core of deskapp.

Nothing in here imports textual, typer or rich: every rule, figure and import can be driven from plain
Python with a database session, which is how the tests drive it and how the TUI and CLI use it.
"""
