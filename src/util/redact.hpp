#pragma once
// The one way a URL is shown (text, JSON, errors, events): a URL from the inventory or the command line may
// carry a credential in its userinfo (`https://user:pw@host`), a query token (`?access_token=...`,
// `?sig=...`: no list of names can know them all) or a fragment (`#token=...`).
#include <string>
#include <string_view>

namespace ncbctl::util {

// `url` with the userinfo replaced by `***`, every query value by `***` (a parameter without `=` as a whole)
// and the fragment by `***`: "https://u:p@h/x?a=1&b#f" -> "https://***@h/x?a=***&***#***". Scheme, host,
// port and path are kept. Text that is not a URL (no "://") is returned with only its query and fragment
// masked.
std::string redact_url(std::string_view url);

}  // namespace ncbctl::util
