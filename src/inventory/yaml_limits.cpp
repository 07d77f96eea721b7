#include "inventory/yaml_limits.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <cstdint>
#include <sstream>
#include <vector>

#include "ncbctl/cancel.hpp"

namespace ncbctl::inv {
namespace {

// Thrown out of the parser's callbacks to stop the pass at the first limit crossed.
struct Stop {
    LimitProblem problem;
};

class Counter final : public YAML::EventHandler {
public:
    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& at, YAML::anchor_t anchor) override { leaf(at, anchor); }
    void OnScalar(const YAML::Mark& at, const std::string&, YAML::anchor_t anchor, const std::string&) override {
        leaf(at, anchor);
    }
    void OnAlias(const YAML::Mark& at, YAML::anchor_t anchor) override {
        const std::uint64_t n = anchor < sizes_.size() ? sizes_[anchor] : 1;
        add(at, n, 1);
    }
    void OnSequenceStart(const YAML::Mark& at, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open(at, anchor);
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark& at, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(at, anchor);
    }
    void OnMapEnd() override { close(); }

private:
    struct Open {
        YAML::anchor_t anchor;
        std::uint64_t expanded_before;  // expanded_ when the collection started
    };

    void add(const YAML::Mark& at, std::uint64_t expanded, std::uint64_t nodes) {
        if (stop_requested()) throw Stop{{at, "interrupted while reading the inventory", true}};
        nodes_ += nodes;
        expanded_ += expanded;
        if (nodes_ > kMaxNodes)
            throw Stop{{at, "the inventory has more than " + std::to_string(kMaxNodes) +
                                " YAML nodes (values, keys, lists and mappings); is this the right file? "
                                "(docs/inventory.md \"Limits\")"}};
        if (expanded_ > kMaxExpandedNodes)
            throw Stop{{at, "YAML aliases here repeat more than " + std::to_string(kMaxExpandedNodes) +
                                " nodes in all; alias smaller pieces (docs/inventory.md \"Limits\")"}};
    }
    void record(YAML::anchor_t anchor, std::uint64_t size) {
        if (anchor == YAML::NullAnchor) return;
        if (sizes_.size() <= anchor) sizes_.resize(anchor + 1, 1);
        sizes_[anchor] = size;
    }
    void leaf(const YAML::Mark& at, YAML::anchor_t anchor) {
        add(at, 1, 1);
        record(anchor, 1);
    }
    void open(const YAML::Mark& at, YAML::anchor_t anchor) {
        if (stack_.size() >= kMaxDepth)
            throw Stop{{at, "nesting deeper than " + std::to_string(kMaxDepth) +
                                " levels of lists and mappings; an inventory needs fewer than 10 "
                                "(docs/inventory.md \"Limits\")"}};
        stack_.push_back({anchor, expanded_});
        add(at, 1, 1);
    }
    void close() {
        const Open o = stack_.back();
        stack_.pop_back();
        record(o.anchor, expanded_ - o.expanded_before);
    }

    std::vector<Open> stack_;
    std::vector<std::uint64_t> sizes_;  // expanded size of each anchor, by anchor id
    std::uint64_t nodes_ = 0;
    std::uint64_t expanded_ = 0;
};

}  // namespace

std::optional<LimitProblem> check_yaml_limits(std::string_view text) {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    Counter counter;
    try {
        while (parser.HandleNextDocument(counter)) {}
    } catch (const Stop& s) {
        return s.problem;
    }
    return std::nullopt;
}

}  // namespace ncbctl::inv
