// The command's help texts: `podprobe help [COMMAND]`, `--help`, and after a usage error.

export const USAGE = `usage: podprobe [options] [FILE…]         filter: every record out, tagged where it matched (no FILE or -: stdin)
       podprobe key [options] [FILE…]     one line per record: its correlation key, or empty
       podprobe demo [options]            run on the bundled sample stream and explain what it found
       podprobe serve --listen ADDR --forward ADDR [--metrics HOST:PORT] [options]
                                          the Vector sidecar (podprobe serve --help)
       podprobe build-fluent-bit [--rules PATH…] [--config FILE] [--out FILE]
                                          the Fluent Bit filter_wasm module with these rules and options
       podprobe rules check PATH…        which rule files load, and why the others do not
       podprobe help [COMMAND]

options (each also a snake_case key of a --config JSON file; flags win over it):
  --config FILE            JSON object of options
  --rules PATH             Elastic detection-rule TOML file or folder (repeatable); default: the seed rule
  --skip-unsupported       load the other rules when one uses EQL podprobe cannot run yet
  --include-deprecated     also load rules with maturity = "deprecated"
  --key-mode pod|namespace-pod
  --lateness-ms N          --max-future-ms N    --skew-ms N        --hold-ms N
  --maxspan-ms N           --max-state-bytes N  --max-keys N       --ring-capacity N
  --max-record-bytes N     --max-summary-bytes N                   --batch-bytes N
  --source-field FIELD     a record field naming its stream: each value keeps its own watermark (default: one)
  --source-idle-ms N       --max-sources N      --max-keys-per-record N
  --validate candidates|all
                           candidates (default): records without the rules' literals pass uninspected;
                           all: every record is validated (and counted in invalid)
  --alerts, --no-alerts    write alert records (default) or not
  --redact, --no-redact    mask credentials in tags and alerts (default) or copy values verbatim
  --stats                  one JSON line of counters on stderr at exit
  -h, --help               -v, --version
N is a decimal integer.`;

export const SERVE_USAGE = `usage: podprobe serve --listen ADDR --forward ADDR [--metrics HOST:PORT] [options]

Runs beside Vector: reads records from Vector's sink, writes them, tagged, to Vector's source.
  socket mode   --listen tcp://HOST:PORT or unix:///PATH   --forward tcp://HOST:PORT or unix:///PATH
                (Vector socket sink → podprobe → Vector socket source; codec json, newline_delimited)
  HTTP mode     --listen http://HOST:PORT                   --forward http://HOST:PORT/PATH
                (Vector http sink → podprobe → Vector http_server source; at-least-once with acknowledgements;
                bodies may be gzip, deflate or zstd)

serve options (also snake_case keys of --config):
  --metrics HOST:PORT       Prometheus text on http://HOST:PORT/metrics
  --max-inflight-bytes N    bytes queued toward downstream before inputs are paused (socket), or in flight
                            before 503 (HTTP); a body that decompresses beyond it gets 413 (default 67108864)
  --retry-timeout-ms N      HTTP mode: how long a batch is retried downstream before 503 upstream (default 30000)
  --stats                   one JSON line of counters on stderr at exit
and every correlator option of \`podprobe help\` (--hold-ms only in socket mode).
SIGTERM or SIGINT: stop accepting, flush held records and everything queued, exit 0.`;

export const BUILD_USAGE = `usage: podprobe build-fluent-bit [--rules PATH…] [--skip-unsupported] [--config FILE] [--out FILE] [options]

Writes the Fluent Bit filter_wasm module (function podprobe_filter, Event_Format json) with the rules and the
options built in; default --out: ./podprobe-fluent-bit.wasm. No compiler is needed: the module shipped with
podprobe reads its rule program and options from a data block that this command fills in.
Options that Fluent Bit cannot honour are refused: hold_ms (a filter returns each record when called).`;

export const HELP: Record<string, string> = { serve: SERVE_USAGE, "build-fluent-bit": BUILD_USAGE };
