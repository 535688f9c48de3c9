"""Lua scripting (EVAL and friends, FUNCTION and FCALL), as Redis 7.0's
eval.c, functions.c, function_lua.c and script_lua.c:

- ``engine``: the script cache, running scripts, ``redis.call`` and the
  conversions between replies and Lua values, busy scripts;
- ``sandbox``: the interpreter and everything a script can see, the only
  door between Lua and Python (one for EVAL, one for function libraries);
- ``functions``: FUNCTION libraries (functions.c): metadata, the sets of
  libraries, the DUMP payload;
- ``lua_cjson``, ``lua_cmsgpack``, ``lua_struct``, ``lua_bit``: the
  libraries Redis bundles, as Redis keeps them in their own files;
- ``values``: errors and value renderings they share.
"""

from .engine import ScriptEngine

__all__ = ["ScriptEngine"]
