#pragma once
// Where one run keeps what later steps need from earlier ones (previous versions, the plugin set before the
// upgrade, the start of the 503 window), so a resumed process finds it: one directory per run id.
#include <string>

namespace ncbctl::run {

inline std::string run_work_dir(const std::string& state_dir, const std::string& run_id) {
    return state_dir + "/work/" + run_id;
}

}  // namespace ncbctl::run
