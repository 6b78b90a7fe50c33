/**
 * The `post-receive` hook `gantry hook install` writes: a POSIX shell script
 * that needs only `curl` (and one of sha256sum, shasum or openssl) on the git
 * server. For each updated branch or tag it reports the push to
 * `POST /api/pushes` and prints the run's URL, or why no run started. It
 * never fails or stalls the push: curl gives up after a short timeout, and
 * an unreachable controller costs one line of warning. A hook that was there
 * before runs first, with the same input, and its exit status is kept.
 */

/** The first line after the shebang: how install and uninstall recognise their own hook. */
export const HOOK_MARKER = '# gantry post-receive hook';
/** Where install moves a hook that was there before; ours runs it first. */
export const CHAINED_HOOK_NAME = 'post-receive.before-gantry';
export const TOKEN_FILE_NAME = 'gantry-token';

export interface HookSettings {
  /** The controller's base URL. */
  apiUrl: string;
  /** The repository as runs name it (what the controller and agents fetch). */
  repo: string;
  /** Absolute path of the file holding the API token. */
  tokenFile: string;
  /** Absolute path of the chained hook. */
  chainedHook: string;
  /** Seconds curl may take to connect, and in all. */
  connectTimeoutSeconds: number;
  maxTimeSeconds: number;
}

export function renderHookScript(settings: HookSettings): string {
  return `#!/bin/sh
${HOOK_MARKER} (written by \`gantry hook install\`; \`gantry hook uninstall\` removes it).
# Reports each pushed branch or tag to Gantry; never fails or stalls the push.
gantry_url=${shellQuote(settings.apiUrl)}
gantry_repo_json=${shellQuote(JSON.stringify(settings.repo))}
gantry_key_repo=${shellQuote(settings.repo)}
gantry_token_file=${shellQuote(settings.tokenFile)}
gantry_chained=${shellQuote(settings.chainedHook)}

input=$(cat)
status=0
if [ -x "$gantry_chained" ]; then
  printf '%s\\n' "$input" | "$gantry_chained" "$@"
  status=$?
fi

gantry_sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 | cut -d' ' -f1
  else openssl dgst -sha256 -r | cut -d' ' -f1
  fi
}

if ! command -v curl >/dev/null 2>&1; then
  echo "gantry: curl is not installed on the git server; no run started" >&2
  exit $status
fi
token=$(cat "$gantry_token_file" 2>/dev/null)

printf '%s\\n' "$input" | while read -r old new ref; do
  [ -n "$ref" ] || continue
  case "$new" in *[!0]*) ;; *) continue ;; esac
  case "$ref" in refs/heads/* | refs/tags/*) ;; *) continue ;; esac
  key=gantry-push-$(printf '%s\\n%s\\n%s\\n%s' "$gantry_key_repo" "$ref" "$old" "$new" | gantry_sha256)
  ref_json=$(printf '%s' "$ref" | sed 's/"/\\\\"/g')
  body=$(printf '{"repo":%s,"ref":"%s","before":"%s","after":"%s"}' "$gantry_repo_json" "$ref_json" "$old" "$new")
  answer=$(curl --silent --show-error --connect-timeout ${settings.connectTimeoutSeconds} --max-time ${settings.maxTimeSeconds} \\
    --request POST --header "authorization: Bearer $token" --header 'content-type: application/json' \\
    --header "idempotency-key: $key" --data "$body" --write-out '\\n%{http_code}' "$gantry_url/api/pushes" 2>&1)
  if [ $? -ne 0 ]; then
    echo "gantry: warning: controller unreachable at $gantry_url ($(printf '%s' "$answer" | head -n 1)); no run for $ref" >&2
    continue
  fi
  code=$(printf '%s' "$answer" | tail -n 1)
  reply=$(printf '%s' "$answer" | sed '$d')
  url=$(printf '%s' "$reply" | sed -n 's/.*"url":"\\([^"]*\\)".*/\\1/p')
  skipped=$(printf '%s' "$reply" | sed -n 's/.*"skipped":"\\(.*\\)"}.*/\\1/p' | sed 's/\\\\"/"/g')
  message=$(printf '%s' "$reply" | sed -n 's/.*"message":"\\([^"]*\\)".*/\\1/p')
  if [ -n "$url" ]; then
    echo "gantry: $ref: run $url"
  elif [ -n "$skipped" ]; then
    echo "gantry: $ref: no run: $skipped"
  else
    echo "gantry: warning: $ref: no run: HTTP $code \${message:-$reply}" >&2
  fi
done
exit $status
`;
}

/** `it's` → `'it'\\''s'`: one shell word whatever the text. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
