"""Mail where it lives, in the window: the mailboxes the user added (a folder, a Thunderbird
profile, an Outlook data file, an IMAP server) and their folders as a tree beside the file tree,
the Add-a-mailbox dialog, the folders listed in a child process, and Summarize on a folder for a
period or unread mail. The mailbox itself is Qt-free (``core/mailstores/mailboxes.py``)."""

from desktop.gui.mailboxes.mailbox_panel import MailboxPanel

__all__ = ["MailboxPanel"]
