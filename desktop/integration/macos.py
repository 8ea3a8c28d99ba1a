"""macOS Finder: a Quick Action (an Automator Services workflow) per action in
``~/Library/Services``, shown under Quick Actions for the types Precis reads and for folders.

Each workflow is one "Run Shell Script" step that receives the selected files as arguments and
runs ``precis`` with them. Generated with plistlib and checked as data on Linux; not run on a Mac
here (see README).
"""

from __future__ import annotations

import plistlib
import shlex
import uuid
from pathlib import Path

from desktop.integration.actions import ACTIONS, FileAction, utis
from desktop.integration.plan import FileEntry, Plan


def services_dir(home: Path) -> Path:
    return home / "Library" / "Services"


def shell_command(action: FileAction, launcher: str) -> str:
    return f'exec {shlex.quote(launcher)} {action.flag} -- "$@"\n'


def info_plist(action: FileAction) -> bytes:
    service = {
        "NSMenuItem": {"default": action.label},
        "NSMessage": "runWorkflowAsService",
        "NSRequiredContext": {"NSApplicationIdentifier": "com.apple.finder"},
        "NSSendFileTypes": utis(),
    }
    return plistlib.dumps({"NSServices": [service]})


def document_wflow(action: FileAction, launcher: str) -> bytes:
    step = {
        "action": {
            "AMAccepts": {"Container": "List", "Optional": True, "Types": ["com.apple.cocoa.string"]},
            "AMActionVersion": "2.0.3",
            "AMApplication": ["Automator"],
            "AMParameterProperties": {"COMMAND_STRING": {}, "CheckedForUserDefaultShell": {}, "inputMethod": {},
                                      "shell": {}, "source": {}},
            "AMProvides": {"Container": "List", "Types": ["com.apple.cocoa.string"]},
            "ActionBundlePath": "/System/Library/Automator/Run Shell Script.action",
            "ActionName": "Run Shell Script",
            "ActionParameters": {"COMMAND_STRING": shell_command(action, launcher), "CheckedForUserDefaultShell": True,
                                 "inputMethod": 1, "shell": "/bin/sh", "source": ""},
            "BundleIdentifier": "com.apple.RunShellScript",
            "CFBundleVersion": "2.0.3",
            "CanShowSelectedItemsWhenRun": False,
            "CanShowWhenRun": True,
            "Category": ["AMCategoryUtilities"],
            "Class Name": "RunShellScriptAction",
            "InputUUID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"precis:{action.key}:in")).upper(),
            "OutputUUID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"precis:{action.key}:out")).upper(),
            "UUID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"precis:{action.key}")).upper(),
            "isViewVisible": True,
        },
    }
    document = {
        "AMApplicationBuild": "521",
        "AMApplicationVersion": "2.10",
        "AMDocumentVersion": "2",
        "actions": [step],
        "connectors": {},
        "workflowMetaData": {
            "serviceApplicationBundleID": "com.apple.finder",
            "serviceInputTypeIdentifier": "com.apple.Automator.fileSystemObject",
            "serviceOutputTypeIdentifier": "com.apple.Automator.nothing",
            "serviceProcessesInput": 0,
            "workflowTypeIdentifier": "com.apple.Automator.servicesMenu",
        },
    }
    return plistlib.dumps(document)


def entries(home: Path, launcher: str) -> Plan:
    plan = Plan()
    for action in ACTIONS:
        contents = services_dir(home) / f"{action.label}.workflow" / "Contents"
        plan.files += [FileEntry(contents / "Info.plist", info_plist(action)),
                       FileEntry(contents / "document.wflow", document_wflow(action, launcher))]
    return plan
