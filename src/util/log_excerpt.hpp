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

// Masks `scheme://user:PASSWORD@`, `Bearer TOKEN`, and the values of password/passwd/pwd/secret/token/
// api_key/apikey/authorization keys written `key=value`, `key: value` or `"key":"value"` with `***`.
std::string scrub_credentials(std::string line);

}  // namespace ncbctl::util
