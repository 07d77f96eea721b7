// Defaults of the NodeDriver port (include/ncbctl/node_driver.hpp).
#include "ncbctl/node_driver.hpp"

namespace ncbctl {

Result<std::string> NodeDriver::logs(int, const Deadline&) {
    return fail(ErrorCode::Unsupported, "node " + node_name() + ": this driver cannot read the service's logs");
}

}  // namespace ncbctl
