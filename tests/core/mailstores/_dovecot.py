"""A real Dovecot IMAP server for the tests: started on 127.0.0.1 with a configuration of its own
in a temporary folder (ports the OS picks, users from a passwd-file, a Maildir the tests write,
TLS with a self-signed certificate made here), stopped at the end. As root (CI) Dovecot's own
unprivileged users run its login and internal processes and the mail belongs to ``nobody``;
as another user, that user runs everything."""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import ipaddress
import mailbox
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "alice", "correct horse battery staple"


def dovecot_available() -> bool:
    return Path(DOVECOT).is_file() and os.access(DOVECOT, os.X_OK)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (it is its own CA), and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    def __init__(self) -> None:
        # Not under pytest's temporary folder: that one is private to the test user (0700), and
        # as root the mail belongs to nobody, who must be able to reach it.
        self.folder = Path(tempfile.mkdtemp(prefix="precis-dovecot-"))
        self.folder.chmod(0o755)
        self.maildir_path = self.folder / "mail" / "Maildir"
        self.imaps_port = free_port()
        self.imap_port = free_port()
        self.cert, self.key = make_certificate(self.folder)
        self.root = os.geteuid() == 0
        self._uid, self._gid = (65534, 65534) if self.root else (os.getuid(), os.getgid())
        self.log = self.folder / "dovecot.log"

    # -- mail ---------------------------------------------------------------------------------
    def maildir(self) -> mailbox.Maildir:
        self.maildir_path.parent.mkdir(parents=True, exist_ok=True)
        return mailbox.Maildir(self.maildir_path, create=True)

    def deliver(self, sender: str, subject: str, body: str, date: str, *, folder: str | None = None,
                seen: bool = False) -> None:
        box = self.maildir()
        if folder:
            box = box.add_folder(folder) if folder not in box.list_folders() else box.get_folder(folder)
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"], msg["Date"] = sender, f"{USER}@example.com", subject, date
        msg.set_content(body)
        entry = mailbox.MaildirMessage(msg)
        if seen:
            entry.set_subdir("cur")
            entry.add_flag("S")
        box.add(entry)
        self._own(self.folder / "mail")

    def _own(self, path: Path) -> None:
        if not self.root:
            return
        for top, dirs, files in os.walk(path):
            os.chown(top, self._uid, self._gid)
            for name in files:
                os.chown(os.path.join(top, name), self._uid, self._gid)

    # -- server -------------------------------------------------------------------------------
    def config(self) -> Path:
        (self.folder / "run").mkdir(exist_ok=True)
        (self.folder / "state").mkdir(exist_ok=True)
        (self.folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        me = getpass.getuser()
        users = "" if self.root else f"default_login_user = {me}\ndefault_internal_user = {me}\n"
        conf = f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.folder}/run
state_dir = {self.folder}/state
log_path = {self.log}
info_log_path = {self.log}
{users}ssl = required
ssl_cert = <{self.cert}
ssl_key = <{self.key}
disable_plaintext_auth = yes
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.folder}/passwd
}}
userdb {{
  driver = static
  args = uid={self._uid} gid={self._gid} home={self.folder}/mail mail=maildir:{self.maildir_path}
}}
first_valid_uid = 1
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service submission-login {{
  inet_listener submission {{
    port = 0
  }}
}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0600
  }}
}}
"""
        path = self.folder / "dovecot.conf"
        path.write_text(conf)
        return path

    def start(self) -> None:
        self.maildir()
        self._own(self.folder / "mail")
        # The master daemonizes and keeps inherited pipes open: its output goes to a file.
        with open(self.folder / "start.log", "wb") as out:
            subprocess.run([DOVECOT, "-c", str(self.config())], check=True, stdin=subprocess.DEVNULL, stdout=out,
                           stderr=out, timeout=30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.imaps_port), timeout=1):
                return
            time.sleep(0.1)
        raise RuntimeError(f"Dovecot did not start: {self.log.read_text() if self.log.exists() else 'no log'}")

    def stop(self) -> None:
        pid_file = self.folder / "run" / "master.pid"
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def address(self, folder: str = "", *, tls: str = "imaps", user: str = USER) -> str:
        port = self.imaps_port if tls == "imaps" else self.imap_port
        return f"{tls}://{user}@127.0.0.1:{port}/{folder}"
