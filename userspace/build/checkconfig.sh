#!/bin/bash
# checkconfig.sh FRAGMENT DOTCONFIG: fail when a symbol the fragment sets did
# not end up with that value (a dependency silently dropped it).
set -euo pipefail
bad=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	sym=${line%%=*} val=${line#*=}
	if [ "$val" = n ]; then
		if grep -q "^$sym=" "$2"; then echo "config: $sym should be unset"; bad=1; fi
	elif ! grep -qxF "$sym=$val" "$2"; then
		echo "config: $sym=$val requested, got: $(grep "^$sym=" "$2" || echo unset)"
		bad=1
	fi
done <"$1"
exit $bad
