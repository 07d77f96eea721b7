#pragma once
// What ncbctl shows of a service's own log (a node that does not come up, `ncbctl logs`): the last lines,
// readable and without credentials. Node logs are not ncbctl's output: they may carry values ncbctl never
// registered as secrets (a DSN with a password, a bearer token in a request log), so they are scrubbed by
// shape here, on top of the run's registered-secret redaction.
#include <cstddef>
#include <string>
#include <string_view>

namespace ncbctl::util {

// The last `lines` non-empty lines of `text`, '\n'-joined: terminal escape sequences and other control
// characters removed, each line cut at 400 characters, credentials masked (scrub_credentials).
std::string log_excerpt(std::string_view text, std::size_t lines);

// For a reader in a hurry (a node that did not come up): `text`'s lines with each run of consecutive lines
// that differ only in numbers and ids (timestamps, request ids: NocoBase logs one such line per readiness
// poll) shown once, as its last line prefixed `[xN] `; the last `max_lines` of those.
std::string collapse_similar(std::string_view text, std::size_t max_lines);

// Masks `scheme://user:PASSWORD@`, `Bearer TOKEN`, and the values of password/passwd/pwd/secret/token/
// api_key/apikey/authorization keys written `key=value`, `key: value` or `"key":"value"` with `***`.
std::string scrub_credentials(std::string line);

}  // namespace ncbctl::util
