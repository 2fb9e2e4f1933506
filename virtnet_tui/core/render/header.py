"""The short header that marks every file virtnet-wizard writes."""

from __future__ import annotations


def header(comment: str = "#", purpose: str = "") -> str:
    """Lines saying that virtnet-wizard wrote the file, ending with a newline.

    Args:
        comment: the format's comment prefix.
        purpose: an optional one-line description of what the file is for.
    """
    lines = [
        f"{comment} Written by virtnet-wizard. Edits are kept until the wizard rewrites this file;",
        f"{comment} `virtnet-wizard rollback` restores what was here before.",
    ]
    if purpose:
        lines.append(f"{comment} {purpose}")
    return "\n".join(lines) + "\n"
