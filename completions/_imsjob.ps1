
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'imsjob' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'imsjob'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'imsjob' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON document with a jq expression; strings print raw')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'IMS base URL (no `/v1`); overrides the catalog and the region [env: IMSJOB_ENDPOINT]')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'Service whose jobs these are; picks the catalog entry and the regional endpoint [default: ims] [env: IMSJOB_SERVICE]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Region (default: the project-name prefix, else `eu-de`) [env: OS_REGION_NAME]')
            [CompletionResult]::new('--project-id', '--project-id', [CompletionResultType]::ParameterName, 'Project id the jobs belong to [env: OS_PROJECT_ID]')
            [CompletionResult]::new('--cloud', '--cloud', [CompletionResultType]::ParameterName, 'Entry of clouds.yaml to use [env: OS_CLOUD]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time limit of one HTTP request [default: 30s]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust [env: OS_CACERT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as `-o json`')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (warns on stderr) [env: OS_INSECURE]')
            [CompletionResult]::new('--no-token-cache', '--no-token-cache', [CompletionResultType]::ParameterName, 'Do not read or write the IAM token cache (password authentication)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Show jobs (a table by default)')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Poll until every job is SUCCESS or FAIL; the exit code tells which')
            [CompletionResult]::new('tree', 'tree', [CompletionResultType]::ParameterValue, 'Show a job and its sub-jobs as a tree')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'A guided run against the built-in simulator; no account needed')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'Serve the IMS simulator on 127.0.0.1 for offline script testing')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'What an error code means, what to do about it, and whether imsjob retries it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'imsjob;get' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON document with a jq expression; strings print raw')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'IMS base URL (no `/v1`); overrides the catalog and the region [env: IMSJOB_ENDPOINT]')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'Service whose jobs these are; picks the catalog entry and the regional endpoint [default: ims] [env: IMSJOB_SERVICE]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Region (default: the project-name prefix, else `eu-de`) [env: OS_REGION_NAME]')
            [CompletionResult]::new('--project-id', '--project-id', [CompletionResultType]::ParameterName, 'Project id the jobs belong to [env: OS_PROJECT_ID]')
            [CompletionResult]::new('--cloud', '--cloud', [CompletionResultType]::ParameterName, 'Entry of clouds.yaml to use [env: OS_CLOUD]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time limit of one HTTP request [default: 30s]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust [env: OS_CACERT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as `-o json`')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (warns on stderr) [env: OS_INSECURE]')
            [CompletionResult]::new('--no-token-cache', '--no-token-cache', [CompletionResultType]::ParameterName, 'Do not read or write the IAM token cache (password authentication)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imsjob;wait' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Overall deadline; `0` checks once, `none` waits without limit')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'First delay between polls of a job; grows x1.5 with jitter')
            [CompletionResult]::new('--max-interval', '--max-interval', [CompletionResultType]::ParameterName, 'Cap of the delay between polls')
            [CompletionResult]::new('--max-rps', '--max-rps', [CompletionResultType]::ParameterName, 'Request budget per second, shared by all jobs')
            [CompletionResult]::new('--not-found-grace', '--not-found-grace', [CompletionResultType]::ParameterName, 'How long a job that is not found counts as just created (then exit 4)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON document with a jq expression; strings print raw')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'IMS base URL (no `/v1`); overrides the catalog and the region [env: IMSJOB_ENDPOINT]')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'Service whose jobs these are; picks the catalog entry and the regional endpoint [default: ims] [env: IMSJOB_SERVICE]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Region (default: the project-name prefix, else `eu-de`) [env: OS_REGION_NAME]')
            [CompletionResult]::new('--project-id', '--project-id', [CompletionResultType]::ParameterName, 'Project id the jobs belong to [env: OS_PROJECT_ID]')
            [CompletionResult]::new('--cloud', '--cloud', [CompletionResultType]::ParameterName, 'Entry of clouds.yaml to use [env: OS_CLOUD]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time limit of one HTTP request [default: 30s]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust [env: OS_CACERT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'With several jobs, stop at the first FAIL')
            [CompletionResult]::new('--events', '--events', [CompletionResultType]::ParameterName, 'NDJSON on stdout: one line per state change, then one final line')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as `-o json`')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (warns on stderr) [env: OS_INSECURE]')
            [CompletionResult]::new('--no-token-cache', '--no-token-cache', [CompletionResultType]::ParameterName, 'Do not read or write the IAM token cache (password authentication)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imsjob;tree' {
            [CompletionResult]::new('--max-sub-jobs', '--max-sub-jobs', [CompletionResultType]::ParameterName, 'Sub-jobs shown at most, fetched or given in full, nearest first; the rest are counted')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON document with a jq expression; strings print raw')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'IMS base URL (no `/v1`); overrides the catalog and the region [env: IMSJOB_ENDPOINT]')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'Service whose jobs these are; picks the catalog entry and the regional endpoint [default: ims] [env: IMSJOB_SERVICE]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Region (default: the project-name prefix, else `eu-de`) [env: OS_REGION_NAME]')
            [CompletionResult]::new('--project-id', '--project-id', [CompletionResultType]::ParameterName, 'Project id the jobs belong to [env: OS_PROJECT_ID]')
            [CompletionResult]::new('--cloud', '--cloud', [CompletionResultType]::ParameterName, 'Entry of clouds.yaml to use [env: OS_CLOUD]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time limit of one HTTP request [default: 30s]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust [env: OS_CACERT]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as `-o json`')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (warns on stderr) [env: OS_INSECURE]')
            [CompletionResult]::new('--no-token-cache', '--no-token-cache', [CompletionResultType]::ParameterName, 'Do not read or write the IAM token cache (password authentication)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imsjob;demo' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imsjob;sim' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port on 127.0.0.1 (0 picks a free one)')
            [CompletionResult]::new('--scenario', '--scenario', [CompletionResultType]::ParameterName, 'Scenario file (YAML or JSON) declaring jobs, timelines, outcomes and faults')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Serve HTTPS with a self-signed certificate made at start (its PEM path is printed)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imsjob;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imsjob;explain' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'Print every known code, one per line: code, service, meaning')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'JSON for scripts: an object per code (an array for several codes or `--list`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Debug log on stderr (repeat for more); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imsjob;help' {
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Show jobs (a table by default)')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Poll until every job is SUCCESS or FAIL; the exit code tells which')
            [CompletionResult]::new('tree', 'tree', [CompletionResultType]::ParameterValue, 'Show a job and its sub-jobs as a tree')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'A guided run against the built-in simulator; no account needed')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'Serve the IMS simulator on 127.0.0.1 for offline script testing')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'What an error code means, what to do about it, and whether imsjob retries it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'imsjob;help;get' {
            break
        }
        'imsjob;help;wait' {
            break
        }
        'imsjob;help;tree' {
            break
        }
        'imsjob;help;demo' {
            break
        }
        'imsjob;help;sim' {
            break
        }
        'imsjob;help;completions' {
            break
        }
        'imsjob;help;explain' {
            break
        }
        'imsjob;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
