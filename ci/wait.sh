#!/bin/sh
# Waits for IMS jobs with a pinned imsjob release: downloads the release archive for this
# machine, checks it against the release's .sha256, runs `imsjob wait`, reports the outcome
# and exits with imsjob's exit code. Plain POSIX sh: it runs unchanged under bash, dash and
# BusyBox (GitHub runners, Debian and Alpine images). The GitHub Action (action.yml) runs
# this file; the GitLab component (templates/wait.yml) carries the same text.
#
# Input (environment):
#   IMSJOB_JOB_IDS      job ids, separated by spaces, commas or newlines (required)
#   IMSJOB_TIMEOUT      `imsjob wait --timeout` (default 1h)
#   IMSJOB_VERSION      the release to install, e.g. 0.1.0 (required)
#   IMSJOB_SHA256       optional: the archive's expected SHA-256, pinned by the caller
#   IMSJOB_DOWNLOAD_URL optional: where the release's files are (default: its GitHub release)
#   IMSJOB_TARGET       optional: the archive's target (default: picked for this machine)
#   OS_*, IMSJOB_*      credentials and settings, read by imsjob itself
# Output:
#   GITHUB_OUTPUT        if set: status, exit-code, image-id, json
#   GITHUB_STEP_SUMMARY  if set: a Markdown table of the jobs
#   IMSJOB_DOTENV        if set: IMSJOB_STATUS, IMSJOB_EXIT_CODE, IMSJOB_IMAGE_ID (dotenv)
#   IMSJOB_JSON_FILE     if set: the JSON document `imsjob wait --json` printed
# stdout: the summary table; stderr: the download and imsjob's progress and errors.
set -eu

fail() {
    echo "imsjob-wait: $*" >&2
    exit 2
}

[ -n "${IMSJOB_VERSION:-}" ] || fail "IMSJOB_VERSION is not set: name the imsjob release to install, e.g. 0.1.0"
ids=$(printf '%s\n' "${IMSJOB_JOB_IDS:-}" | tr ',' ' ')
set -f
# shellcheck disable=SC2086 # split on purpose: one argument per id
set -- $ids
set +f
[ "$#" -gt 0 ] || fail "no job id given: set job-id (IMSJOB_JOB_IDS) to one or more IMS job ids"
timeout=${IMSJOB_TIMEOUT:-1h}

# The archive for this machine: static musl builds on Linux run on any distro image.
if [ -z "${IMSJOB_TARGET:-}" ]; then
    os=$(uname -s)
    arch=$(uname -m)
    case $arch in
        x86_64 | amd64) arch=x86_64 ;;
        aarch64 | arm64) arch=aarch64 ;;
        *) fail "no imsjob release archive for the $arch processor" ;;
    esac
    case $os in
        Linux) IMSJOB_TARGET=$arch-unknown-linux-musl ;;
        Darwin) IMSJOB_TARGET=$arch-apple-darwin ;;
        MINGW* | MSYS* | CYGWIN* | Windows_NT) IMSJOB_TARGET=x86_64-pc-windows-msvc ;;
        *) fail "no imsjob release archive for $os" ;;
    esac
fi
case $IMSJOB_TARGET in
    *windows*) archive=imsjob-$IMSJOB_TARGET.zip exe=imsjob.exe ;;
    *) archive=imsjob-$IMSJOB_TARGET.tar.xz exe=imsjob ;;
