#!/usr/bin/env bash
# The role as users run it, one ansible-playbook per run, so that each run's play recap says whether it changed
# anything: check mode from nothing predicts the changes of the first run and leaves the zone as found; the first run
# is read back with the info modules; check mode and a second run then change nothing. On every exit the role removes
# what it made (state absent), and the zone is checked to be as found.
set -eux -o pipefail

# setup_zone_state is a target beside this one; the recap is read from the default output, without colours.
export ANSIBLE_ROLES_PATH=.. ANSIBLE_STDOUT_CALLBACK=ansible.builtin.default ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
# A script target gets no variables from ansible-test: the config is read where ansible-test copied it.
options=(-i "$INVENTORY_PATH" -e @../../integration_config.yml "$@")
found="$OUTPUT_DIR/zone-as-found.json"

playbook() { ansible-playbook "$1" "${options[@]}" -e "@$found" "${@:2}"; }

fail() { echo "FAILED: $*" >&2; exit 1; }

# run_role NAME [OPTION...] -> runs the role and keeps its output in $OUTPUT_DIR/NAME.log. Called as a command, never
# inside $(...), where bash turns set -e off: a failing run stops the script here.
run_role() {
  playbook role.yml "${@:2}" | tee "$OUTPUT_DIR/$1.log" >&2
}

# changes NAME -> the changed= count of the recap of run NAME; fails when the log has no recap line for testhost.
changes() {
  local count
  count="$(sed -n 's/^testhost *: ok=[0-9]* *changed=\([0-9]*\) .*/\1/p' "$OUTPUT_DIR/$1.log")"
  [ -n "$count" ] || fail "run $1 printed no recap for testhost"
  echo "$count"
}

ansible-playbook record.yml "${options[@]}" -e "aop_it_found_file=$found"

clean_up() {
  local rc=$?
  { playbook clean.yml && playbook as_found.yml; } || rc=1
  exit "$rc"
}
trap clean_up EXIT

run_role check-from-nothing --check
predicted="$(changes check-from-nothing)"
playbook as_found.yml

run_role first
made="$(changes first)"
[ "$made" -gt 0 ] || fail "the first run changed nothing"
[ "$predicted" -eq "$made" ] || fail "check mode predicted $predicted changes, the first run made $made"
playbook configured.yml

run_role check-again --check
changed="$(changes check-again)"
[ "$changed" -eq 0 ] || fail "check mode after the first run predicted $changed changes"

run_role again
changed="$(changes again)"
[ "$changed" -eq 0 ] || fail "the second run changed $changed things"
