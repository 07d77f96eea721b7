#pragma once
// What `ncbctl traffic setup` asks for and gets back: the load balancer's configuration pieces generated from
// the inventory (src/traffic/traffic_setup.hpp renders them; src/wiring runs it on the LB host).
#include <string>
#include <vector>

namespace ncbctl {

struct TrafficSetupRequest {
    bool write = false;  // nginx: write the include (and its page) when missing
    std::string part;    // only this piece (empty: all)
    std::string errorfile = "/etc/haproxy/errors/ncbctl-maintenance.http";  // HAProxy: where the 503 goes
};

struct TrafficSetupPiece {
    std::string name;     // include | server (nginx); global | frontend | backend | errorfile (HAProxy)
    std::string where;    // where it goes, for the operator
    std::string content;  // the text; a bypass secret appears as a placeholder, never its value
};

struct TrafficSetupOutcome {
    std::vector<TrafficSetupPiece> pieces;
    std::vector<std::string> notes;  // what was written or left, and the next steps (stderr lines)
    bool wrote = false;
};

}  // namespace ncbctl
