"""The file-manager entries as the desktops read them: GNOME Files scripts run like Nautilus runs
them, Nemo actions and the Dolphin service menu parsed by key-file rules (and desktop-file-validate
where installed), the Windows verbs and Send To shortcut and the macOS Quick Actions as data;
install is idempotent and uninstall removes only what Precis wrote."""

from __future__ import annotations

import json
import os
import plistlib
import shutil
import stat
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.integration import installer
from desktop.integration.windows import MemoryRegistry
from desktop.integration.windows_shortcut import LINK_CLSID
from tests.integration._keyfile import parse, split_exec

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="runs the generated shell scripts with /bin/sh")

#: Names a user really has: a space, quotes, non-ASCII, a dollar sign, a newline.
AWKWARD = ["Meeting notes.pdf", "Protokoll Ärger – ünd.docx", "it's \"quoted\".md", "cost $HOME `x`.txt", "two\nlines.vtt"]


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    base = tmp_path / "data home"
    monkeypatch.setenv("XDG_DATA_HOME", str(base))
    return base


@pytest.fixture
def recorder(tmp_path: Path) -> tuple[Path, Path]:
    """A stand-in ``precis`` in a folder with a space and a quote in its name: writes its argv
    and working folder as JSON, so a test sees exactly what a file manager would start."""
    folder = tmp_path / "my \"apps\" é"
    folder.mkdir()
    out = tmp_path / "argv.json"
    exe = folder / "precis"
    exe.write_text(f"#!{sys.executable}\nimport json, os, sys\n"
                   f"json.dump({{'argv': sys.argv[1:], 'cwd': os.getcwd()}}, open({str(out)!r}, 'w'))\n")
    exe.chmod(0o755)
    return exe, out


def _installed(launcher: str) -> installer.Outcome:
    return installer.install(installer.plan_for("linux", launcher))


# ------------------------------------------------------------------ GNOME Files
def test_nautilus_script_passes_every_selected_name_intact(xdg: Path, tmp_path: Path,
                                                           recorder: tuple[Path, Path]) -> None:
    exe, out = recorder
    _installed(str(exe))
    script = xdg / "nautilus" / "scripts" / "Summarize with Precis"
    assert script.stat().st_mode & stat.S_IXUSR
    folder = tmp_path / "Dokumente ü"
    folder.mkdir()
    files = [folder / n for n in AWKWARD]
    for f in files:
        f.write_text("x")
    # 1. As Nautilus runs it: the selection as arguments relative to the shown folder, which is the cwd.
    subprocess.run([str(script), *AWKWARD], cwd=folder, check=True, timeout=30,
                   env={**os.environ, "NAUTILUS_SCRIPT_SELECTED_FILE_PATHS": "".join(f"{f}\n" for f in files)})
    got = json.loads(out.read_text())
    assert got["argv"] == ["--summarize", "--", *AWKWARD] and Path(got["cwd"]) == folder
    # 2. No arguments (a script started by hand or an older Nautilus): the variable's lines, which
    #    cannot carry a newline inside a name, so that one is left out of this selection.
    plain = [f for f in files if "\n" not in f.name]
    subprocess.run([str(xdg / "nautilus" / "scripts" / "Summarize together with Precis")], cwd=tmp_path, check=True,
                   timeout=30, env={**os.environ, "NAUTILUS_SCRIPT_SELECTED_FILE_PATHS": "".join(f"{f}\n" for f in plain)})
    assert json.loads(out.read_text())["argv"] == ["--summarize-together", "--", *map(str, plain)]


# ------------------------------------------------------------------ Nemo
def _nemo_run(exec_line: str, selected: list[Path]) -> None:
    """What Nemo runs for ``Quote=double``: each path in double quotes with ``\\ " $ ` `` escaped
    (nemo-action.c), the line then split by shell rules (g_shell_parse_argv; sh here)."""
    def quote(p: str) -> str:
        return '"' + "".join("\\" + c if c in '\\"$`' else c for c in p) + '"'
    line = exec_line.replace("%F", " ".join(quote(str(p)) for p in selected))
    subprocess.run(["/bin/sh", "-c", "exec " + line], check=True, timeout=30)


