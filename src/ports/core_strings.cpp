// to_string() of the domain enums and small helpers declared in include/ncbctl.
#include "ncbctl/app_client.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/node_driver.hpp"
#include "ncbctl/traffic_switch.hpp"

namespace ncbctl {

std::string_view to_string(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::Usage:
            return "usage";
        case ErrorCode::Inventory:
            return "inventory";
        case ErrorCode::Unreachable:
            return "unreachable";
        case ErrorCode::Timeout:
            return "timeout";
        case ErrorCode::Auth:
            return "auth";
        case ErrorCode::HostKey:
            return "host-key";
        case ErrorCode::NotFound:
            return "not-found";
        case ErrorCode::Conflict:
            return "conflict";
        case ErrorCode::Remote:
            return "remote";
        case ErrorCode::Protocol:
            return "protocol";
        case ErrorCode::Io:
            return "io";
        case ErrorCode::Verification:
            return "verification";
        case ErrorCode::Lock:
            return "lock";
        case ErrorCode::Cancelled:
            return "cancelled";
        case ErrorCode::Unsupported:
            return "unsupported";
        case ErrorCode::Internal:
            return "internal";
    }
    return "internal";
}

Error Error::with_context(std::string_view prefix) const {
    return Error{code, std::string(prefix) + message, transient};
}

std::string_view to_string(ServiceState s) noexcept {
    switch (s) {
        case ServiceState::Running:
            return "running";
        case ServiceState::Stopped:
            return "stopped";
        case ServiceState::Missing:
            return "missing";
        case ServiceState::Unknown:
            return "unknown";
    }
    return "unknown";
}

std::string_view to_string(TrafficMode m) noexcept {
    switch (m) {
        case TrafficMode::Live:
            return "live";
        case TrafficMode::Maintenance:
            return "maintenance";
        case TrafficMode::Pinned:
            return "pinned";
        case TrafficMode::Unmanaged:
            return "unmanaged";
        case TrafficMode::Unknown:
            return "unknown";
        case TrafficMode::Partial:
            return "partial";
    }
    return "unknown";
}

std::string_view to_string(AppPhase p) noexcept {
    switch (p) {
        case AppPhase::Down:
            return "down";
        case AppPhase::Booting:
            return "booting";
        case AppPhase::Busy:
            return "busy";
        case AppPhase::Stopped:
            return "stopped";
        case AppPhase::Failed:
            return "failed";
        case AppPhase::Ready:
            return "ready";
        case AppPhase::Unknown:
            return "unknown";
    }
    return "unknown";
}

}  // namespace ncbctl
