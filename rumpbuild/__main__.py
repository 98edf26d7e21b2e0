from rumpbuild.cli import main

raise SystemExit(main())
