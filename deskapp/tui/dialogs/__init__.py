"""Modal screens: forms, questions, the merge comparison and help. Dialogs may import the widgets and the
core's public packages, never a page."""