def test_nemo_actions_parse_and_quote_paths(xdg: Path, tmp_path: Path, recorder: tuple[Path, Path]) -> None:
    exe, out = recorder
    _installed(str(exe))
    for key, flag in (("summarize", "--summarize"), ("summarize-together", "--summarize-together")):
        action = parse((xdg / "nemo" / "actions" / f"precis-{key}.nemo_action").read_text(encoding="utf-8"))["Nemo Action"]
        assert action["Quote"] == "double" and action["Selection"] == "notnone"
        exts = action["Extensions"].rstrip(";").split(";")
        assert {"pdf", "docx", "eml", "msg", "vtt", "srt", "md", "dir"} <= set(exts) and "exe" not in exts
        selected = [tmp_path / n for n in AWKWARD]
        _nemo_run(action["Exec"], selected)
        assert json.loads(out.read_text())["argv"] == [flag, *map(str, selected)]


# ------------------------------------------------------------------ Dolphin and the menu entry
KDE_ONLY = ('key "MimeType" is present in group "Desktop Entry", but the type is "Service"',
            'key "Actions" is present in group "Desktop Entry", but the type is "Service"')


def _validator_errors(path: Path) -> list[str]:
    proc = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True, check=False, timeout=30)
    return [line for line in proc.stdout.splitlines() + proc.stderr.splitlines() if ": error:" in line]


def test_dolphin_service_menu_parses_and_runs_the_launcher(xdg: Path, recorder: tuple[Path, Path]) -> None:
    exe, _out = recorder
    _installed(str(exe))
    path = xdg / "kio" / "servicemenus" / "io.github.precis.Precis.desktop"
    assert stat.S_IMODE(path.stat().st_mode) == 0o755  # KDE runs only executable user service menus
    menu = parse(path.read_text(encoding="utf-8"))
    entry = menu["Desktop Entry"]
    assert entry["Type"] == "Service" and entry["X-KDE-ServiceTypes"] == "KonqPopupMenu/Plugin"
    mimes = entry["MimeType"].rstrip(";").split(";")
    assert {"application/pdf", "message/rfc822", "text/vtt", "inode/directory"} <= set(mimes)
    for key in entry["Actions"].rstrip(";").split(";"):
        action = menu[f"Desktop Action {key}"]
        # KIO expands %F into one argument per file itself; the launcher's path must split back whole.
        assert split_exec(action["Exec"]) == [str(exe), f"--{key}", "%F"]
        assert action["Name"].endswith("with Precis")
    if shutil.which("desktop-file-validate"):
        errors = _validator_errors(path)
        assert all(any(k in e for k in KDE_ONLY) for e in errors), errors


def test_menu_entry_is_valid_and_quotes_the_launcher(xdg: Path, recorder: tuple[Path, Path]) -> None:
    exe, _out = recorder
    _installed(str(exe))
    path = xdg / "applications" / "io.github.precis.Precis.desktop"
    entry = parse(path.read_text(encoding="utf-8"))["Desktop Entry"]
    assert split_exec(entry["Exec"]) == [str(exe), "%F"] and entry["TryExec"] == str(exe)
    if shutil.which("desktop-file-validate"):
        assert _validator_errors(path) == []


# ------------------------------------------------------------------ install, uninstall, dry run
def test_install_is_idempotent_and_uninstall_removes_only_ours(xdg: Path, recorder: tuple[Path, Path]) -> None:
    exe, _out = recorder
    scripts = xdg / "nautilus" / "scripts"
    scripts.mkdir(parents=True)
    mine = scripts / "My own script"
    mine.write_text("#!/bin/sh\n")
    plan = installer.plan_for("linux", str(exe))
    dry = installer.install(plan, dry_run=True)
    assert len(dry.written) == len(plan.files) and not installer.is_installed()
    assert not (scripts / "Summarize with Precis").exists()
    first = installer.install(plan)
    again = installer.install(plan)
    assert len(first.written) == len(plan.files) and again.written == [] and len(again.unchanged) == len(plan.files)
    assert installer.is_installed()
    # The user edits one of our files: uninstall leaves it and says so.
    edited = xdg / "nemo" / "actions" / "precis-summarize.nemo_action"
    edited.write_text(edited.read_text() + "# mine now\n")
    assert installer.uninstall(dry_run=True).removed and (scripts / "Summarize with Precis").exists()
    gone = installer.uninstall()
    assert gone.kept == [str(edited)] and len(gone.removed) == len(plan.files) - 1
    assert mine.exists() and edited.exists() and not (scripts / "Summarize with Precis").exists()
    assert not (xdg / "kio").exists()  # a folder Precis created, empty again, is removed too
    assert not installer.is_installed()