esac
base=${IMSJOB_DOWNLOAD_URL:-https://github.com/opentelekomcloud-community/imsjob/releases/download/v$IMSJOB_VERSION}

work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/imsjob-wait.XXXXXX")
trap 'rm -rf "$work"' EXIT

download() {
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --retry 3 -o "$2" "$1"
    else
        wget -q -O "$2" "$1"
    fi || fail "could not download $1"
}
download "$base/$archive" "$work/$archive"
download "$base/$archive.sha256" "$work/$archive.sha256"

# dist writes `HASH *FILE` and then an empty line, which BusyBox's `sha256sum -c` counts as a
# failed check: the hash field is checked on its own, against the file downloaded here.
published=$(cut -d ' ' -f 1 "$work/$archive.sha256")
expected=${IMSJOB_SHA256:-$published}
if command -v sha256sum >/dev/null 2>&1; then
    actual=$(sha256sum "$work/$archive" | cut -d ' ' -f 1)
else
    actual=$(shasum -a 256 "$work/$archive" | cut -d ' ' -f 1)
fi
if [ "$actual" != "$expected" ] || [ -z "$expected" ]; then
    fail "$archive does not match its checksum (expected ${expected:-nothing}, got $actual): not running it"
fi
if [ "$published" != "$expected" ]; then
    echo "imsjob-wait: note: the release's $archive.sha256 differs from the pinned hash" >&2
fi
case $archive in
    *.zip)
        # dist's zip archives are flat, its tar archives hold one directory: unpacked alike.
        if command -v unzip >/dev/null 2>&1; then
            unzip -q -d "$work/imsjob-$IMSJOB_TARGET" "$work/$archive"
        else
            powershell.exe -NoProfile -Command "Expand-Archive -LiteralPath '$work/$archive' -DestinationPath '$work/imsjob-$IMSJOB_TARGET'"
        fi
        ;;
    *)
        # BusyBox and GNU tar want xz for -J; macOS's tar has it built in.
        if command -v xz >/dev/null 2>&1; then
            xz -dc "$work/$archive" | (cd "$work" && tar -xf -)
        else
            (cd "$work" && tar -xJf "$archive")
        fi
        ;;
esac
imsjob=$work/imsjob-$IMSJOB_TARGET/$exe
[ -x "$imsjob" ] || fail "$archive holds no $exe where dist puts it"
"$imsjob" --version >&2

# One run, three results: the document as imsjob printed it (one line), the image ids, and
# a Markdown row per job. Text from the API is kept out of the table's syntax.
program='(if type == "array" then . else [.] end) as $jobs
| tojson,
  ([$jobs[] | .entities.image_id // empty] | join(" ")),
  ($jobs[] | "| `\(.job_id)` | \(.status) | \(.entities.image_id // "" | if . == "" then "" else "`\(.)`" end) | \([.error_code, .fail_reason] | map(select(. != null and . != "")) | join(": ") | gsub("[\\r\\n]+"; " ") | gsub("[|]"; "\\|") | gsub("<"; "&lt;")) |")'
code=0
"$imsjob" wait --timeout "$timeout" --json --jq "$program" "$@" >"$work/result" || code=$?

case $code in
    0) status=SUCCESS ;;
    1) status=FAIL ;;
    124) status=TIMEOUT ;;
    130 | 143) status=INTERRUPTED ;;
    *) status=ERROR ;;
esac
json=$(sed -n 1p "$work/result")
images=$(sed -n 2p "$work/result")

{
    echo "### imsjob wait: $status (exit $code)"
    echo
    if [ -n "$(sed -n 3p "$work/result")" ]; then
        echo "| job | status | image | error |"
        echo "|---|---|---|---|"
        sed -n '3,$p' "$work/result"
    else
        echo "No job state was read: see the step's log."
    fi
} >"$work/summary.md"
cat "$work/summary.md"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    cat "$work/summary.md" >>"$GITHUB_STEP_SUMMARY"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    {
        echo "status=$status"
        echo "exit-code=$code"
        echo "image-id=$images"
        # The document is one line starting with `{` or `[`: it never equals the delimiter.
        echo "json<<IMSJOB_JSON_END"
        printf '%s\n' "$json"
        echo "IMSJOB_JSON_END"
    } >>"$GITHUB_OUTPUT"
fi
if [ -n "${IMSJOB_DOTENV:-}" ]; then
    printf 'IMSJOB_STATUS=%s\nIMSJOB_EXIT_CODE=%s\nIMSJOB_IMAGE_ID=%s\n' "$status" "$code" "$images" >>"$IMSJOB_DOTENV"
fi
if [ -n "${IMSJOB_JSON_FILE:-}" ]; then
    printf '%s\n' "$json" >"$IMSJOB_JSON_FILE"
fi
exit "$code"
