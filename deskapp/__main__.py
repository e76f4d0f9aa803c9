"""`python -m deskapp` runs the same CLI as the `deskapp` script."""

from deskapp.cli import main

main()
