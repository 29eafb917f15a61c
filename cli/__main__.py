"""``python -m specbias.cli``: the same as the ``specbias`` command."""

from . import main

main()