# ------------------------------------------------------------------ Windows, as data
def _lnk_fields(data: bytes) -> dict[str, object]:
    """The parts of a shell link Explorer uses: flags, the Unicode target path, the strings."""
    assert struct.unpack_from("<I", data)[0] == 0x4C and data[4:20] == LINK_CLSID
    flags = struct.unpack_from("<I", data, 20)[0]
    at = 76
    size, header, info_flags, _vol, _base, _net, _suffix, wide_at = struct.unpack_from("<IIIIIIII", data, at)
    assert header == 0x24 and info_flags == 1
    end = data.index(b"\x00\x00", at + wide_at)
    end += (end - (at + wide_at)) % 2  # align to a UTF-16 code unit
    target = data[at + wide_at:end].decode("utf-16-le")
    at += size
    strings = []
    for bit in (0x4, 0x10, 0x20, 0x40):  # name, working dir, arguments, icon
        if flags & bit:
            count = struct.unpack_from("<H", data, at)[0]
            strings.append(data[at + 2:at + 2 + 2 * count].decode("utf-16-le"))
            at += 2 + 2 * count
    assert data[at:] == b"\x00\x00\x00\x00"
    return {"flags": flags, "target": target, "strings": strings}


def test_windows_verbs_and_send_to_shortcut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData" / "Roaming"))
    launcher = r"C:\Users\Zoë Ann\AppData\Local\Precis\precis.exe"
    plan = installer.plan_for("win32", launcher)
    registry = MemoryRegistry()
    registry.set_value(r"Software\Classes\SystemFileAssociations\.pdf\shell\Print.Mine", "", "keep me")
    installer.install(plan, registry=registry)
    pdf = r"Software\Classes\SystemFileAssociations\.pdf\shell\Precis.summarize"
    assert registry.get(pdf, "MUIVerb") == "Summarize with Precis"
    assert registry.get(pdf + r"\command") == f'"{launcher}" --summarize "%1"'
    together = r"Software\Classes\Directory\shell\Precis.summarize-together\command"
    assert registry.get(together) == f'"{launcher}" --summarize-together "%1"'
    assert registry.get(r"Software\Classes\SystemFileAssociations\.exe\shell\Precis.summarize", "MUIVerb") is None
    link = tmp_path / "AppData" / "Roaming" / "Microsoft" / "Windows" / "SendTo" / "Precis (summarize together).lnk"
    fields = _lnk_fields(link.read_bytes())
    assert fields["target"] == launcher
    assert "--summarize-together" in fields["strings"] and launcher in fields["strings"]
    installer.uninstall(registry=registry)
    assert not link.exists() and registry.get(pdf, "MUIVerb") is None
    assert registry.get(r"Software\Classes\SystemFileAssociations\.pdf\shell\Print.Mine") == "keep me"


# ------------------------------------------------------------------ macOS, as data
def test_macos_quick_actions(tmp_path: Path, recorder: tuple[Path, Path]) -> None:
    exe, out = recorder
    plan = installer.plan_for("darwin", str(exe), home=tmp_path)
    by_name = {(f.path.parent.parent.name, f.path.name): f.data for f in plan.files}
    info = plistlib.loads(by_name[("Summarize with Precis.workflow", "Info.plist")])
    service = info["NSServices"][0]
    assert service["NSMenuItem"]["default"] == "Summarize with Precis"
    assert {"com.adobe.pdf", "public.folder", "org.openxmlformats.wordprocessingml.document"} <= set(service["NSSendFileTypes"])
    flow = plistlib.loads(by_name[("Summarize together with Precis.workflow", "document.wflow")])
    assert flow["workflowMetaData"]["workflowTypeIdentifier"] == "com.apple.Automator.servicesMenu"
    params = flow["actions"][0]["action"]["ActionParameters"]
    assert params["inputMethod"] == 1 and params["shell"] == "/bin/sh"  # files arrive as arguments
    # The shell step, run as Automator runs it, starts precis with every name intact.
    names = [str(tmp_path / n) for n in AWKWARD]
    subprocess.run(["/bin/sh", "-c", params["COMMAND_STRING"], "sh", *names], check=True, timeout=30)
    assert json.loads(out.read_text())["argv"] == ["--summarize-together", "--", *names]
