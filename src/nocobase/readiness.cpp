#include "nocobase/readiness.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

namespace ncbctl::nocobase {
namespace {

using nlohmann::json;

std::string str_at(const json& j, std::string_view key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return {};
    return it->get<std::string>();
}

// Gateway state codes (server/src/gateway/errors.ts) that mean "on its way up".
constexpr std::array<std::string_view, 5> kBootingCodes = {"APP_NOT_FOUND", "APP_PREPARING", "APP_INITIALIZING",
                                                           "APP_INITIALIZED", "APP_STARTING"};

AppStatus from_gateway(long http, const json& err) {
    AppStatus s;
    s.http_status = static_cast<int>(http);
    s.code = str_at(err, "code");
    s.message = printable(str_at(err, "message"));
    if (auto c = err.find("command"); c != err.end() && c->is_object()) s.command = str_at(*c, "name");
    if (s.code == "APP_COMMANDING") {
        s.phase = AppPhase::Busy;
    } else if (s.code == "APP_STOPPED") {
        s.phase = AppPhase::Stopped;
    } else if (std::find(kBootingCodes.begin(), kBootingCodes.end(), s.code) != kBootingCodes.end()) {
        s.phase = AppPhase::Booting;
    } else {
        // APP_ERROR, APP_NOT_INSTALLED_ERROR, COMMAND_ERROR, UNKNOWN_ERROR, a raw error code...: the
        // gateway keeps answering this until someone acts.
        s.phase = AppPhase::Failed;
        if (s.code.empty()) s.code = "APP_ERROR";
    }
    return s;
}

AppStatus unknown(long http, std::string_view what) {
    AppStatus s;
    s.phase = AppPhase::Unknown;
    s.http_status = static_cast<int>(http);
    s.message = printable(what);
    return s;
}

}  // namespace

std::string printable(std::string_view text, std::size_t max) {
    std::string out;
    out.reserve(std::min(text.size(), max) + 4);
    std::size_t n = std::min(text.size(), max);
    // Do not cut a multi-byte UTF-8 sequence in half.
    while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0U) == 0x80U) --n;
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        out.push_back(c < 0x20U || c == 0x7FU ? ' ' : text[i]);
    }
    if (n < text.size()) out += "...";
    return out;
}

std::string app_error_text(std::string_view body) {
    const json j = json::parse(body, nullptr, false);
    if (j.is_object()) {
        if (auto e = j.find("error"); e != j.end() && e->is_object()) {
            std::string code = str_at(*e, "code");
            std::string msg = str_at(*e, "message");
            return printable(code.empty() ? msg : code + ": " + msg);
        }
        if (auto es = j.find("errors"); es != j.end() && es->is_array() && !es->empty()) {
            std::string out;
            for (const auto& e : *es) {
                if (!e.is_object()) continue;
                if (!out.empty()) out += "; ";
                std::string code = str_at(e, "code");
                out += code.empty() ? str_at(e, "message") : code + ": " + str_at(e, "message");
            }
            return printable(out);
        }
    }
    return printable(body);
}

AppStatus classify_answer(const ProbeAnswer& a) {
    if (a.transport) {
        AppStatus s;
        s.message = printable(a.transport->message);
        // A TLS verification failure does not heal by waiting; refused/reset/timeouts do.
        s.phase = a.transport->code == ErrorCode::Auth ? AppPhase::Failed : AppPhase::Down;
        if (a.transport->code == ErrorCode::Protocol) s.phase = AppPhase::Unknown;
        return s;
    }
    const json j = json::parse(a.body, nullptr, false);
    if (j.is_object()) {
        if (auto e = j.find("error"); e != j.end() && e->is_object() && e->contains("code")) {
            return from_gateway(a.status, *e);
        }
    }
    if (a.status == 502 || a.status == 504) {
        AppStatus s = unknown(a.status, a.body);
        s.phase = AppPhase::Down;  // a proxy in front says the node does not answer
        s.message = "HTTP " + std::to_string(a.status) + " from a proxy: " + s.message;
        return s;
    }
    if (a.status == 200) {
        AppStatus s;
        s.http_status = 200;
        s.phase = AppPhase::Ready;
        return s;
    }
    if (j.is_discarded() && a.content_type.find("json") != std::string::npos) {
        return unknown(a.status, "invalid JSON: " + std::string(a.body));
    }
    return unknown(a.status, "HTTP " + std::to_string(a.status) + ": " + app_error_text(a.body));
}

AppStatus classify_node(const ProbeAnswer& health, const std::optional<ProbeAnswer>& info) {
    AppStatus h = classify_answer(health);
    if (h.phase != AppPhase::Ready) return h;
    if (health.body != "ok") return unknown(health.status, "health check answered 200 but not \"ok\": " + health.body);
    if (!info) return unknown(health.status, "app:getInfo not asked");
    AppStatus i = classify_answer(*info);
    if (i.phase != AppPhase::Ready) {
        // getInfo flips to 503 first on pm:enable/disable; a 500 here is the app's own error (e.g. the
        // database went away while the process runs): not a gateway state, reported as is.
        return i;
    }
    const json j = json::parse(info->body, nullptr, false);
    const json* data = nullptr;
    if (j.is_object()) {
        auto d = j.find("data");
        if (d != j.end() && d->is_object()) data = &*d;
    }
    if (data == nullptr) return unknown(info->status, "app:getInfo answered 200 without data: " + info->body);
    AppStatus s;
    s.phase = AppPhase::Ready;
    s.http_status = 200;
    // version is null for a moment while another node restores the database.
    s.version = str_at(*data, "version");
    if (s.version.empty()) return unknown(200, "app:getInfo has no version yet: " + info->body);
    return s;
}

bool is_terminal(AppPhase phase) noexcept {
    return phase == AppPhase::Failed || phase == AppPhase::Stopped;
}

}  // namespace ncbctl::nocobase
