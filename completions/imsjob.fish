# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_imsjob_global_optspecs
    string join \n o/output= json jq= endpoint= service= region= project-id= cloud= request-timeout= cacert= insecure no-token-cache color= q/quiet v/verbose h/help V/version
end

function __fish_imsjob_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_imsjob_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_imsjob_using_subcommand
    set -l cmd (__fish_imsjob_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c imsjob -n "__fish_imsjob_needs_command" -s o -l output -d 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`' -r -f -a "table\t''
json\t''
tree\t''
wide\t''"
complete -c imsjob -n "__fish_imsjob_needs_command" -l jq -d 'Filter the JSON document with a jq expression; strings print raw' -r
complete -c imsjob -n "__fish_imsjob_needs_command" -l endpoint -d 'IMS base URL (no `/v1`); overrides the catalog and the region [env: IMSJOB_ENDPOINT]' -r
complete -c imsjob -n "__fish_imsjob_needs_command" -l service -d 'Service whose jobs these are; picks the catalog entry and the regional endpoint [default: ims] [env: IMSJOB_SERVICE]' -r -f -a "ims\t'Image Management Service'
ecs\t'Elastic Cloud Server'
evs\t'Elastic Volume Service'
bms\t'Bare Metal Server'"
complete -c imsjob -n "__fish_imsjob_needs_command" -l region -d 'Region (default: the project-name prefix, else `eu-de`) [env: OS_REGION_NAME]' -r
complete -c imsjob -n "__fish_imsjob_needs_command" -l project-id -d 'Project id the jobs belong to [env: OS_PROJECT_ID]' -r
complete -c imsjob -n "__fish_imsjob_needs_command" -l cloud -d 'Entry of clouds.yaml to use [env: OS_CLOUD]' -r
complete -c imsjob -n "__fish_imsjob_needs_command" -l request-timeout -d 'Time limit of one HTTP request [default: 30s]' -r
complete -c imsjob -n "__fish_imsjob_needs_command" -l cacert -d 'Extra CA certificates (PEM) to trust [env: OS_CACERT]' -r -F
complete -c imsjob -n "__fish_imsjob_needs_command" -l color -d 'When to colour output' -r -f -a "auto\t'Colour on a terminal, unless the environment says otherwise'
always\t'Colour even off a terminal (`NO_COLOR` still wins)'
never\t'Never colour'"
complete -c imsjob -n "__fish_imsjob_needs_command" -l json -d 'Same as `-o json`'
complete -c imsjob -n "__fish_imsjob_needs_command" -l insecure -d 'Do not verify TLS certificates (warns on stderr) [env: OS_INSECURE]'
complete -c imsjob -n "__fish_imsjob_needs_command" -l no-token-cache -d 'Do not read or write the IAM token cache (password authentication)'
complete -c imsjob -n "__fish_imsjob_needs_command" -s q -l quiet -d 'No progress on stderr'
complete -c imsjob -n "__fish_imsjob_needs_command" -s v -l verbose -d 'Debug log on stderr (repeat for more); secrets are never shown'
complete -c imsjob -n "__fish_imsjob_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imsjob -n "__fish_imsjob_needs_command" -s V -l version -d 'Print version'
complete -c imsjob -n "__fish_imsjob_needs_command" -f -a "get" -d 'Show jobs (a table by default)'
complete -c imsjob -n "__fish_imsjob_needs_command" -f -a "wait" -d 'Poll until every job is SUCCESS or FAIL; the exit code tells which'
complete -c imsjob -n "__fish_imsjob_needs_command" -f -a "tree" -d 'Show a job and its sub-jobs as a tree'
complete -c imsjob -n "__fish_imsjob_needs_command" -f -a "demo" -d 'A guided run against the built-in simulator; no account needed'
complete -c imsjob -n "__fish_imsjob_needs_command" -f -a "sim" -d 'Serve the IMS simulator on 127.0.0.1 for offline script testing'
complete -c imsjob -n "__fish_imsjob_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c imsjob -n "__fish_imsjob_needs_command" -f -a "explain" -d 'What an error code means, what to do about it, and whether imsjob retries it'
complete -c imsjob -n "__fish_imsjob_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -s o -l output -d 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`' -r -f -a "table\t''
json\t''
tree\t''
wide\t''"
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -l jq -d 'Filter the JSON document with a jq expression; strings print raw' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -l endpoint -d 'IMS base URL (no `/v1`); overrides the catalog and the region [env: IMSJOB_ENDPOINT]' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -l service -d 'Service whose jobs these are; picks the catalog entry and the regional endpoint [default: ims] [env: IMSJOB_SERVICE]' -r -f -a "ims\t'Image Management Service'
ecs\t'Elastic Cloud Server'
evs\t'Elastic Volume Service'
bms\t'Bare Metal Server'"
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -l region -d 'Region (default: the project-name prefix, else `eu-de`) [env: OS_REGION_NAME]' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -l project-id -d 'Project id the jobs belong to [env: OS_PROJECT_ID]' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -l cloud -d 'Entry of clouds.yaml to use [env: OS_CLOUD]' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -l request-timeout -d 'Time limit of one HTTP request [default: 30s]' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -l cacert -d 'Extra CA certificates (PEM) to trust [env: OS_CACERT]' -r -F
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -l color -d 'When to colour output' -r -f -a "auto\t'Colour on a terminal, unless the environment says otherwise'
always\t'Colour even off a terminal (`NO_COLOR` still wins)'
never\t'Never colour'"
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -l json -d 'Same as `-o json`'
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -l insecure -d 'Do not verify TLS certificates (warns on stderr) [env: OS_INSECURE]'
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -l no-token-cache -d 'Do not read or write the IAM token cache (password authentication)'
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -s q -l quiet -d 'No progress on stderr'
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -s v -l verbose -d 'Debug log on stderr (repeat for more); secrets are never shown'
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imsjob -n "__fish_imsjob_using_subcommand get" -s V -l version -d 'Print version'
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l timeout -d 'Overall deadline; `0` checks once, `none` waits without limit' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l interval -d 'First delay between polls of a job; grows x1.5 with jitter' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l max-interval -d 'Cap of the delay between polls' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l max-rps -d 'Request budget per second, shared by all jobs' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l not-found-grace -d 'How long a job that is not found counts as just created (then exit 4)' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -s o -l output -d 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`' -r -f -a "table\t''
json\t''
tree\t''
wide\t''"
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l jq -d 'Filter the JSON document with a jq expression; strings print raw' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l endpoint -d 'IMS base URL (no `/v1`); overrides the catalog and the region [env: IMSJOB_ENDPOINT]' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l service -d 'Service whose jobs these are; picks the catalog entry and the regional endpoint [default: ims] [env: IMSJOB_SERVICE]' -r -f -a "ims\t'Image Management Service'
ecs\t'Elastic Cloud Server'
evs\t'Elastic Volume Service'
bms\t'Bare Metal Server'"
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l region -d 'Region (default: the project-name prefix, else `eu-de`) [env: OS_REGION_NAME]' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l project-id -d 'Project id the jobs belong to [env: OS_PROJECT_ID]' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l cloud -d 'Entry of clouds.yaml to use [env: OS_CLOUD]' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l request-timeout -d 'Time limit of one HTTP request [default: 30s]' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l cacert -d 'Extra CA certificates (PEM) to trust [env: OS_CACERT]' -r -F
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l color -d 'When to colour output' -r -f -a "auto\t'Colour on a terminal, unless the environment says otherwise'
always\t'Colour even off a terminal (`NO_COLOR` still wins)'
never\t'Never colour'"
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l fail-fast -d 'With several jobs, stop at the first FAIL'
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l events -d 'NDJSON on stdout: one line per state change, then one final line'
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l json -d 'Same as `-o json`'
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l insecure -d 'Do not verify TLS certificates (warns on stderr) [env: OS_INSECURE]'
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -l no-token-cache -d 'Do not read or write the IAM token cache (password authentication)'
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -s q -l quiet -d 'No progress on stderr'
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -s v -l verbose -d 'Debug log on stderr (repeat for more); secrets are never shown'
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imsjob -n "__fish_imsjob_using_subcommand wait" -s V -l version -d 'Print version'
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -l max-sub-jobs -d 'Sub-jobs shown at most, fetched or given in full, nearest first; the rest are counted' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -s o -l output -d 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`' -r -f -a "table\t''
json\t''
tree\t''
wide\t''"
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -l jq -d 'Filter the JSON document with a jq expression; strings print raw' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -l endpoint -d 'IMS base URL (no `/v1`); overrides the catalog and the region [env: IMSJOB_ENDPOINT]' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -l service -d 'Service whose jobs these are; picks the catalog entry and the regional endpoint [default: ims] [env: IMSJOB_SERVICE]' -r -f -a "ims\t'Image Management Service'
ecs\t'Elastic Cloud Server'
evs\t'Elastic Volume Service'
bms\t'Bare Metal Server'"
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -l region -d 'Region (default: the project-name prefix, else `eu-de`) [env: OS_REGION_NAME]' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -l project-id -d 'Project id the jobs belong to [env: OS_PROJECT_ID]' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -l cloud -d 'Entry of clouds.yaml to use [env: OS_CLOUD]' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -l request-timeout -d 'Time limit of one HTTP request [default: 30s]' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -l cacert -d 'Extra CA certificates (PEM) to trust [env: OS_CACERT]' -r -F
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -l color -d 'When to colour output' -r -f -a "auto\t'Colour on a terminal, unless the environment says otherwise'
always\t'Colour even off a terminal (`NO_COLOR` still wins)'
never\t'Never colour'"
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -l json -d 'Same as `-o json`'
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -l insecure -d 'Do not verify TLS certificates (warns on stderr) [env: OS_INSECURE]'
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -l no-token-cache -d 'Do not read or write the IAM token cache (password authentication)'
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -s q -l quiet -d 'No progress on stderr'
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -s v -l verbose -d 'Debug log on stderr (repeat for more); secrets are never shown'
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imsjob -n "__fish_imsjob_using_subcommand tree" -s V -l version -d 'Print version'
complete -c imsjob -n "__fish_imsjob_using_subcommand demo" -l color -d 'When to colour output' -r -f -a "auto\t'Colour on a terminal, unless the environment says otherwise'
always\t'Colour even off a terminal (`NO_COLOR` still wins)'
never\t'Never colour'"
complete -c imsjob -n "__fish_imsjob_using_subcommand demo" -s q -l quiet -d 'No progress on stderr'
complete -c imsjob -n "__fish_imsjob_using_subcommand demo" -s v -l verbose -d 'Debug log on stderr (repeat for more); secrets are never shown'
complete -c imsjob -n "__fish_imsjob_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imsjob -n "__fish_imsjob_using_subcommand demo" -s V -l version -d 'Print version'
complete -c imsjob -n "__fish_imsjob_using_subcommand sim" -l port -d 'Port on 127.0.0.1 (0 picks a free one)' -r
complete -c imsjob -n "__fish_imsjob_using_subcommand sim" -l scenario -d 'Scenario file (YAML or JSON) declaring jobs, timelines, outcomes and faults' -r -F
complete -c imsjob -n "__fish_imsjob_using_subcommand sim" -l color -d 'When to colour output' -r -f -a "auto\t'Colour on a terminal, unless the environment says otherwise'
always\t'Colour even off a terminal (`NO_COLOR` still wins)'
never\t'Never colour'"
complete -c imsjob -n "__fish_imsjob_using_subcommand sim" -l tls -d 'Serve HTTPS with a self-signed certificate made at start (its PEM path is printed)'
complete -c imsjob -n "__fish_imsjob_using_subcommand sim" -s q -l quiet -d 'No progress on stderr'
complete -c imsjob -n "__fish_imsjob_using_subcommand sim" -s v -l verbose -d 'Debug log on stderr (repeat for more); secrets are never shown'
complete -c imsjob -n "__fish_imsjob_using_subcommand sim" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imsjob -n "__fish_imsjob_using_subcommand sim" -s V -l version -d 'Print version'
complete -c imsjob -n "__fish_imsjob_using_subcommand completions" -l color -d 'When to colour output' -r -f -a "auto\t'Colour on a terminal, unless the environment says otherwise'
always\t'Colour even off a terminal (`NO_COLOR` still wins)'
never\t'Never colour'"
complete -c imsjob -n "__fish_imsjob_using_subcommand completions" -s q -l quiet -d 'No progress on stderr'
complete -c imsjob -n "__fish_imsjob_using_subcommand completions" -s v -l verbose -d 'Debug log on stderr (repeat for more); secrets are never shown'
complete -c imsjob -n "__fish_imsjob_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imsjob -n "__fish_imsjob_using_subcommand completions" -s V -l version -d 'Print version'
complete -c imsjob -n "__fish_imsjob_using_subcommand explain" -l color -d 'When to colour output' -r -f -a "auto\t'Colour on a terminal, unless the environment says otherwise'
always\t'Colour even off a terminal (`NO_COLOR` still wins)'
never\t'Never colour'"
complete -c imsjob -n "__fish_imsjob_using_subcommand explain" -l list -d 'Print every known code, one per line: code, service, meaning'
complete -c imsjob -n "__fish_imsjob_using_subcommand explain" -l json -d 'JSON for scripts: an object per code (an array for several codes or `--list`)'
complete -c imsjob -n "__fish_imsjob_using_subcommand explain" -s q -l quiet -d 'No progress on stderr'
complete -c imsjob -n "__fish_imsjob_using_subcommand explain" -s v -l verbose -d 'Debug log on stderr (repeat for more); secrets are never shown'
complete -c imsjob -n "__fish_imsjob_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imsjob -n "__fish_imsjob_using_subcommand explain" -s V -l version -d 'Print version'
complete -c imsjob -n "__fish_imsjob_using_subcommand help; and not __fish_seen_subcommand_from get wait tree demo sim completions explain help" -f -a "get" -d 'Show jobs (a table by default)'
complete -c imsjob -n "__fish_imsjob_using_subcommand help; and not __fish_seen_subcommand_from get wait tree demo sim completions explain help" -f -a "wait" -d 'Poll until every job is SUCCESS or FAIL; the exit code tells which'
complete -c imsjob -n "__fish_imsjob_using_subcommand help; and not __fish_seen_subcommand_from get wait tree demo sim completions explain help" -f -a "tree" -d 'Show a job and its sub-jobs as a tree'
complete -c imsjob -n "__fish_imsjob_using_subcommand help; and not __fish_seen_subcommand_from get wait tree demo sim completions explain help" -f -a "demo" -d 'A guided run against the built-in simulator; no account needed'
complete -c imsjob -n "__fish_imsjob_using_subcommand help; and not __fish_seen_subcommand_from get wait tree demo sim completions explain help" -f -a "sim" -d 'Serve the IMS simulator on 127.0.0.1 for offline script testing'
complete -c imsjob -n "__fish_imsjob_using_subcommand help; and not __fish_seen_subcommand_from get wait tree demo sim completions explain help" -f -a "completions" -d 'Print a shell completion script'
complete -c imsjob -n "__fish_imsjob_using_subcommand help; and not __fish_seen_subcommand_from get wait tree demo sim completions explain help" -f -a "explain" -d 'What an error code means, what to do about it, and whether imsjob retries it'
complete -c imsjob -n "__fish_imsjob_using_subcommand help; and not __fish_seen_subcommand_from get wait tree demo sim completions explain help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
