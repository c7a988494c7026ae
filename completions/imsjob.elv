
use builtin;
use str;

set edit:completion:arg-completer[imsjob] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'imsjob'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'imsjob'= {
            cand -o 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`'
            cand --output 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`'
            cand --jq 'Filter the JSON document with a jq expression; strings print raw'
            cand --endpoint 'IMS base URL (no `/v1`); overrides the catalog and the region [env: IMSJOB_ENDPOINT]'
            cand --service 'Service whose jobs these are; picks the catalog entry and the regional endpoint [default: ims] [env: IMSJOB_SERVICE]'
            cand --region 'Region (default: the project-name prefix, else `eu-de`) [env: OS_REGION_NAME]'
            cand --project-id 'Project id the jobs belong to [env: OS_PROJECT_ID]'
            cand --cloud 'Entry of clouds.yaml to use [env: OS_CLOUD]'
            cand --request-timeout 'Time limit of one HTTP request [default: 30s]'
            cand --cacert 'Extra CA certificates (PEM) to trust [env: OS_CACERT]'
            cand --color 'When to colour output'
            cand --json 'Same as `-o json`'
            cand --insecure 'Do not verify TLS certificates (warns on stderr) [env: OS_INSECURE]'
            cand --no-token-cache 'Do not read or write the IAM token cache (password authentication)'
            cand -q 'No progress on stderr'
            cand --quiet 'No progress on stderr'
            cand -v 'Debug log on stderr (repeat for more); secrets are never shown'
            cand --verbose 'Debug log on stderr (repeat for more); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand get 'Show jobs (a table by default)'
            cand wait 'Poll until every job is SUCCESS or FAIL; the exit code tells which'
            cand tree 'Show a job and its sub-jobs as a tree'
            cand demo 'A guided run against the built-in simulator; no account needed'
            cand sim 'Serve the IMS simulator on 127.0.0.1 for offline script testing'
            cand completions 'Print a shell completion script'
            cand explain 'What an error code means, what to do about it, and whether imsjob retries it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'imsjob;get'= {
            cand -o 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`'
            cand --output 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`'
            cand --jq 'Filter the JSON document with a jq expression; strings print raw'
            cand --endpoint 'IMS base URL (no `/v1`); overrides the catalog and the region [env: IMSJOB_ENDPOINT]'
            cand --service 'Service whose jobs these are; picks the catalog entry and the regional endpoint [default: ims] [env: IMSJOB_SERVICE]'
            cand --region 'Region (default: the project-name prefix, else `eu-de`) [env: OS_REGION_NAME]'
            cand --project-id 'Project id the jobs belong to [env: OS_PROJECT_ID]'
            cand --cloud 'Entry of clouds.yaml to use [env: OS_CLOUD]'
            cand --request-timeout 'Time limit of one HTTP request [default: 30s]'
            cand --cacert 'Extra CA certificates (PEM) to trust [env: OS_CACERT]'
            cand --color 'When to colour output'
            cand --json 'Same as `-o json`'
            cand --insecure 'Do not verify TLS certificates (warns on stderr) [env: OS_INSECURE]'
            cand --no-token-cache 'Do not read or write the IAM token cache (password authentication)'
            cand -q 'No progress on stderr'
            cand --quiet 'No progress on stderr'
            cand -v 'Debug log on stderr (repeat for more); secrets are never shown'
            cand --verbose 'Debug log on stderr (repeat for more); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imsjob;wait'= {
            cand --timeout 'Overall deadline; `0` checks once, `none` waits without limit'
            cand --interval 'First delay between polls of a job; grows x1.5 with jitter'
            cand --max-interval 'Cap of the delay between polls'
            cand --max-rps 'Request budget per second, shared by all jobs'
            cand --not-found-grace 'How long a job that is not found counts as just created (then exit 4)'
            cand -o 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`'
            cand --output 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`'
            cand --jq 'Filter the JSON document with a jq expression; strings print raw'
            cand --endpoint 'IMS base URL (no `/v1`); overrides the catalog and the region [env: IMSJOB_ENDPOINT]'
            cand --service 'Service whose jobs these are; picks the catalog entry and the regional endpoint [default: ims] [env: IMSJOB_SERVICE]'
            cand --region 'Region (default: the project-name prefix, else `eu-de`) [env: OS_REGION_NAME]'
            cand --project-id 'Project id the jobs belong to [env: OS_PROJECT_ID]'
            cand --cloud 'Entry of clouds.yaml to use [env: OS_CLOUD]'
            cand --request-timeout 'Time limit of one HTTP request [default: 30s]'
            cand --cacert 'Extra CA certificates (PEM) to trust [env: OS_CACERT]'
            cand --color 'When to colour output'
            cand --fail-fast 'With several jobs, stop at the first FAIL'
            cand --events 'NDJSON on stdout: one line per state change, then one final line'
            cand --json 'Same as `-o json`'
            cand --insecure 'Do not verify TLS certificates (warns on stderr) [env: OS_INSECURE]'
            cand --no-token-cache 'Do not read or write the IAM token cache (password authentication)'
            cand -q 'No progress on stderr'
            cand --quiet 'No progress on stderr'
            cand -v 'Debug log on stderr (repeat for more); secrets are never shown'
            cand --verbose 'Debug log on stderr (repeat for more); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imsjob;tree'= {
            cand --max-sub-jobs 'Sub-jobs shown at most, fetched or given in full, nearest first; the rest are counted'
            cand -o 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`'
            cand --output 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`'
            cand --jq 'Filter the JSON document with a jq expression; strings print raw'
            cand --endpoint 'IMS base URL (no `/v1`); overrides the catalog and the region [env: IMSJOB_ENDPOINT]'
            cand --service 'Service whose jobs these are; picks the catalog entry and the regional endpoint [default: ims] [env: IMSJOB_SERVICE]'
            cand --region 'Region (default: the project-name prefix, else `eu-de`) [env: OS_REGION_NAME]'
            cand --project-id 'Project id the jobs belong to [env: OS_PROJECT_ID]'
            cand --cloud 'Entry of clouds.yaml to use [env: OS_CLOUD]'
            cand --request-timeout 'Time limit of one HTTP request [default: 30s]'
            cand --cacert 'Extra CA certificates (PEM) to trust [env: OS_CACERT]'
            cand --color 'When to colour output'
            cand --json 'Same as `-o json`'
            cand --insecure 'Do not verify TLS certificates (warns on stderr) [env: OS_INSECURE]'
            cand --no-token-cache 'Do not read or write the IAM token cache (password authentication)'
            cand -q 'No progress on stderr'
            cand --quiet 'No progress on stderr'
            cand -v 'Debug log on stderr (repeat for more); secrets are never shown'
            cand --verbose 'Debug log on stderr (repeat for more); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imsjob;demo'= {
            cand --color 'When to colour output'
            cand -q 'No progress on stderr'
            cand --quiet 'No progress on stderr'
            cand -v 'Debug log on stderr (repeat for more); secrets are never shown'
            cand --verbose 'Debug log on stderr (repeat for more); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imsjob;sim'= {
            cand --port 'Port on 127.0.0.1 (0 picks a free one)'
            cand --scenario 'Scenario file (YAML or JSON) declaring jobs, timelines, outcomes and faults'
            cand --color 'When to colour output'
            cand --tls 'Serve HTTPS with a self-signed certificate made at start (its PEM path is printed)'
            cand -q 'No progress on stderr'
            cand --quiet 'No progress on stderr'
            cand -v 'Debug log on stderr (repeat for more); secrets are never shown'
            cand --verbose 'Debug log on stderr (repeat for more); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imsjob;completions'= {
            cand --color 'When to colour output'
            cand -q 'No progress on stderr'
            cand --quiet 'No progress on stderr'
            cand -v 'Debug log on stderr (repeat for more); secrets are never shown'
            cand --verbose 'Debug log on stderr (repeat for more); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imsjob;explain'= {
            cand --color 'When to colour output'
            cand --list 'Print every known code, one per line: code, service, meaning'
            cand --json 'JSON for scripts: an object per code (an array for several codes or `--list`)'
            cand -q 'No progress on stderr'
            cand --quiet 'No progress on stderr'
            cand -v 'Debug log on stderr (repeat for more); secrets are never shown'
            cand --verbose 'Debug log on stderr (repeat for more); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imsjob;help'= {
            cand get 'Show jobs (a table by default)'
            cand wait 'Poll until every job is SUCCESS or FAIL; the exit code tells which'
            cand tree 'Show a job and its sub-jobs as a tree'
            cand demo 'A guided run against the built-in simulator; no account needed'
            cand sim 'Serve the IMS simulator on 127.0.0.1 for offline script testing'
            cand completions 'Print a shell completion script'
            cand explain 'What an error code means, what to do about it, and whether imsjob retries it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'imsjob;help;get'= {
        }
        &'imsjob;help;wait'= {
        }
        &'imsjob;help;tree'= {
        }
        &'imsjob;help;demo'= {
        }
        &'imsjob;help;sim'= {
        }
        &'imsjob;help;completions'= {
        }
        &'imsjob;help;explain'= {
        }
        &'imsjob;help;help'= {
        }
    ]
    $completions[$command]
}
