# `python -m flows` is kept for scripts written before the command line moved to `cli/` (2026-12).
from cli.main import main

raise SystemExit(main())
