"""The ``Config`` object: the server's current value of every parameter,
CONFIG GET (``get_matching``), CONFIG SET (``set_many``, atomic, with change
hooks), the warnings for unenforced parameters, and CONFIG REWRITE's entry
point (the work is in ``radish.config.rewrite``).

Imports ``values``, ``table`` and ``rewrite`` of ``radish.config`` and
``radish.globmatch``; never the loader, nor anything of radish above config.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable

from radish.globmatch import glob_match

from .. import errors as E
from .rewrite import rewrite_config_file
from .table import ENTRIES, LOOKUP, NOT_BUILT, PARAMS, Param, lookup
from .values import (
    DENY_LOADING,
    HIDDEN,
    IMMUTABLE,
    PROTECTED,
    SENSITIVE,
    ConfigError,
    ConfigLoadingError,
    shown_text,
)


def _copy_default(value: object) -> object:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


class Config:
    """The server's configuration: one attribute per parameter (see
    ``radish.config``'s docstring for the value types), plus what a config file declared that is
    not a parameter (``rename_commands``, ``users``, ``load_modules``,
    ``module_configs``) for the server to act on."""

    if TYPE_CHECKING:  # one attribute per parameter, set from PARAMS

        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...

    def __init__(self) -> None:
        for p in PARAMS:
            setattr(self, p.attr, _copy_default(p.default))
        self.dir = os.getcwd()
        self._default_dir = self.dir
        self.config_file: str | None = None
        self.rename_commands: list[tuple[bytes, bytes]] = []
        self.users: list[list[bytes]] = []
        self.load_modules: list[list[bytes]] = []
        self.module_configs: dict[bytes, bytes] = {}
        self._hooks: dict[str, list[Callable[[object], None]]] = {}

    # -- introspection ------------------------------------------------------------------

    @staticmethod
    def param(name: str) -> Param:
        """The parameter for a name or alias (case-insensitive); KeyError if none."""
        entry = LOOKUP.get(name.lower())
        if entry is None:
            raise KeyError(name)
        return entry[0]

    def default_of(self, name: str) -> object:
        p = self.param(name)
        return self._default_dir if p.name == "dir" else p.default

    def is_changed(self, name: str) -> bool:
        """True when the parameter's value differs from its default."""
        p = self.param(name)
        return getattr(self, p.attr) != self.default_of(p.name)

    def render(self, name: str) -> bytes:
        """The CONFIG GET text of one parameter."""
        p = self.param(name)
        return p.type.render(getattr(self, p.attr))

    def is_sensitive(self, name: bytes) -> bool:
        """Whether a CONFIG SET value for this name must be redacted."""
        entry = lookup(name)
        return entry is not None and bool(entry[0].flags & SENSITIVE)

    def unenforced_warning(self, name: str) -> str | None:
        """The start-up / CONFIG SET warning for a parameter radish accepts
        without acting on it, when it holds a value other than its default
        (None otherwise).  Sensitive values are not shown."""
        p = self.param(name)
        if p.unenforced is None or not self.is_changed(p.name):
            return None
        kind, reason = p.unenforced
        shown = "" if p.flags & SENSITIVE else " ('%s')" % shown_text(self.render(p.name))
        if kind == NOT_BUILT:
            return "WARNING: the %s setting%s is accepted but not enforced: %s." % (p.name, shown, reason)
        return "WARNING: the %s setting%s has no effect in radish: %s." % (p.name, shown, reason)

    def unenforced_warnings(self) -> list[str]:
        """unenforced_warning() of every parameter, in table order."""
        out = []
        for p in PARAMS:
            w = self.unenforced_warning(p.name)
            if w is not None:
                out.append(w)
        return out

    # -- CONFIG GET ------------------------------------------------------------------------

    def get_matching(self, patterns: list[bytes]) -> list[tuple[bytes, bytes]]:
        """CONFIG GET: name/value pairs for every parameter (and alias, as Redis
        7.0 does) matching any glob pattern, no duplicates.  A pattern without
        glob characters is an exact, case-insensitive name (hidden parameters
        only answer to those) and is echoed as given."""
        out: list[tuple[bytes, bytes]] = []
        seen: set[str] = set()
        for pattern in patterns:
            if b"*" not in pattern and b"?" not in pattern and b"[" not in pattern:
                entry = lookup(pattern)
                if entry is not None and entry[1] not in seen:
                    seen.add(entry[1])
                    p = entry[0]
                    out.append((pattern, p.type.render(getattr(self, p.attr))))
                continue
            for name, bname, p in ENTRIES:
                if p.flags & HIDDEN or name in seen:
                    continue
                if glob_match(pattern, bname, True):
                    seen.add(name)
                    out.append((bname, p.type.render(getattr(self, p.attr))))
        return out

    # -- CONFIG SET ------------------------------------------------------------------------

    def on_change(self, name: str, hook: Callable[[object], None]) -> None:
        """Register a hook run after ``name`` changes via set_many:
        ``hook(new_value)``.  A hook raising ConfigError makes set_many roll
        back everything and fail with that message."""
        self._hooks.setdefault(self.param(name).name, []).append(hook)

    def set_many(
        self,
        pairs: list[tuple[bytes, bytes]],
        *,
        local_client: bool = False,
        loading: bool = False,
    ) -> None:
        """CONFIG SET with several pairs, atomically: validate and set all, then
        run the change hooks of the parameters whose value changed; if anything
        fails, every value is restored (and hooks already run are run again
        with the old value) and ConfigError carries Redis's message.

        ``local_client``: the client is local (for enable-protected-configs
        local).  ``loading``: the dataset is loading (DENY_LOADING parameters
        then fail with ConfigLoadingError)."""
        invalid_name: bytes | None = None
        err_name: bytes | None = None
        errstr = ""
        invalid = deny_loading = False
        chosen: list[tuple[Param, str, bytes]] = []
        seen: set[str] = set()
        for raw_name, raw_value in pairs:
            entry = lookup(raw_name)
            if entry is None:
                if not invalid:
                    invalid_name = raw_name
                    invalid = True
                continue
            if invalid:
                continue
            p, key = entry
            if p.flags & IMMUTABLE or (
                p.flags & PROTECTED and not self._protected_allowed(local_client)
            ):
                errstr = (
                    "can't set immutable config"
                    if p.flags & IMMUTABLE
                    else "can't set protected config"
                )
                err_name = raw_name
                invalid = True
                continue
            if loading and p.flags & DENY_LOADING:
                deny_loading = invalid = True
                continue
            if key in seen:
                errstr = "duplicate parameter"
                err_name = raw_name
                invalid = True
            seen.add(key)
            chosen.append((p, key, raw_value))
        if deny_loading:
            raise ConfigLoadingError(E.LOADING)
        if invalid_name is not None:
            raise ConfigError(
                "Unknown option or number of arguments for CONFIG SET - '%s'" % shown_text(invalid_name)
            )
        if invalid:
            raise ConfigError(
                "CONFIG SET failed (possibly related to argument '%s') - %s"
                % (shown_text(err_name or b""), errstr)
            )

        old_values = [getattr(self, p.attr) for p, _, _ in chosen]
        changed: list[tuple[Param, str]] = []
        try:
            for p, key, raw_value in chosen:
                if p.type.multi_arg:
                    args = raw_value.split(b" ") if raw_value else []
                else:
                    args = [raw_value]
                try:
                    value = p.parse(args, getattr(self, p.attr))
                except ConfigError as e:
                    raise ConfigError(
                        "CONFIG SET failed (possibly related to argument '%s') - %s" % (key, e)
                    ) from None
                if value != getattr(self, p.attr) and (p, key) not in changed:
                    changed.append((p, key))
                setattr(self, p.attr, value)
        except BaseException:
            self._restore(chosen, old_values)
            raise

        ran: list[Param] = []
        for p, key in changed:
            for hook in self._hooks.get(p.name, ()):
                try:
                    hook(getattr(self, p.attr))
                except BaseException as e:
                    self._restore(chosen, old_values)
                    self._rerun_hooks(ran + [p])
                    if isinstance(e, ConfigError):
                        raise ConfigError(
                            "CONFIG SET failed (possibly related to argument '%s') - %s" % (key, e)
                        ) from None
                    raise
            ran.append(p)

    def _protected_allowed(self, local_client: bool) -> bool:
        mode = self.enable_protected_configs
        return mode == "yes" or (mode == "local" and local_client)

    def _restore(self, chosen: list[tuple[Param, str, bytes]], old_values: list[object]) -> None:
        for (p, _, _), old in reversed(list(zip(chosen, old_values, strict=True))):
            setattr(self, p.attr, old)

    def _rerun_hooks(self, params: list[Param]) -> None:
        """Put restored values back into effect; failures are ignored (as Redis
        only logs them)."""
        for p in params:
            for hook in self._hooks.get(p.name, ()):
                try:
                    hook(getattr(self, p.attr))
                except Exception:  # noqa: BLE001 - best effort, like restoreBackupConfig
                    pass

    # -- CONFIG REWRITE ---------------------------------------------------------------------

    def rewrite(self, extra: dict[str, list[bytes]] | None = None) -> None:
        """CONFIG REWRITE of ``config_file`` (see ``rewrite_config_file``)."""
        rewrite_config_file(self, extra)
