#!/usr/bin/env bash
# The source checks of tools/checksrc.sh must pass.
exec bash "${PECETE_SRC:?}/tools/checksrc.sh"
