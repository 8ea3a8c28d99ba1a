"""precis-cli install-desktop: put Precis in the current user's application menu and file manager.

Linux/BSD: the reverse-DNS .desktop entry ("Open with Precis") and icons, a GNOME Files script,
a Nemo action and a Dolphin service menu per action. Windows: per-user Explorer verbs and a
"Send to" shortcut. macOS: Finder Quick Actions. Everything written is recorded, so
``--uninstall`` removes exactly that; ``--dry-run`` lists what would change and changes nothing.
"""

from __future__ import annotations

import argparse
import sys

from desktop.integration import installer
from desktop.integration.launcher import default_launcher


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("install-desktop",
                       help="add Precis to your application menu and file manager (right-click › Summarize with Precis)")
    p.add_argument("--exec", dest="exec_path", metavar="PATH",
                   help="the precis launcher the entries run (default: the one of this installation)")
    p.add_argument("--uninstall", action="store_true", help="remove everything install-desktop wrote, and nothing else")
    p.add_argument("--dry-run", action="store_true", help="list what would be written or removed; change nothing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    verb = "Would" if args.dry_run else None
    try:
        if args.uninstall:
            outcome = installer.uninstall(dry_run=args.dry_run)
            for path in outcome.removed:
                print(f"{'would remove' if verb else 'removed'}: {path}")
            for key in outcome.registry_keys:
                print(f"{'would remove' if verb else 'removed'}: HKCU\\{key}")
            for path in outcome.kept:
                print(f"kept (edited since Precis wrote it): {path}")
            count = f"{len(outcome.removed)} file(s) and {len(outcome.registry_keys)} registry key(s)"
            print(f"Dry run: would remove {count}; nothing was changed." if verb else f"Removed {count}.")
            return 0
        plan = installer.plan_for(sys.platform, args.exec_path or default_launcher())
        outcome = installer.install(plan, dry_run=args.dry_run)
    except OSError as exc:
        where = getattr(exc, "filename", None) or "your user folders"
        print(f"Could not {'remove' if args.uninstall else 'install'} the desktop entries in {where}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 1
    for path in outcome.written:
        print(f"{'would write' if verb else 'wrote'}: {path}")
    for key in outcome.registry_keys:
        print(f"{'would write' if verb else 'wrote'}: HKCU\\{key}")
    summary = f"{len(outcome.written)} file(s) written, {len(outcome.unchanged)} already up to date"
    if outcome.registry_keys:
        summary += f", {len(outcome.registry_keys)} registry key(s)"
    print(f"Dry run: {summary}; nothing was changed." if verb else
          f"Installed Precis in your application menu and file manager: {summary}.")
    return 0
