// The explicit table of load-balancer drivers: traffic.driver name -> factory.
#include <array>
#include <utility>

#include "net/local_runner.hpp"
#include "traffic/traffic_common.hpp"
#include "wiring/wiring.hpp"

namespace ncbctl::wiring {
namespace {

using Factory = std::unique_ptr<TrafficSwitch> (*)(const Inventory&, std::unique_ptr<CommandRunner>);

constexpr std::array<std::pair<std::string_view, Factory>, 4> kDrivers{{
    {"haproxy", traffic::make_haproxy_switch},
    {"nginx", traffic::make_nginx_switch},
    {"command", traffic::make_command_switch},
    {"none", traffic::make_none_switch},
}};

// Stands in for a driver name the table does not know, so callers never hold a null switch.
class UnknownDriver final : public TrafficSwitch {
public:
    explicit UnknownDriver(std::string name) : name_(std::move(name)) {}
    Result<TrafficState> status(const Deadline&) override { return fail(error()); }
    Status maintenance(const Deadline&) override { return fail(error()); }
    Status pin(const std::string&, const Deadline&) override { return fail(error()); }
    Status live(const Deadline&) override { return fail(error()); }
    Status verify(const TrafficState&, const Deadline&) override { return fail(error()); }

private:
    [[nodiscard]] Error error() const {
        return {ErrorCode::Inventory, "traffic.driver '" + name_ + "' is unknown; use haproxy, nginx, command or none"};
    }
    std::string name_;
};

}  // namespace

std::unique_ptr<TrafficSwitch> make_traffic_switch(const Inventory& inventory, std::unique_ptr<CommandRunner> runner) {
    if (!runner) runner = net::make_local_runner();
    for (const auto& [name, factory] : kDrivers)
        if (name == inventory.traffic.driver) return factory(inventory, std::move(runner));
    return std::make_unique<UnknownDriver>(inventory.traffic.driver);
}

Result<std::unique_ptr<TrafficSwitch>> make_traffic_switch(const Inventory& inv) {
    auto runner = make_runner(inv.traffic.via_node, inv);
    if (!runner) return fail(runner.error());
    return make_traffic_switch(inv, std::move(*runner));
}

}  // namespace ncbctl::wiring
