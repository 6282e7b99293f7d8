#!/bin/bash
# pinentry-oath.sh: a scripted pinentry for the virtual token's tests. It
# speaks Assuan as pinentry does (OK greeting; SETTITLE, SETDESC,
# SETPROMPT, ... answered OK; GETPIN answered "D <code>" then OK; BYE).
# The code: the TOTP of $VT_PIN_SECRET for a step newer than any used
# (pc_code's rule, tests/support/lib.sh: the server's clock offset in
# $VT_PIN_STATE/clock, the last step in $VT_PIN_STATE/last_step), or the
# content of $VT_PIN_STATE/wrong when that file exists; with
# $VT_PIN_STATE/cancel, GETPIN answers ERR (the person cancelled). Each
# GETPIN appends a line (the description) to $VT_PIN_STATE/prompts.
S=${VT_PIN_STATE:?}
echo "OK Pleased to meet you"
desc=""
while IFS= read -r line; do
	case "$line" in
	SETDESC*)
		desc=${line#SETDESC }
		echo OK
		;;
	GETPIN*)
		echo "$desc" >>"$S/prompts"
		if [ -f "$S/cancel" ]; then
			echo "ERR 83886179 Operation cancelled <Pinentry>"
			continue
		fi
		if [ -f "$S/wrong" ]; then
			code=$(cat "$S/wrong")
		else
			ahead=$(tr -dc 0-9 <"$S/clock")
			ahead=${ahead:-0}
			last=$(cat "$S/last_step" 2>/dev/null || echo 0)
			step=$((($(date +%s) + ahead) / 30))
			if [ "$step" -le "$last" ]; then
				ahead=$((ahead + (last - step + 1) * 30))
				echo "+${ahead}s" >"$S/clock"
				step=$((last + 1))
			fi
			echo "$step" >"$S/last_step"
			code=$(oathtool --totp -b -N "@$((step * 30))" "$VT_PIN_SECRET")
		fi
		echo "D $code"
		echo OK
		;;
	BYE*)
		echo OK
		exit 0
		;;
	*)
		echo OK
		;;
	esac
done
