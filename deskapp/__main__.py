"""`python -m deskapp` runs the same CLI as the `deskapp` script."""

from deskapp.launch import main

main()
