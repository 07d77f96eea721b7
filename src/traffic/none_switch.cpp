// traffic.driver none: the cluster's LB is not controlled by ncbctl. Changes succeed as no-ops with a
// warning so workflows still run; the operator switches the LB by hand.
#include <spdlog/spdlog.h>

#include "traffic/traffic_common.hpp"

namespace ncbctl::traffic {
namespace {

constexpr std::string_view kNotice = "ncbctl does not control a load balancer (traffic.driver: none)";

class NoneSwitch final : public TrafficSwitch {
public:
    Result<TrafficState> status(const Deadline&) override {
        TrafficState s;
        s.mode = TrafficMode::Unmanaged;
        s.detail = std::string(kNotice) + "; switch traffic on your load balancer yourself";
        return s;
    }
    Status maintenance(const Deadline&) override { return noop("put the load balancer on its maintenance page"); }
    Status pin(const std::string& node, const Deadline&) override { return noop("send traffic only to node " + node); }
    Status live(const Deadline&) override { return noop("send traffic to every node"); }
    Status serve(const std::vector<std::string>& nodes, const Deadline&) override {
        return noop("send traffic only to nodes " + join(nodes, ","));
    }
    Status verify(const TrafficState&, const Deadline&) override { return {}; }

private:
    static Status noop(const std::string& what) {
        spdlog::warn("{}: nothing switched; {} yourself", kNotice, what);
        return {};
    }
};

}  // namespace

std::unique_ptr<TrafficSwitch> make_none_switch(const Inventory&, std::unique_ptr<CommandRunner>) {
    return std::make_unique<NoneSwitch>();
}

}  // namespace ncbctl::traffic
