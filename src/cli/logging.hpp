#pragma once
// spdlog to stderr: stdout is data, stderr is logs. -q: errors only; -v: debug; -vv: trace.
namespace ncbctl::cli {
void setup_logging(int verbose, bool quiet, bool color);
}
