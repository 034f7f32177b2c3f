"""What a caller may do: one value, decided in one place, read by every API.

``Rights`` is the caller's power in a space (and, once shares exist, below a
shared node). Every adapter asks ``SpacesService.rights`` and checks the
field an operation needs; none of them decides access on its own. The letters
clients read (``oc:permissions``, ``OC-Perm``) and the OCS permission bits are
derived from the same value, so what a client is shown is what it may do.
"""

from __future__ import annotations

import msgspec

from opencloud.core.errors import PermissionDenied


class Rights(msgspec.Struct, frozen=True, kw_only=True):
    read: bool = False  # stat, list, download
    create: bool = False  # upload new files, make folders
    update: bool = False  # overwrite files, change properties, lock
    delete: bool = False  # delete, rename, move away
    share: bool = False  # give others access (space members, shares, links)
    manage: bool = False  # change the space itself: name, quota, disable
    trash: bool = False  # restore from the space's trash (listing it needs read)
    purge: bool = False  # remove items from the trash for good
    versions: bool = False  # list, download and restore earlier versions

    def require(self, what: str, action: str) -> None:
        """Raise PermissionDenied unless the field ``what`` is set."""
        if not getattr(self, what):
            raise PermissionDenied(f"you may not {action}")

    def letters(
        self, *, kind: str, is_root: bool, shared: bool = False, mounted: bool = False
    ) -> str:
        """ownCloud's permission letters (``oc:permissions``, ``OC-Perm``), in
        reva's order: ``S`` shared with me (reached through a share), ``R``,
        ``M`` mounted (the shared item itself, a mountpoint of the Shares
        space), then what the rights allow."""
        out = "S" if shared else ""
        if self.share:
            out += "R"
        if mounted:
            out += "M"
        if self.delete and not is_root:
            out += "DNV"
        if kind == "file":
            if self.update:
                out += "W"
        elif self.create:
            out += "CK"
        if is_root and self.purge:
            out += "P"
        return out

    def ocs_bits(self, *, kind: str) -> int:
        """OCS share permission bits: 1 read, 2 update, 4 create, 8 delete, 16
        share. Files never carry create or delete (ownCloud's rule)."""
        bits = 1 if self.read else 0
        bits |= 2 if self.update else 0
        if kind == "dir":
            bits |= 4 if self.create else 0
            bits |= 8 if self.delete else 0
        bits |= 16 if self.share else 0
        return bits


#: The owner of a personal space; a space Manager.
FULL = Rights(
    read=True,
    create=True,
    update=True,
    delete=True,
    share=True,
    manage=True,
    trash=True,
    purge=True,
    versions=True,
)

NONE = Rights()


def union(*rights: Rights) -> Rights:
    """The rights of someone who holds several grants (own and via groups)."""
    fields = Rights.__struct_fields__
    return Rights(**{f: any(getattr(r, f) for r in rights) for f in fields})
